/**
 * The scheduled reconcile's state machine (Amazon States Language): the worker
 * is called step after step, each with the state the last one returned, until
 * it says "done" (or that another run is going). Plain data, so the construct
 * deploys it and the tests validate and run exactly it.
 */
import { RECONCILE_WORKER_TIMEOUT_SECONDS } from "./specs";

/** A run that needs more than this is stuck; it ends before the next day's start. */
export const RECONCILE_EXECUTION_TIMEOUT_SECONDS = 23 * 3600;

/** Errors of the Lambda service itself, not of the worker: retried with backoff. */
export const TRANSIENT_LAMBDA_ERRORS = ["Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException"];

export function reconcileDefinition(workerArn: string): Record<string, unknown> {
  return {
    Comment: "user-sync scheduled reconcile: worker steps until done; a start while another run is going ends at once (AlreadyRunning)",
    StartAt: "Init",
    TimeoutSeconds: RECONCILE_EXECUTION_TIMEOUT_SECONDS,
    States: {
      Init: { Type: "Pass", Result: { phase: "start" }, ResultPath: "$.state", Next: "Step" },
      Step: {
        Type: "Task",
        Resource: workerArn,
        Parameters: {
          "state.$": "$.state",
          "execution.$": "$$.Execution.Id",
          "stateMachine.$": "$$.StateMachine.Id",
          "startTime.$": "$$.Execution.StartTime",
        },
        ResultPath: "$.state",
        TimeoutSeconds: RECONCILE_WORKER_TIMEOUT_SECONDS + 30,
        Retry: [{ ErrorEquals: TRANSIENT_LAMBDA_ERRORS, IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2 }],
        Next: "Phase",
      },
      Phase: {
        Type: "Choice",
        Choices: [
          { Variable: "$.state.phase", StringEquals: "done", Next: "Done" },
          { Variable: "$.state.phase", StringEquals: "already-running", Next: "AlreadyRunning" },
        ],
        Default: "Step",
      },
      Done: { Type: "Succeed", OutputPath: "$.state.report" },
      AlreadyRunning: { Type: "Succeed", OutputPath: "$.state" },
    },
  };
}
