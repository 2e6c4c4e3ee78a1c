/**
 * Cognito API calls as CloudTrail records them and EventBridge delivers them
 * ("AWS API Call via CloudTrail", source aws.cognito-idp). They are signals,
 * never data: CloudTrail hides attribute values and usernames
 * (HIDDEN_DUE_TO_SECURITY_REASONS) and records the user's sub; token-authorized
 * calls carry no pool id. The function re-reads the user from Cognito.
 */

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

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" && v !== HIDDEN ? v : undefined);
/** Hosted-UI records put parameters in one-element arrays. */
const first = (v: unknown): string | undefined => str(Array.isArray(v) ? v[0] : v);

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
  return {
    eventName,
    eventId: str(detail.eventID),
    sub: str(extra.sub) ?? first(extra.requestParameters?.sub),
    userPoolId: str(request.userPoolId) ?? str(extra.userPoolId),
    username: str(request.username),
  };
}
