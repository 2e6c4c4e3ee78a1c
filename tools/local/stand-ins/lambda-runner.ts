/**
 * Local stand-in for Lambda: answers the Invoke API on one loopback port and
 * runs each function's shipped bundle in its own child process (one warm
 * container per function, with only that function's environment).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { join } from "node:path";
import { startChildService, type ChildService } from "../http/child-service";
import { allowedHosts, INVOKE_CONTENT_TYPES, refuseUnsafe } from "../http/guard";
import { listen } from "../http/listen";
import { forward } from "../http/proxy";
import { readBody } from "../http/body";

/** A local function's ARN, as the runner answers it. */
/** A function's ARN in the sandbox (any region and account reach the runner: it goes by name). */
export const localFunctionArn = (name: string, where: { readonly region: string; readonly account: string } = { region: "us-east-1", account: "000000000000" }) =>
  `arn:aws:lambda:${where.region}:${where.account}:function:${name}`;

/** cognito-local's pools live in region "local", account "local" (their ARNs say so): a trigger there is named in the same place, as attach names it. */
export const COGNITO_LOCAL_PLACE = { region: "local", account: "local" } as const;

export interface InvocationRecord {
  readonly functionName: string;
  readonly requestId: string;
  /** Cognito trigger events only. */
  readonly triggerSource?: string;
  readonly sub?: string;
  readonly ok: boolean;
  /** The handler's error message, when it failed. */
  readonly error?: string;
  readonly durationMs: number;
  readonly at: string;
}

export interface LocalFunction {
  readonly name: string;
  /** The bundle to run (`index.mjs` exporting `handler`). */
  readonly bundleFile: string;
  /** Its whole environment: what the stack sets, plus endpoints of local stand-ins. */
  readonly environment: Record<string, string>;
  /** @default 3000 (Lambda's default) */
  readonly timeoutMs?: number;
}

export interface LambdaRunnerOptions {
  readonly functions: readonly LocalFunction[];
  /** @default 0 (a free port) */
  readonly port?: number;
  /** @default "127.0.0.1" */
  readonly host?: string;
  /** Receives each line a function logs. @default collected only */
  readonly onLog?: (functionName: string, line: string) => void;
}

export interface InvokeResult {
  /** The function's return value, or its error payload. */
  readonly payload: any;
  /** Set when the function failed (the Invoke API's X-Amz-Function-Error). */
  readonly functionError?: string;
}

export interface LambdaRunner {
  /** Base URL for the Lambda API (AWS_ENDPOINT_URL_LAMBDA). */
  readonly endpoint: string;
  readonly port: number;
  /** Everything a function logged so far. */
  logs(functionName: string): string[];
  /** Starts one more function (e.g. one whose environment needs ids known only after start-up). */
  add(fn: LocalFunction): Promise<void>;
  /** Invokes a function through the Lambda Invoke API, as Cognito does. */
  invoke(functionName: string, event: unknown): Promise<InvokeResult>;
  invocations(): Promise<InvocationRecord[]>;
  clearInvocations(): Promise<void>;
  stop(): Promise<void>;
}

/** Only what a function needs from the parent; never its own AWS credentials. */
const PASSED_THROUGH = ["PATH", "HOME", "TZ", "LANG", "NODE_EXTRA_CA_CERTS", "AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"];

interface RunningFunction {
  readonly service: ChildService;
  readonly lines: string[];
}

export async function startLambdaRunner(options: LambdaRunnerOptions): Promise<LambdaRunner> {
  const host = options.host ?? "127.0.0.1";
  const running = new Map<string, RunningFunction>();
  const stopAll = async () => {
    for (const fn of [...running.values()].reverse()) await fn.service.stop();
  };
  const startFunction = async (fn: LocalFunction) => {
    if (running.has(fn.name)) throw new Error(`function ${fn.name} is already running`);
    const env: Record<string, string> = {};
    for (const k of PASSED_THROUGH) if (process.env[k]) env[k] = process.env[k]!;
    const lines: string[] = [];
    const service = await startChildService(
      join(__dirname, "lambda-runner-process.ts"),
      {
        ...env,
        AWS_REGION: "us-east-1",
        AWS_ACCESS_KEY_ID: "local",
        AWS_SECRET_ACCESS_KEY: "local",
        AWS_LAMBDA_FUNCTION_NAME: fn.name,
        ...fn.environment,
        LAMBDA_RUNNER_BUNDLE: fn.bundleFile,
        LAMBDA_RUNNER_FUNCTION_NAME: fn.name,
        LAMBDA_RUNNER_TIMEOUT_MS: String(fn.timeoutMs ?? 3_000),
      },
      {
        name: `Lambda runner (${fn.name})`,
        onOutput: (line) => {
          lines.push(line);
          options.onLog?.(fn.name, line);
        },
      },
    );
    running.set(fn.name, { service, lines });
  };
  try {
    for (const fn of options.functions) await startFunction(fn);
  } catch (err) {
    await stopAll();
    throw err;
  }

  const childGet = async (port: number, method: string) => {
    const res = await fetch(`http://127.0.0.1:${port}/_runner/invocations`, { method });
    return method === "GET" ? ((await res.json()) as InvocationRecord[]) : [];
  };
  // Resource policies (AddPermission / GetPolicy), as the stack's aws_lambda_permission sets them; recorded, not enforced.
  const policies = new Map<string, object[]>();
  const functionNameOf = (raw: string) => decodeURIComponent(raw).replace(/^arn:[^:]+:lambda:[^:]+:[^:]+:function:/, "").split(":")[0];
  const policyApi = async (req: IncomingMessage, res: ServerResponse, name: string) => {
    const notFound = (message: string) => {
      res.writeHead(404, { "content-type": "application/json", "x-amzn-errortype": "ResourceNotFoundException" });
      res.end(JSON.stringify({ Type: "User", message }));
    };
    if (!running.has(name)) return notFound(`Function not found: ${name}`);
    if (req.method === "POST") {
      const input = JSON.parse((await readBody(req)).toString() || "{}");
      const statement = {
        Sid: input.StatementId,
        Effect: "Allow",
        Principal: { Service: input.Principal },
        Action: input.Action,
        Resource: localFunctionArn(name),
        Condition: {
          ...(input.SourceAccount ? { StringEquals: { "AWS:SourceAccount": input.SourceAccount } } : {}),
          ...(input.SourceArn ? { ArnLike: { "AWS:SourceArn": input.SourceArn } } : {}),
        },
      };
      policies.set(name, [...(policies.get(name) ?? []), statement]);
      res.writeHead(201, { "content-type": "application/json" });
      return res.end(JSON.stringify({ Statement: JSON.stringify(statement) }));
    }
    const statements = policies.get(name);
    if (!statements) return notFound("The resource you requested does not exist.");
    res.writeHead(200, { "content-type": "application/json" });
    return res.end(JSON.stringify({ Policy: JSON.stringify({ Version: "2012-10-17", Id: "default", Statement: statements }), RevisionId: String(statements.length) }));
  };
  const guard = { hosts: allowedHosts(host), bodyTypes: INVOKE_CONTENT_TYPES };
  const router = createServer(async (req, res) => {
    if (refuseUnsafe(req, res, guard)) return;
    try {
      const url = new URL(req.url ?? "/", "http://runner");
      if (url.pathname === "/_runner/invocations" && (req.method === "GET" || req.method === "DELETE")) {
        const all = await Promise.all([...running.values()].map((fn) => childGet(fn.service.port, req.method!)));
        res.writeHead(req.method === "GET" ? 200 : 204, { "content-type": "application/json" });
        return res.end(req.method === "GET" ? JSON.stringify(all.flat().sort((a, b) => a.at.localeCompare(b.at))) : undefined);
      }
      const policyMatch = /^\/2015-03-31\/functions\/([^/]+)\/policy$/.exec(url.pathname);
      if (policyMatch) return await policyApi(req, res, functionNameOf(policyMatch[1]));
      const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(url.pathname);
      const body = await readBody(req);
      // A name, a partial ARN or a full ARN, possibly with a qualifier.
      const requested = match && functionNameOf(match[1]);
      const target = requested ? running.get(requested) : undefined;
      if (!target) {
        res.writeHead(404, { "content-type": "application/json", "x-amzn-errortype": "ResourceNotFoundException" });
        return res.end(JSON.stringify({ Type: "User", message: `Function not found: ${requested ?? url.pathname}` }));
      }
      await forward(req, res, body, { port: target.service.port }, `function process ${requested}`);
    } catch (err) {
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ message: (err as Error).message }));
    }
  });
  let port: number;
  try {
    port = await listen(router, options.port ?? 0, host, "Lambda runner");
  } catch (err) {
    await stopAll();
    throw err;
  }
  const endpoint = `http://${host}:${port}`;

  return {
    endpoint,
    port,
    logs: (functionName) => [...(running.get(functionName)?.lines ?? [])],
    add: startFunction,
    async invoke(functionName, event) {
      const res = await fetch(`${endpoint}/2015-03-31/functions/${encodeURIComponent(functionName)}/invocations`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(event),
      });
      const payload = await res.json();
      if (res.status !== 200) throw new Error(`Invoke failed with HTTP ${res.status}: ${JSON.stringify(payload)}`);
      return { payload, functionError: res.headers.get("x-amz-function-error") ?? undefined };
    },
    async invocations() {
      return (await (await fetch(`${endpoint}/_runner/invocations`)).json()) as InvocationRecord[];
    },
    async clearInvocations() {
      await fetch(`${endpoint}/_runner/invocations`, { method: "DELETE" });
    },
    async stop() {
      await new Promise<void>((resolve) => {
        router.close(() => resolve());
        router.closeAllConnections();
      });
      await stopAll();
    },
  };
}
