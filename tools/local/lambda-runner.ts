/**
 * Local stand-in for Lambda: runs the shipped bundle in a child process that
 * answers `POST /2015-03-31/functions/<name>/invocations`, and records every
 * invocation's outcome (cognito-local swallows trigger errors; we don't).
 */
import { join } from "node:path";
import { COGNITO_TRIGGER_BUDGET_MS } from "../../lib/config";
import { startChildService } from "./child-service";

export interface InvocationRecord {
  readonly requestId: string;
  readonly triggerSource?: string;
  readonly sub?: string;
  readonly ok: boolean;
  /** The handler's error message, when it failed. */
  readonly error?: string;
  readonly durationMs: number;
  readonly at: string;
}

export interface LambdaRunnerOptions {
  /** The bundle to run (`index.mjs` exporting `handler`). */
  readonly bundleFile: string;
  readonly functionName: string;
  /** The function's environment, as the stack sets it. */
  readonly environment: Record<string, string>;
  /** Extra environment such as AWS_ENDPOINT_URL_DYNAMODB. @default {} */
  readonly extraEnvironment?: Record<string, string>;
  /** @default 0 (a free port) */
  readonly port?: number;
  /** @default "127.0.0.1" */
  readonly host?: string;
  /** Function timeout. @default 5000 (Cognito's wait) */
  readonly timeoutMs?: number;
  /** Receives each line the function logs. @default collected only */
  readonly onLog?: (line: string) => void;
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
  /** Everything the function logged so far. */
  logs(): string[];
  /** Invokes the function through the Lambda Invoke API, as Cognito does. */
  invoke(event: unknown): Promise<InvokeResult>;
  invocations(): Promise<InvocationRecord[]>;
  clearInvocations(): Promise<void>;
  stop(): Promise<void>;
}

/** Only what a function needs from the parent; never its own AWS credentials. */
const PASSED_THROUGH = ["PATH", "HOME", "TZ", "LANG", "NODE_EXTRA_CA_CERTS"];

export async function startLambdaRunner(options: LambdaRunnerOptions): Promise<LambdaRunner> {
  const host = options.host ?? "127.0.0.1";
  const env: Record<string, string> = {};
  for (const k of PASSED_THROUGH) if (process.env[k]) env[k] = process.env[k]!;
  Object.assign(env, {
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
    AWS_LAMBDA_FUNCTION_NAME: options.functionName,
    ...options.environment,
    ...options.extraEnvironment,
    LAMBDA_RUNNER_BUNDLE: options.bundleFile,
    LAMBDA_RUNNER_FUNCTION_NAME: options.functionName,
    LAMBDA_RUNNER_TIMEOUT_MS: String(options.timeoutMs ?? COGNITO_TRIGGER_BUDGET_MS),
    CHILD_SERVICE_PORT: String(options.port ?? 0),
    CHILD_SERVICE_HOST: host,
  });

  const lines: string[] = [];
  const service = await startChildService(join(__dirname, "lambda-runner-process.ts"), env, {
    name: "Lambda runner",
    onOutput: (line) => {
      lines.push(line);
      options.onLog?.(line);
    },
  });
  const port = service.port;
  const endpoint = `http://${host}:${port}`;

  return {
    endpoint,
    port,
    logs: () => [...lines],
    async invoke(event) {
      const res = await fetch(`${endpoint}/2015-03-31/functions/${encodeURIComponent(options.functionName)}/invocations`, {
        method: "POST",
        body: JSON.stringify(event),
      });
      const payload = await res.json();
      if (res.status !== 200) throw new Error(`Invoke failed with HTTP ${res.status}: ${JSON.stringify(payload)}`);
      return { payload, functionError: res.headers.get("x-amz-function-error") ?? undefined };
    },
    async invocations() {
      const res = await fetch(`${endpoint}/_runner/invocations`);
      return (await res.json()) as InvocationRecord[];
    },
    async clearInvocations() {
      await fetch(`${endpoint}/_runner/invocations`, { method: "DELETE" });
    },
    stop: service.stop,
  };
}
