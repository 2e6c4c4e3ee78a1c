/**
 * Child process of the local Step Functions: runs executions with
 * aws-local-stepfunctions and answers StartExecution, DescribeExecution and
 * ListExecutions (AWS JSON 1.0) on loopback. Settings in STEPFUNCTIONS_* and
 * CHILD_SERVICE_* variables.
 */
import { randomUUID } from "node:crypto";
import { createServer, type Server, type ServerResponse } from "node:http";
import { serveAsChild } from "../http/child-service";
import { allowedHosts, AWS_JSON_1_0, refuseUnsafe } from "../http/guard";
import type { LocalStateMachine } from "./stepfunctions";
import { readJson, replyJson } from "../http/body";

const reply = (res: ServerResponse, status: number, body: unknown) => replyJson(res, status, body, "application/x-amz-json-1.0");

// aws-local-stepfunctions is built for Node 22; this is the one API it uses that Node 20 lacks.
(Promise as any).withResolvers ??= function withResolvers<T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason?: unknown) => void;
  const promise = new Promise<T>((a, b) => {
    resolve = a;
    reject = b;
  });
  return { promise, resolve, reject };
};

interface Execution {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: "RUNNING" | "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "ABORTED";
  startDate: number;
  stopDate?: number;
  input: string;
  output?: string;
  error?: string;
  cause?: string;
}

async function createStepFunctionsServer(): Promise<Server> {
  const { StateMachine, ExecutionError } = await import("aws-local-stepfunctions");
  const machines = new Map<string, InstanceType<typeof StateMachine>>();
  for (const m of JSON.parse(process.env.STEPFUNCTIONS_MACHINES ?? "[]") as LocalStateMachine[]) {
    machines.set(m.arn, new StateMachine(m.definition as any));
  }
  const executions: Execution[] = [];
  const listed = (e: Execution) => ({
    executionArn: e.executionArn,
    stateMachineArn: e.stateMachineArn,
    name: e.name,
    status: e.status,
    startDate: e.startDate,
    stopDate: e.stopDate,
  });

  function start(stateMachineArn: string, name: string, input: string): Execution {
    const machine = machines.get(stateMachineArn)!;
    const startDate = Date.now() / 1000;
    const execution: Execution = {
      executionArn: `${stateMachineArn.replace(":stateMachine:", ":execution:")}:${name}`,
      stateMachineArn,
      name,
      status: "RUNNING",
      startDate,
      input,
    };
    executions.push(execution);
    const run = machine.run(JSON.parse(input || "{}"), {
      context: {
        Execution: { Id: execution.executionArn, Name: name, StartTime: new Date(startDate * 1000).toISOString(), Input: JSON.parse(input || "{}") },
        StateMachine: { Id: stateMachineArn, Name: stateMachineArn.split(":").pop() },
      },
    });
    run.result.then(
      (output: unknown) => Object.assign(execution, { status: "SUCCEEDED", output: JSON.stringify(output), stopDate: Date.now() / 1000 }),
      (err: any) => {
        const cause = err instanceof ExecutionError ? err.cause : err;
        Object.assign(execution, {
          status: "FAILED",
          error: cause?.name ?? "States.Runtime",
          cause: cause?.message ?? String(cause),
          stopDate: Date.now() / 1000,
        });
      },
    );
    return execution;
  }

  const guard = { hosts: allowedHosts(process.env.CHILD_SERVICE_HOST ?? "127.0.0.1"), bodyTypes: AWS_JSON_1_0 };
  return createServer(async (req, res) => {
    if (refuseUnsafe(req, res, guard)) return;
    try {
      const target = String(req.headers["x-amz-target"] ?? "").replace(/^AWSStepFunctions\./, "");
      const input = await readJson(req);
      if (target === "StartExecution") {
        if (!machines.has(input.stateMachineArn)) return reply(res, 400, { __type: "StateMachineDoesNotExist", message: `State Machine Does Not Exist: '${input.stateMachineArn}'` });
        const e = start(input.stateMachineArn, input.name ?? randomUUID(), input.input ?? "{}");
        return reply(res, 200, { executionArn: e.executionArn, startDate: e.startDate });
      }
      if (target === "DescribeExecution") {
        const e = executions.find((x) => x.executionArn === input.executionArn);
        if (!e) return reply(res, 400, { __type: "ExecutionDoesNotExist", message: `Execution Does Not Exist: '${input.executionArn}'` });
        return reply(res, 200, e);
      }
      if (target === "ListExecutions") {
        const found = executions.filter((e) => e.stateMachineArn === input.stateMachineArn && (!input.statusFilter || e.status === input.statusFilter));
        return reply(res, 200, { executions: found.map(listed).reverse() });
      }
      reply(res, 400, { __type: "UnknownOperationException", message: `this stand-in does not answer ${target}` });
    } catch (err) {
      reply(res, 500, { __type: "InternalServerError", message: (err as Error).message });
    }
  });
}

serveAsChild("Step Functions (aws-local-stepfunctions)", createStepFunctionsServer);
