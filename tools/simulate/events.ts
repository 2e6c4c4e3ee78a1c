/**
 * CloudTrail records of the simulated calls, as EventBridge delivers them, in
 * the shapes of the cited real records (__tests__/fixtures/cloudtrail-records.ts):
 * admin calls with IAM credentials and the pool; token and unauthenticated
 * calls with an Unknown/Anonymous identity and no pool; hosted-UI
 * confirmations as service events with one-element arrays; the sub in
 * additionalEventData, values hidden.
 */
import { HIDDEN } from "../../core/user-events/cloudtrail";

export type SimEvent = { source: string; "detail-type": string; detail: Record<string, any> };

let counter = 0;
const eventId = () => `00000000-0000-4000-9000-${String(++counter).padStart(12, "0")}`;

/** An API call's record: `admin` calls carry the pool and IAM credentials, others neither. */
export function apiCall(eventName: string, sub: string | undefined, userPoolId: string, admin: boolean, request: Record<string, unknown> = {}): SimEvent {
  return {
    source: "aws.cognito-idp",
    "detail-type": "AWS API Call via CloudTrail",
    detail: {
      eventVersion: "1.08",
      userIdentity: admin ? { type: "AssumedRole", principalId: "AROASIM:admin", accountId: "123456789012" } : { type: "Unknown", principalId: "Anonymous" },
      eventSource: "cognito-idp.amazonaws.com",
      eventName,
      requestParameters: { ...(admin ? { userPoolId, username: HIDDEN } : { accessToken: HIDDEN }), ...request },
      ...(sub === undefined ? {} : { additionalEventData: { sub } }),
      eventID: eventId(),
      eventType: "AwsApiCall",
    },
  };
}

/** A hosted-UI confirmation (Confirm_POST). */
export function hostedConfirm(sub: string, userPoolId: string): SimEvent {
  return {
    source: "aws.cognito-idp",
    "detail-type": "AWS Service Event via CloudTrail",
    detail: {
      eventVersion: "1.08",
      userIdentity: { accountId: "123456789012" },
      eventSource: "cognito-idp.amazonaws.com",
      eventName: "Confirm_POST",
      errorCode: "",
      requestParameters: null,
      additionalEventData: { requestParameters: { sub: [sub], username: [HIDDEN], code: [HIDDEN] }, userPoolId },
      eventID: eventId(),
      eventType: "AwsServiceEvent",
    },
  };
}

/** An accepted invitation: RespondToAuthChallenge (no credentials) or AdminRespondToAuthChallenge. */
export function inviteAccepted(sub: string, userPoolId: string, admin: boolean): SimEvent {
  const event = apiCall(admin ? "AdminRespondToAuthChallenge" : "RespondToAuthChallenge", sub, userPoolId, admin, { challengeName: "NEW_PASSWORD_REQUIRED", session: HIDDEN, challengeResponses: HIDDEN });
  if (!admin) delete event.detail.requestParameters.accessToken;
  return event;
}
