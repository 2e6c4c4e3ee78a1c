/**
 * Cognito PostConfirmation trigger: creates the user's row, never overwrites
 * one, and fails loudly (inside Cognito's 5 s wait) when it cannot.
 */
import type { Context, PostConfirmationTriggerEvent } from "aws-lambda";
import { createDynamoDBClient, TRIGGER_CLIENT } from "../../core/clients";
import { COGNITO_TRIGGER_BUDGET_MS } from "../../core/function-settings";
import { readFunctionSettings, type FunctionSettings } from "../../core/function-env";
import { log } from "../../core/log";
import { putMetrics } from "../../core/metrics";
import { buildUserRecord } from "../../core/user-record";
import { functionRowWriter, type RowWriter } from "../../core/row-writer";

/** Trigger sources that mean "this user is confirmed and needs a row". */
export const HANDLED_TRIGGER_SOURCES = ["PostConfirmation_ConfirmSignUp", "PostConfirmation_ConfirmForgotPassword"];

/** Time kept back from the budget to log, return and cross the network back to Cognito. */
const RESPONSE_MARGIN_MS = 300;

// Once per container; timeouts and retries sized to fail well inside the budget.
const client = createDynamoDBClient(TRIGGER_CLIENT);

let settings: FunctionSettings | undefined;
let writer: RowWriter | undefined;

/** How long this invocation may spend on DynamoDB. */
export function writeBudgetMs(context: Pick<Context, "getRemainingTimeInMillis"> | undefined): number {
  const remaining = context?.getRemainingTimeInMillis?.() ?? COGNITO_TRIGGER_BUDGET_MS;
  return Math.max(0, Math.min(remaining, COGNITO_TRIGGER_BUDGET_MS) - RESPONSE_MARGIN_MS);
}

export async function handler(event: PostConfirmationTriggerEvent, context?: Context): Promise<PostConfirmationTriggerEvent> {
  const started = performance.now();
  const triggerSource = event?.triggerSource;
  const sub = event?.request?.userAttributes?.sub;
  const elapsed = () => Math.round(performance.now() - started);

  if (!HANDLED_TRIGGER_SOURCES.includes(triggerSource)) {
    log("WARN", "unexpected trigger source; nothing written", { sub, triggerSource, outcome: "skipped", latencyMs: elapsed() });
    return event;
  }

  const budgetMs = writeBudgetMs(context);
  let timer: NodeJS.Timeout | undefined;
  // A timer race, not an abortSignal (which costs ~10% per call): a put that still
  // lands after we gave up is harmless, because it is conditional.
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineError(deadlineMessage(budgetMs))), budgetMs);
  });
  try {
    settings ??= readFunctionSettings(process.env);
    // An AppSync request is given the whole budget; the deadline below still ends the wait.
    writer ??= functionRowWriter(settings, client, COGNITO_TRIGGER_BUDGET_MS - RESPONSE_MARGIN_MS);
    const record = buildUserRecord(
      { userName: event.userName, userPoolId: event.userPoolId, attributes: event.request?.userAttributes ?? {} },
      { ...settings, now: new Date() },
    );
    const outcome = await Promise.race([writer.create(record), deadline]);
    log("INFO", "user record written", { sub, triggerSource, outcome, latencyMs: elapsed() });
    putMetrics({ [outcome]: 1 });
    return event;
  } catch (err) {
    const error = err instanceof DeadlineError ? err : new Error(`cannot write the user record: ${(err as Error).message}`);
    log("ERROR", "user record not written", {
      sub,
      triggerSource,
      outcome: "failed",
      latencyMs: elapsed(),
      errorName: (err as Error).name,
      errorMessage: error.message,
    });
    putMetrics({ failed: 1 });
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** The outcome is unknown, not "nothing written": a conditional put may still land after we gave up. */
export const deadlineMessage = (budgetMs: number) =>
  `${settings?.amplifyApi ? "The AppSync API" : "Users table"} did not answer within ${budgetMs} ms; whether the row was written is unknown (a late conditional write may still land): a retry or the next reconcile converges it`;

class DeadlineError extends Error {
  name = "DeadlineError";
}
