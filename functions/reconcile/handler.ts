/**
 * The scheduled reconcile's worker: one step per invocation, called in a loop
 * by the state machine (see core/reconcile/worker.ts).
 */
import type { Context } from "aws-lambda";
import { BATCH_CLIENT, createCognitoClient, createDynamoDBClient, createSFNClient } from "../../core/clients";
import { readReconcileWorkerSettings, type ReconcileWorkerSettings } from "../../core/function-env";
import { putMetrics } from "../../core/metrics";
import { functionRowWriter, type RowWriter } from "../../core/row-writer";
import { step, type RunState, type StepInput } from "../../core/reconcile/worker";

const cognito = createCognitoClient(BATCH_CLIENT);
const dynamodb = createDynamoDBClient(BATCH_CLIENT);
const sfn = createSFNClient(BATCH_CLIENT);
let settings: ReconcileWorkerSettings | undefined;
let writer: RowWriter | undefined;

export async function handler(input: StepInput, context?: Context): Promise<RunState> {
  settings ??= readReconcileWorkerSettings(process.env);
  writer ??= functionRowWriter(settings, dynamodb);
  const state = await step(input ?? {}, {
    cognito,
    dynamodb,
    writer,
    sfn,
    settings,
    remainingMs: () => context?.getRemainingTimeInMillis?.() ?? 900_000,
    onDone: (r) =>
      putMetrics(
        { missing: r.missing, created: r.created, updated: r.updated, orphans: r.orphans, failed: r.failed, usersScanned: r.scanned, durationMs: r.durationMs, triggerDrift: r.triggerDrift ? 1 : 0 },
        { durationMs: "Milliseconds" },
        { runId: input?.state?.runId },
      ),
  });
  console.info(
    JSON.stringify({ level: "INFO", message: "reconcile step", runId: state.runId, phase: state.phase, steps: state.steps, scanned: state.report.scanned, failed: state.report.failed }),
  );
  return state;
}
