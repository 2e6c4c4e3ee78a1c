/**
 * Local stand-in for Step Functions: aws-local-stepfunctions runs the state
 * machines (their Lambda tasks call the local Lambda runner), in a child
 * process behind the real JSON API: StartExecution, DescribeExecution,
 * ListExecutions. Enough for the reconcile worker's single-run guard and for
 * `aws stepfunctions start-execution` against the sandbox.
 */
import { join } from "node:path";
import { childServiceEnv, startChildService } from "../http/child-service";

export interface LocalStateMachine {
  readonly arn: string;
  /** Amazon States Language. */
  readonly definition: Record<string, unknown>;
}

export interface LocalStepFunctionsOptions {
  readonly stateMachines: readonly LocalStateMachine[];
  /** The Lambda API that runs the tasks (AWS_ENDPOINT_URL_LAMBDA). */
  readonly lambdaEndpoint: string;
  /** @default 0 (a free port) */
  readonly port?: number;
  /** @default "127.0.0.1" */
  readonly host?: string;
}

export interface LocalStepFunctions {
  /** Value for AWS_ENDPOINT_URL_SFN. */
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;
}

export async function startLocalStepFunctions(options: LocalStepFunctionsOptions): Promise<LocalStepFunctions> {
  const host = options.host ?? "127.0.0.1";
  const service = await startChildService(
    join(__dirname, "stepfunctions-process.ts"),
    {
      ...childServiceEnv(host, options.port),
      STEPFUNCTIONS_MACHINES: JSON.stringify(options.stateMachines),
      // The task runner's Lambda client reads these, as any SDK client does.
      AWS_ENDPOINT_URL_LAMBDA: options.lambdaEndpoint,
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "local",
      AWS_SECRET_ACCESS_KEY: "local",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    },
    { name: "Step Functions (aws-local-stepfunctions)" },
  );
  return { endpoint: `http://${host}:${service.port}`, port: service.port, stop: service.stop };
}
