/**
 * Cognito API calls as CloudTrail records them and EventBridge delivers them
 * ("AWS API Call via CloudTrail"; hosted-UI requests are "AWS Service Event
 * via CloudTrail"; source aws.cognito-idp). They are signals,
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
  // The same through the hosted UI or managed login ("AWS Service Event via CloudTrail").
  "Confirm_POST",
  // An invited user set a password (NEW_PASSWORD_REQUIRED): PostConfirmation never fires for them.
  "RespondToAuthChallenge",
  "AdminRespondToAuthChallenge",
  // A federated identity linked or unlinked changes the `identities` attribute and may merge users.
  "AdminLinkProviderForUser",
  "AdminDisableProviderForUser",
  // An invitation: matched only when invited users get rows (the rowsAtInvite setting).
  "AdminCreateUser",
] as const;

export type UserEventName = (typeof USER_EVENT_NAMES)[number];

/** Calls that delete the user. */
export const DELETE_EVENT_NAMES = ["AdminDeleteUser", "DeleteUser"] as const satisfies readonly UserEventName[];

/** Challenge responses happen at every MFA or custom-auth sign-in; only accepting an invitation matters here. */
export const CHALLENGE_EVENT_NAMES = ["RespondToAuthChallenge", "AdminRespondToAuthChallenge"] as const satisfies readonly UserEventName[];
/** The challenge an invited (FORCE_CHANGE_PASSWORD) user answers with their own password. */
export const INVITE_CHALLENGE = "NEW_PASSWORD_REQUIRED";

/**
 * Calls after which the user should simply have a row: when the row is there
 * (in this pool, no tombstone, not marked invited) the function is done after
 * one consistent read, and Cognito's shared quotas are spent only on a
 * missing row.
 */
export const ROW_FIRST_EVENT_NAMES = [
  "AdminConfirmSignUp",
  "ConfirmSignUp",
  "AdminSetUserPassword",
  "Confirm_POST",
  ...CHALLENGE_EVENT_NAMES,
  "AdminCreateUser",
] as const satisfies readonly UserEventName[];

/** API calls, and hosted-UI (managed login) requests, as EventBridge labels CloudTrail's records. */
export const DETAIL_TYPES = ["AWS API Call via CloudTrail", "AWS Service Event via CloudTrail"] as const;

export const HIDDEN = "HIDDEN_DUE_TO_SECURITY_REASONS";

export interface UserEventsPatternOptions {
  /** Invitations (AdminCreateUser) give rows too. @default false */
  readonly rowsAtInvite?: boolean;
}

/** The EventBridge pattern the rule uses (the local tap matches the synthesized rule's copy). */
export function userEventsPattern(options: UserEventsPatternOptions = {}): Record<string, unknown> {
  const challenges = new Set<string>(CHALLENGE_EVENT_NAMES);
  const calls = USER_EVENT_NAMES.filter((n) => !challenges.has(n) && (options.rowsAtInvite || n !== "AdminCreateUser"));
  return {
    source: ["aws.cognito-idp"],
    "detail-type": [...DETAIL_TYPES],
    detail: {
      eventSource: ["cognito-idp.amazonaws.com"],
      // A failed call changed nothing; a successful one has no errorCode, or an empty one.
      errorCode: [{ exists: false }, ""],
      $or: [
        { eventName: calls },
        // Filtered by EventBridge, so MFA and custom-auth sign-ins never invoke the function.
        { eventName: [...CHALLENGE_EVENT_NAMES], requestParameters: { challengeName: [INVITE_CHALLENGE] } },
      ],
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
  /** A row that is already there settles it (ROW_FIRST_EVENT_NAMES). */
  readonly rowFirst?: boolean;
  /** The call deleted the user: only Cognito's consistent read may say otherwise. */
  readonly deletes?: boolean;
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
  if (e.source !== "aws.cognito-idp" || !(DETAIL_TYPES as readonly unknown[]).includes(e["detail-type"])) {
    throw new NotAUserEvent(`not a Cognito call via CloudTrail (source ${JSON.stringify(e.source)}, detail-type ${JSON.stringify(e["detail-type"])})`);
  }
  const detail = e.detail ?? {};
  const eventName = detail.eventName;
  if (!(USER_EVENT_NAMES as readonly string[]).includes(eventName)) throw new NotAUserEvent(`${JSON.stringify(eventName)} is not a call that changes a user`);
  // Real records of successful calls may carry "errorCode": "".
  if (detail.errorCode) throw new NotAUserEvent(`${eventName} failed (${String(detail.errorCode)}); nothing changed`);
  const request = detail.requestParameters ?? {};
  if ((CHALLENGE_EVENT_NAMES as readonly string[]).includes(eventName) && request.challengeName !== INVITE_CHALLENGE) {
    throw new NotAUserEvent(`${eventName} answered ${typeof request.challengeName === "string" ? request.challengeName.slice(0, 40) : "no challenge"}, not ${INVITE_CHALLENGE}: a sign-in, not an accepted invitation`);
  }
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
    rowFirst: (ROW_FIRST_EVENT_NAMES as readonly string[]).includes(eventName),
    deletes: (DELETE_EVENT_NAMES as readonly string[]).includes(eventName),
  };
}
