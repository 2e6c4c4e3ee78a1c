/**
 * One JSON line per event. The field list is closed on purpose: no raw event,
 * email, name or phone number can reach the logs through here.
 */
export interface LogFields {
  readonly sub?: string;
  readonly triggerSource?: string;
  /** A Cognito API call's name (user events). */
  readonly eventName?: string;
  readonly eventId?: string;
  /** What happened, in a word each function defines (created, exists, refreshed, erased, malformed, ...). */
  readonly outcome?: string;
  readonly latencyMs?: number;
  readonly errorName?: string;
  readonly errorMessage?: string;
}

export function log(level: "INFO" | "WARN" | "ERROR", message: string, fields: LogFields): void {
  const line = JSON.stringify({ level, message, ...fields });
  if (level === "ERROR") console.error(line);
  else if (level === "WARN") console.warn(line);
  else console.info(line);
}
