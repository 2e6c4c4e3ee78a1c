/**
 * Every way a user comes into being gets a row, in the sandbox with the
 * shipped bundles: invited users who set their password (RespondToAuthChallenge
 * or, from a server, AdminRespondToAuthChallenge), hosted-UI confirmations
 * whose trigger failed (the guide's Confirm_POST record), and with
 * rowsAtInvite, invitations themselves. An invitation nobody accepted has no
 * row by default, and sign-ins never invoke the function.
 */
import {
  AdminCreateUserCommand,
  AdminInitiateAuthCommand,
  AdminRespondToAuthChallengeCommand,
  ConfirmSignUpCommand,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  type CognitoIdentityProviderClient,
} from "@aws-sdk/client-cognito-identity-provider";
import { GetItemCommand, UpdateItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { rowKey } from "../../core/row-key";
import { keyLayoutOf } from "../../lib/settings";
import { localCognitoClient } from "../../tools/local/clients";
import type { Sandbox } from "../../tools/local/sandbox";
import { signUp } from "../../tools/local/sign-up";
import { CONFIRM_POST, delivered } from "../fixtures/cloudtrail-records";
import { startTestSandbox } from "../helpers/sandbox";

const TEMPORARY = "Temporary-Passw0rd!";
const PASSWORD = "Correct-Horse-9!x";

interface World {
  sandbox: Sandbox;
  cognito: CognitoIdentityProviderClient;
  dynamo: DynamoDBClient;
}

async function start(env: Record<string, string> = {}): Promise<World> {
  const sandbox = await startTestSandbox(env);
  return { sandbox, cognito: sandbox.cognitoClient(), dynamo: sandbox.dynamoClient() };
}

async function stop(w: World | undefined) {
  w?.cognito.destroy();
  w?.dynamo.destroy();
  await w?.sandbox.stop();
}

async function row(w: World, sub: string): Promise<Record<string, any> | undefined> {
  const key = marshall(rowKey(keyLayoutOf(w.sandbox.config), sub));
  const res = await w.dynamo.send(new GetItemCommand({ TableName: w.sandbox.tableName, Key: key, ConsistentRead: true }));
  return res.Item ? unmarshall(res.Item) : undefined;
}

/** Waits for the tap to deliver everything, then reads the row. */
async function settledRow(w: World, sub: string) {
  await w.sandbox.tap!.idle();
  return row(w, sub);
}

async function invite(w: World, email: string): Promise<string> {
  const res = await w.cognito.send(
    new AdminCreateUserCommand({
      UserPoolId: w.sandbox.userPoolId,
      Username: email,
      TemporaryPassword: TEMPORARY,
      MessageAction: "SUPPRESS",
      UserAttributes: [{ Name: "email", Value: email }, { Name: "email_verified", Value: "true" }],
    }),
  );
  return res.User!.Attributes!.find((a) => a.Name === "sub")!.Value!;
}

/** The user signs in with the temporary password and answers NEW_PASSWORD_REQUIRED, as an app does. */
async function acceptInvite(w: World, email: string): Promise<void> {
  const auth = await w.cognito.send(new InitiateAuthCommand({ ClientId: w.sandbox.clientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: email, PASSWORD: TEMPORARY } }));
  expect(auth.ChallengeName).toBe("NEW_PASSWORD_REQUIRED");
  await w.cognito.send(
    new RespondToAuthChallengeCommand({ ClientId: w.sandbox.clientId, ChallengeName: "NEW_PASSWORD_REQUIRED", Session: auth.Session, ChallengeResponses: { USERNAME: email, NEW_PASSWORD: PASSWORD } }),
  );
}

/** A server signs the user in and answers for them (AdminInitiateAuth, AdminRespondToAuthChallenge). */
async function acceptInviteFromServer(w: World, email: string): Promise<void> {
  const auth = await w.cognito.send(
    new AdminInitiateAuthCommand({ UserPoolId: w.sandbox.userPoolId, ClientId: w.sandbox.clientId, AuthFlow: "ADMIN_USER_PASSWORD_AUTH", AuthParameters: { USERNAME: email, PASSWORD: TEMPORARY } }),
  );
  expect(auth.ChallengeName).toBe("NEW_PASSWORD_REQUIRED");
  await w.cognito.send(
    new AdminRespondToAuthChallengeCommand({
      UserPoolId: w.sandbox.userPoolId,
      ClientId: w.sandbox.clientId,
      ChallengeName: "NEW_PASSWORD_REQUIRED",
      Session: auth.Session,
      ChallengeResponses: { USERNAME: email, NEW_PASSWORD: PASSWORD },
    }),
  );
}

const deliveredFor = (w: World, sub: string) => w.sandbox.tap!.deliveries().filter((d) => d.event.detail.additionalEventData?.sub === sub);

describe("default settings", () => {
  let w: World;
  beforeAll(async () => {
    w = await start();
  });
  afterAll(() => stop(w));

  test.each([
    ["RespondToAuthChallenge", acceptInvite],
    ["AdminRespondToAuthChallenge", acceptInviteFromServer],
  ])("an invited user who sets a password through %s gets a row; before that, none", async (call, accept) => {
    const email = `invited-${call.toLowerCase()}@example.com`;
    const sub = await invite(w, email);
    expect(await settledRow(w, sub)).toBeUndefined();
    expect(deliveredFor(w, sub)).toEqual([]);

    await accept(w, email);
    expect(await settledRow(w, sub)).toMatchObject({ email, emailVerified: true, userPoolId: w.sandbox.userPoolId });
    const [delivery] = deliveredFor(w, sub);
    expect(delivery).toMatchObject({ ok: true, event: { detail: { eventName: call, requestParameters: { challengeName: "NEW_PASSWORD_REQUIRED", challengeResponses: "HIDDEN_DUE_TO_SECURITY_REASONS" } } } });
    expect(delivery.event.detail.userIdentity.type).toBe(call.startsWith("Admin") ? "AssumedRole" : "Unknown");

    // Later sign-ins answer no invitation: recorded, never delivered.
    const before = w.sandbox.tap!.deliveries().length;
    await w.cognito.send(new InitiateAuthCommand({ ClientId: w.sandbox.clientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: email, PASSWORD } }));
    await w.sandbox.tap!.idle();
    expect(w.sandbox.tap!.events().some((e) => e.detail.eventName === "InitiateAuth" && e.detail.additionalEventData?.sub === sub)).toBe(true);
    expect(w.sandbox.tap!.deliveries().length).toBe(before);

    // The same event again is row-first: the row settles it.
    const again = await w.sandbox.lambda.invoke(w.sandbox.userEventsFunctionName!, delivery.event);
    expect(again.payload).toEqual({ outcome: "present" });
  });

  test("a hosted-UI confirmation whose trigger failed: the Confirm_POST record produces the row", async () => {
    const email = "hosted-ui@example.com";
    const sub = await signUp(w.cognito, w.sandbox.clientId, { email, password: PASSWORD });
    const code = await w.sandbox.cognito.lastCode(email);
    // The hosted UI confirms inside Cognito: no ConfirmSignUp call reaches CloudTrail, so not through the tap.
    const direct = localCognitoClient(w.sandbox.cognito.endpoint);
    await w.sandbox.dynamodb.pause();
    try {
      await direct.send(new ConfirmSignUpCommand({ ClientId: w.sandbox.clientId, Username: email, ConfirmationCode: code! }));
    } finally {
      await w.sandbox.dynamodb.resume();
      direct.destroy();
    }
    expect(await row(w, sub)).toBeUndefined();

    // The guide's record, for this pool and this user.
    const record = structuredClone(CONFIRM_POST.record);
    record.additionalEventData.userPoolId = w.sandbox.userPoolId;
    record.additionalEventData.requestParameters.sub = [sub];
    const event = delivered(record);
    expect(event["detail-type"]).toBe("AWS Service Event via CloudTrail");
    expect((await w.sandbox.tap!.deliver(event)).ok).toBe(true);
    expect(await row(w, sub)).toMatchObject({ email, userPoolId: w.sandbox.userPoolId });
  });
});

describe("rowsAtInvite", () => {
  let w: World;
  beforeAll(async () => {
    w = await start({ USER_SYNC_ROWS_AT_INVITE: "true" });
  });
  afterAll(() => stop(w));

  test("an invitation gets a row marked invited; accepting it removes the mark, app fields and createdAt stay", async () => {
    const email = "invited-early@example.com";
    const sub = await invite(w, email);
    const first = await settledRow(w, sub);
    expect(first).toMatchObject({ email, invited: true });
    await w.dynamo.send(
      new UpdateItemCommand({ TableName: w.sandbox.tableName, Key: marshall(rowKey(keyLayoutOf(w.sandbox.config), sub)), UpdateExpression: "SET bio = :b", ExpressionAttributeValues: marshall({ ":b": "hello" }) }),
    );

    await acceptInvite(w, email);
    await w.sandbox.tap!.idle();
    const accepted = await row(w, sub);
    expect(accepted).not.toHaveProperty("invited");
    expect(accepted).toMatchObject({ email, bio: "hello", createdAt: first!.createdAt });
  });
});
