/**
 * Cognito API calls as CloudTrail records them and EventBridge delivers them
 * ("AWS API Call via CloudTrail", source aws.cognito-idp). They are signals,
 * never data: CloudTrail hides attribute values and usernames
 * (HIDDEN_DUE_TO_SECURITY_REASONS) and records the user's sub; token-authorized
 * calls carry no pool id. The function re-reads the user from Cognito.
 */
import { isWellFormedSub } from "../row-key";
import { describeValue } from "../user-record";

/** Calls that change or remove a user, or make one need a row. */
export const USER_EVENT_NAMES = [
  // The user is gone.
  "AdminDeleteUser",
  "DeleteUser",
  // Attributes changed (values hidden: re-read).
  "AdminUpdateUserAttributes",
  "UpdateUserAttributes",
  "VerifyUserAttribute",
  "AdminDeleteUserAttributes",
  "DeleteUserAttributes",
  // enabled follows these.
  "AdminDisableUser",
  "AdminEnableUser",
  // The user became CONFIRMED; a row if the trigger failed (or never ran: AdminSetUserPassword
  // confirms an admin-created user, and PostConfirmation never fires for those).
  "AdminConfirmSignUp",
  "ConfirmSignUp",
  "AdminSetUserPassword",
  // A federated identity linked or unlinked changes the `identities` attribute and may merge users.
  "AdminLinkProviderForUser",
  "AdminDisableProviderForUser",
] as const;

export type UserEventName = (typeof USER_EVENT_NAMES)[number];

export const HIDDEN = "HIDDEN_DUE_TO_SECURITY_REASONS";

/** The EventBridge pattern the rule uses, and the local tap matches against. */
export function userEventsPattern(): Record<string, unknown> {
  return {
    source: ["aws.cognito-idp"],
    "detail-type": ["AWS API Call via CloudTrail"],
    detail: {
      eventSource: ["cognito-idp.amazonaws.com"],
      eventName: [...USER_EVENT_NAMES],
      // A failed call changed nothing.
      errorCode: [{ exists: false }],
    },
  };
}

/** What an event tells us: who (sub, sometimes a pool and a username) and which call. */
export interface UserSignal {
  readonly eventName: UserEventName;
  readonly eventId?: string;
  readonly sub?: string;
  /** Absent for token-authorized calls (DeleteUser, UpdateUserAttributes, ...). */
  readonly userPoolId?: string;
  /** Only when CloudTrail did not hide it. */
  readonly username?: string;
}

/** The event is not one the function acts on; the message says why (no personal data in it). */
export class NotAUserEvent extends Error {
  name = "NotAUserEvent";
}

/**
 * The event is one the function acts on, but a field that identifies the user
 * is not of a shape Cognito produces (a forged or corrupted record). It can
 * never be processed, so it is ignored and counted, never retried; the
 * message describes the value, never quotes it.
 */
export class MalformedEvent extends Error {
  name = "MalformedEvent";
}

/** Cognito usernames: 1-128 letters, marks, symbols, digits or punctuation (no spaces or control characters). */
const USERNAME = /^[\p{L}\p{M}\p{S}\p{N}\p{P}]{1,128}$/u;
const USER_POOL_ID = /^[\w-]{1,50}_[0-9a-zA-Z]{1,50}$/;

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" && v !== HIDDEN ? v : undefined);

/** A field that identifies the user: absent, or of Cognito's shape; anything else makes the event malformed. */
function checked(field: string, value: unknown, valid: (v: string) => boolean): string | undefined {
  if (value === undefined || value === null || value === "" || value === HIDDEN) return undefined;
  if (typeof value === "string" && valid(value)) return value;
  throw new MalformedEvent(`${field} is ${describeValue(value)}, not of the shape Cognito gives it; the event is ignored`);
}

/** Reads a delivered event; throws NotAUserEvent for anything that is not a successful call in the list. */
export function parseUserEvent(event: unknown): UserSignal {
  const e = event as { source?: unknown; "detail-type"?: unknown; detail?: Record<string, any> } | null;
  if (!e || typeof e !== "object") throw new NotAUserEvent("the event is not an object");
  if (e.source !== "aws.cognito-idp" || e["detail-type"] !== "AWS API Call via CloudTrail") {
    throw new NotAUserEvent(`not a Cognito API call via CloudTrail (source ${JSON.stringify(e.source)}, detail-type ${JSON.stringify(e["detail-type"])})`);
  }
  const detail = e.detail ?? {};
  const eventName = detail.eventName;
  if (!(USER_EVENT_NAMES as readonly string[]).includes(eventName)) throw new NotAUserEvent(`${JSON.stringify(eventName)} is not a call that changes a user`);
  if (detail.errorCode) throw new NotAUserEvent(`${eventName} failed (${String(detail.errorCode)}); nothing changed`);
  const request = detail.requestParameters ?? {};
  const extra = detail.additionalEventData ?? {};
  // Hosted-UI records put parameters in one-element arrays.
  const hostedSub = extra.requestParameters?.sub;
  return {
    eventName,
    eventId: str(detail.eventID),
    sub:
      checked("detail.additionalEventData.sub", extra.sub, isWellFormedSub) ??
      checked("detail.additionalEventData.requestParameters.sub", Array.isArray(hostedSub) ? hostedSub[0] : hostedSub, isWellFormedSub),
    userPoolId: checked("detail.requestParameters.userPoolId", request.userPoolId, (v) => USER_POOL_ID.test(v)) ?? checked("detail.additionalEventData.userPoolId", extra.userPoolId, (v) => USER_POOL_ID.test(v)),
    username: checked("detail.requestParameters.username", request.username, (v) => USERNAME.test(v)),
  };
}
