/**
 * Child process of the local Lambda runner: loads the real bundle (ESM, as
 * Lambda does) and answers the Lambda Invoke HTTP API on loopback. One process
 * is one warm container of one function. Started by lambda-runner.ts, which
 * passes settings in LAMBDA_RUNNER_* variables and the function's own environment.
 */
import { randomUUID } from "node:crypto";
import { createServer, type Server, type ServerResponse } from "node:http";
import { pathToFileURL } from "node:url";
import type { InvocationRecord } from "./lambda-runner";
import { serveAsChild } from "../http/child-service";
import { allowedHosts, INVOKE_CONTENT_TYPES, refuseUnsafe } from "../http/guard";
import { readBody } from "../http/body";

const bundleFile = process.env.LAMBDA_RUNNER_BUNDLE!;
const functionName = process.env.LAMBDA_RUNNER_FUNCTION_NAME!;
const timeoutMs = Number(process.env.LAMBDA_RUNNER_TIMEOUT_MS);

type Handler = (event: unknown, context: unknown) => Promise<unknown>;
const invocations: InvocationRecord[] = [];

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

async function invoke(handler: Handler, event: any): Promise<{ result?: unknown; error?: { errorType: string; errorMessage: string } }> {
  const requestId = randomUUID();
  const deadline = Date.now() + timeoutMs;
  const context = {
    awsRequestId: requestId,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? "256",
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`), { name: "Sandbox.Timedout" })), timeoutMs);
  });
  let outcome: { result?: unknown; error?: { errorType: string; errorMessage: string } };
  try {
    outcome = { result: await Promise.race([handler(event, context), timeout]) };
  } catch (err) {
    outcome = { error: { errorType: (err as Error).name ?? "Error", errorMessage: (err as Error).message ?? String(err) } };
  } finally {
    clearTimeout(timer);
  }
  invocations.push({
    functionName,
    requestId,
    triggerSource: event?.triggerSource,
    sub: event?.request?.userAttributes?.sub,
    ok: !outcome.error,
    error: outcome.error?.errorMessage,
    durationMs: Math.round((performance.now() - started) * 100) / 100,
    at: new Date().toISOString(),
  });
  return outcome;
}

async function createRunnerServer(): Promise<Server> {
  const { handler } = (await import(pathToFileURL(bundleFile).href)) as { handler: Handler };
  if (typeof handler !== "function") throw new Error(`${bundleFile} does not export a handler function`);

  const guard = { hosts: allowedHosts(process.env.CHILD_SERVICE_HOST ?? "127.0.0.1"), bodyTypes: INVOKE_CONTENT_TYPES };
  return createServer(async (req, res) => {
    if (refuseUnsafe(req, res, guard)) return;
    try {
      const url = new URL(req.url ?? "/", "http://runner");
      if (req.method === "GET" && url.pathname === "/_runner/invocations") return send(res, 200, invocations);
      if (req.method === "DELETE" && url.pathname === "/_runner/invocations") {
        invocations.length = 0;
        return send(res, 204, {});
      }
      const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(url.pathname);
      if (req.method !== "POST" || !match) return send(res, 404, { message: `no route for ${req.method} ${url.pathname}` });
      const body = (await readBody(req)).toString("utf8");
      const event = body ? JSON.parse(body) : {};
      const outcome = await invoke(handler, event);
      if (outcome.error) return send(res, 200, outcome.error, { "x-amz-function-error": "Unhandled", "x-amz-executed-version": "$LATEST" });
      return send(res, 200, outcome.result ?? null, { "x-amz-executed-version": "$LATEST" });
    } catch (err) {
      send(res, 500, { message: (err as Error).message });
    }
  });
}

serveAsChild("Lambda runner", createRunnerServer);
