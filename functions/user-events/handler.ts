/**
 * Cognito API calls (via CloudTrail and EventBridge) that change or remove a
 * user: the row follows the user's current state in this pool. Invoked
 * asynchronously: a failure throws, Lambda retries, then the event goes to the
 * dead-letter queue; acting on current state makes every retry safe.
 */
import { MalformedInputError } from "../../core/row-key";
import { createCognitoClient, createDynamoDBClient, type ClientProfile } from "../../core/clients";
import { readUserEventsSettings, type UserEventsSettings } from "../../core/function-env";
import { log } from "../../core/log";
import { putMetrics } from "../../core/metrics";
import { functionRowWriter, type RowWriter } from "../../core/row-writer";
import { applyUserEvent } from "../../core/user-events/apply";
import { MalformedEvent, NotAUserEvent, parseUserEvent } from "../../core/user-events/cloudtrail";

/** Async invocations can wait: patient per attempt, and Lambda's own retries come after. */
const EVENT_CLIENT: ClientProfile = { connectionTimeoutMs: 1_000, requestTimeoutMs: 5_000, maxAttempts: 4, retryMode: "standard" };

const cognito = createCognitoClient(EVENT_CLIENT);
const dynamodb = createDynamoDBClient(EVENT_CLIENT);
let settings: UserEventsSettings | undefined;
let writer: RowWriter | undefined;

export async function handler(event: unknown): Promise<{ outcome: string }> {
  const started = performance.now();
  settings ??= readUserEventsSettings(process.env);
  writer ??= functionRowWriter(settings, dynamodb);
  let signal;
  try {
    signal = parseUserEvent(event);
  } catch (err) {
    if (err instanceof MalformedEvent) return malformed(err);
    if (!(err instanceof NotAUserEvent)) throw err;
    // Not ours to act on (the rule should not deliver it): say so, and succeed so it is not retried.
    log("WARN", `event ignored: ${err.message}`, { outcome: "ignored" });
    return { outcome: "ignored" };
  }
  try {
    const { outcome, sub } = await applyUserEvent({ ...settings, cognito, dynamodb, writer }, signal);
    const latencyMs = Math.round(performance.now() - started);
    const fields = { sub, eventName: signal.eventName, eventId: signal.eventId, outcome, latencyMs };
    // Events of other pools and unknown users are expected in a shared account: quiet.
    if (outcome === "unidentified") log("WARN", "user event names no user (no sub, no username): nothing was done; the scheduled reconcile is the fallback", fields);
    else if ((outcome !== "other-pool" && outcome !== "unknown-user") || process.env.AWS_LAMBDA_LOG_LEVEL === "DEBUG") log("INFO", "user event applied", fields);
    putMetrics({ [outcome]: 1 });
    return { outcome };
  } catch (err) {
    if (err instanceof MalformedInputError) return malformed(err, signal);
    log("ERROR", "user event failed; Lambda retries it, then the dead-letter queue keeps it", {
      sub: signal.sub,
      eventName: signal.eventName,
      eventId: signal.eventId,
      outcome: "failed",
      errorName: (err as Error).name,
      errorMessage: (err as Error).message,
    });
    putMetrics({ failed: 1 });
    throw err;
  }
}

/** Input that can never be processed: counted and logged without its value, and not retried (the dead-letter queue is for what could not be processed). */
function malformed(err: Error, signal?: { eventName?: string; eventId?: string }): { outcome: string } {
  log("WARN", `event ignored: ${err.message}`, { eventName: signal?.eventName, eventId: signal?.eventId, outcome: "malformed" });
  putMetrics({ malformed: 1 });
  return { outcome: "malformed" };
}
