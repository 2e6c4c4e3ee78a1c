/**
 * User events through the sandbox: the event tap plays CloudTrail +
 * EventBridge in front of the Cognito stand-in and invokes the shipped
 * user-events bundle. Profile changes, disable/enable and deletes reach the
 * table within seconds; other pools' events change nothing; duplicates and
 * out-of-order deliveries end in the same table; a DynamoDB outage is retried
 * until the row converges. Runs for the default layout and a single-table one.
 */
import {
  AdminDeleteUserCommand,
  AdminDisableUserCommand,
  AdminEnableUserCommand,
  AdminInitiateAuthCommand,
  AdminUpdateUserAttributesCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  DeleteUserCommand,
  UpdateUserAttributesCommand,
  VerifyUserAttributeCommand,
  type CognitoIdentityProviderClient,
} from "@aws-sdk/client-cognito-identity-provider";
import { GetItemCommand, UpdateItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { execFile } from "node:child_process";
import { rowKey, type KeyLayout } from "../../core/row-key";
import { userEventsPattern } from "../../core/user-events/cloudtrail";
import { keyLayoutOf } from "../../lib/settings";
import type { Sandbox } from "../../tools/local/sandbox";
import { adminConfirm, signUp } from "../../tools/local/sign-up";
import { startTestSandbox } from "../helpers/sandbox";
import { synthStack } from "../helpers/synth";
import { BIN } from "../helpers/cli";

const PASSWORD = "Correct-Horse-9!x";
const MAP = '{"given_name":"givenName","family_name":"familyName","custom:plan":"plan"}';
const PERSONAL = ["username", "email", "emailVerified", "givenName", "familyName", "plan"];

interface World {
  sandbox: Sandbox;
  cognito: CognitoIdentityProviderClient;
  dynamo: DynamoDBClient;
  layout: KeyLayout;
}

async function start(env: Record<string, string>): Promise<World> {
  const sandbox = await startTestSandbox({ USER_SYNC_ATTRIBUTE_MAP: MAP, ...env });
  return { sandbox, cognito: sandbox.cognitoClient(), dynamo: sandbox.dynamoClient(), layout: keyLayoutOf(sandbox.config) };
}

async function stop(w: World | undefined) {
  w?.cognito.destroy();
  w?.dynamo.destroy();
  await w?.sandbox.stop();
}

async function row(w: World, sub: string): Promise<Record<string, any> | undefined> {
  const res = await w.dynamo.send(new GetItemCommand({ TableName: w.sandbox.tableName, Key: marshall(rowKey(w.layout, sub)), ConsistentRead: true }));
  return res.Item ? unmarshall(res.Item) : undefined;
}

/** Polls until the row satisfies `done`. The bound only stops a hang: latency is `npm run bench -- events`. */
async function until(w: World, sub: string, done: (r: Record<string, any> | undefined) => boolean, timeoutMs = 60_000) {
  const since = performance.now();
  for (;;) {
    const r = await row(w, sub);
    if (done(r)) return { row: r };
    if (performance.now() - since > timeoutMs) throw new Error(`row ${sub} did not converge within ${timeoutMs} ms: ${JSON.stringify(r)}`);
    await new Promise((res) => setTimeout(res, 25));
  }
}

async function newUser(w: World, email: string, attributes: Record<string, string> = { given_name: "Ada", family_name: "Lovelace", "custom:plan": "free" }) {
  const sub = await signUp(w.cognito, w.sandbox.clientId, { email, password: PASSWORD, attributes });
  await adminConfirm(w.cognito, w.sandbox.userPoolId, email);
  await until(w, sub, (r) => r !== undefined);
  // App-owned data the sync must never touch.
  await w.dynamo.send(
    new UpdateItemCommand({
      TableName: w.sandbox.tableName,
      Key: marshall(rowKey(w.layout, sub)),
      UpdateExpression: "SET bio = :bio, postCount = :n",
      ExpressionAttributeValues: marshall({ ":bio": "hello", ":n": 7 }),
    }),
  );
  await w.sandbox.tap!.idle();
  return { sub, email, before: (await row(w, sub))! };
}

async function accessToken(w: World, email: string): Promise<string> {
  const auth = await w.cognito.send(
    new AdminInitiateAuthCommand({ UserPoolId: w.sandbox.userPoolId, ClientId: w.sandbox.clientId, AuthFlow: "ADMIN_USER_PASSWORD_AUTH", AuthParameters: { USERNAME: email, PASSWORD } }),
  );
  return auth.AuthenticationResult!.AccessToken!;
}

const LAYOUTS: Array<[string, Record<string, string>]> = [
  ["default layout", {}],
  [
    "single-table layout",
    { USER_SYNC_TABLE_PARTITION_KEY: "pk", USER_SYNC_TABLE_PARTITION_KEY_VALUE: "USER#{sub}", USER_SYNC_TABLE_SORT_KEY: "sk", USER_SYNC_TABLE_SORT_KEY_VALUE: "PROFILE" },
  ],
];

describe.each(LAYOUTS)("user events (%s)", (_, layoutEnv) => {
  let w: World;
  beforeAll(async () => {
    w = await start(layoutEnv);
  });
  afterAll(() => stop(w));

  test("the tap matches with the synthesized rule's own pattern", () => {
    const s = synthStack({ USER_SYNC_STAGE: "e2e", ...layoutEnv });
    expect(JSON.parse(s.one("aws_cloudwatch_event_rule").event_pattern)).toEqual(w.sandbox.tap!.pattern);
    expect(w.sandbox.tap!.pattern).toEqual(userEventsPattern());
  });

  test("UpdateUserAttributes of the email, then VerifyUserAttribute: the new address and emailVerified; app fields and createdAt kept", async () => {
    const u = await newUser(w, `change-${layoutEnv.USER_SYNC_TABLE_PARTITION_KEY ?? "id"}@example.com`);
    const token = await accessToken(w, u.email);
    const next = u.email.replace("change-", "changed-");
    await w.cognito.send(new UpdateUserAttributesCommand({ AccessToken: token, UserAttributes: [{ Name: "email", Value: next }] }));
    const code = (await w.sandbox.cognito.lastCode(next)) ?? (await w.sandbox.cognito.lastCode(u.email));
    expect(code).toBeDefined();
    await w.cognito.send(new VerifyUserAttributeCommand({ AccessToken: token, AttributeName: "email", Code: code! }));
    const { row: after } = await until(w, u.sub, (r) => r?.email === next && r?.emailVerified === true);
    expect(after).toMatchObject({ bio: "hello", postCount: 7, createdAt: u.before.createdAt });
    expect(after!.updatedAt > u.before.updatedAt).toBe(true);
  });

  test("AdminUpdateUserAttributes of a mapped custom attribute: the row follows", async () => {
    const u = await newUser(w, `plan-${layoutEnv.USER_SYNC_TABLE_PARTITION_KEY ?? "id"}@example.com`);
    await w.cognito.send(new AdminUpdateUserAttributesCommand({ UserPoolId: w.sandbox.userPoolId, Username: u.email, UserAttributes: [{ Name: "custom:plan", Value: "pro" }] }));
    const { row: after } = await until(w, u.sub, (r) => r?.plan === "pro");
    expect(after).toMatchObject({ givenName: "Ada", bio: "hello", createdAt: u.before.createdAt });
  });

  test("AdminDisableUser: enabled false; AdminEnableUser: true again", async () => {
    const u = await newUser(w, `disable-${layoutEnv.USER_SYNC_TABLE_PARTITION_KEY ?? "id"}@example.com`);
    expect(u.before.enabled).toBeUndefined();
    await w.cognito.send(new AdminDisableUserCommand({ UserPoolId: w.sandbox.userPoolId, Username: u.email }));
    await until(w, u.sub, (r) => r?.enabled === false);
    await w.cognito.send(new AdminEnableUserCommand({ UserPoolId: w.sandbox.userPoolId, Username: u.email }));
    const { row: after } = await until(w, u.sub, (r) => r?.enabled === true);
    expect(after).toMatchObject({ email: u.email, bio: "hello" });
  });

  test("AdminDeleteUser and DeleteUser: the row is erased (no personal field, deletedAt set), key and app fields stay", async () => {
    const admin = await newUser(w, `admin-delete-${layoutEnv.USER_SYNC_TABLE_PARTITION_KEY ?? "id"}@example.com`);
    const self = await newUser(w, `self-delete-${layoutEnv.USER_SYNC_TABLE_PARTITION_KEY ?? "id"}@example.com`);
    const token = await accessToken(w, self.email);
    await w.cognito.send(new AdminDeleteUserCommand({ UserPoolId: w.sandbox.userPoolId, Username: admin.email }));
    await w.cognito.send(new DeleteUserCommand({ AccessToken: token }));
    for (const u of [admin, self]) {
      const { row: after } = await until(w, u.sub, (r) => r?.deletedAt !== undefined);
      for (const field of PERSONAL) expect([field, after![field]]).toEqual([field, undefined]);
      expect(after).toMatchObject({ ...rowKey(w.layout, u.sub), bio: "hello", postCount: 7, createdAt: u.before.createdAt, userPoolId: w.sandbox.userPoolId, enabled: false });
    }
    // DeleteUser is token-authorized: its event carries no pool id.
    const selfEvent = w.sandbox.tap!.events().find((e) => e.detail.eventName === "DeleteUser")!;
    expect(selfEvent.detail.requestParameters).not.toHaveProperty("userPoolId");
    expect(selfEvent.detail.additionalEventData).toEqual({ sub: self.sub });
  });

  test("events of another pool in the account change nothing", async () => {
    const u = await newUser(w, `bystander-${layoutEnv.USER_SYNC_TABLE_PARTITION_KEY ?? "id"}@example.com`);
    const other = (await w.cognito.send(new CreateUserPoolCommand({ PoolName: `other-${Date.now()}`, UsernameAttributes: ["email"] }))).UserPool!;
    const client = (await w.cognito.send(new CreateUserPoolClientCommand({ UserPoolId: other.Id!, ClientName: "other" }))).UserPoolClient!;
    // The same email in the other pool: a different user (and sub) there.
    await signUp(w.cognito, client.ClientId!, { email: u.email, password: PASSWORD, attributes: { given_name: "Eve" } });
    await adminConfirm(w.cognito, other.Id!, u.email);
    await w.cognito.send(new AdminUpdateUserAttributesCommand({ UserPoolId: other.Id!, Username: u.email, UserAttributes: [{ Name: "given_name", Value: "Mallory" }] }));
    await w.cognito.send(new AdminDeleteUserCommand({ UserPoolId: other.Id!, Username: u.email }));
    await w.sandbox.tap!.idle();
    // A token-authorized event (no pool id) for a sub this pool does not have.
    const foreign = w.sandbox.tap!.events().filter((e) => e.detail.requestParameters?.userPoolId === other.Id);
    expect(foreign.map((e) => e.detail.eventName)).toEqual(expect.arrayContaining(["AdminUpdateUserAttributes", "AdminDeleteUser"]));
    const tokenLike = structuredClone(foreign.find((e) => e.detail.eventName === "AdminDeleteUser")!);
    delete tokenLike.detail.requestParameters.userPoolId;
    tokenLike.detail.eventName = "DeleteUser";
    expect((await w.sandbox.tap!.deliver(tokenLike)).ok).toBe(true);
    expect(await row(w, u.sub)).toEqual(u.before);
  });

  test("forged and malformed events through the shipped bundle: a delete of the live sub + $' or a 3,000-character sub is ignored and counted, not retried, never logged", async () => {
    const u = await newUser(w, `forged-${layoutEnv.USER_SYNC_TABLE_PARTITION_KEY ?? "id"}@example.com`);
    const token = await accessToken(w, u.email);
    await w.cognito.send(new UpdateUserAttributesCommand({ AccessToken: token, UserAttributes: [{ Name: "given_name", Value: "Ada" }] }));
    await w.sandbox.tap!.idle();
    const real = w.sandbox.tap!.events().find((e) => e.detail.eventName === "UpdateUserAttributes" && e.detail.additionalEventData?.sub === u.sub)!;
    const before = await row(w, u.sub);
    const forged = (sub: string) => {
      const e = structuredClone(real);
      e.detail.eventName = "DeleteUser";
      e.detail.additionalEventData = { sub };
      return e;
    };
    const long = "a".repeat(3000);
    for (const sub of [`${u.sub}$'`, `${u.sub}$\``, long]) {
      const delivery = await w.sandbox.tap!.deliver(forged(sub));
      expect(delivery).toMatchObject({ ok: true, attempts: 1 });
    }
    expect(await row(w, u.sub)).toEqual(before);
    expect(w.sandbox.tap!.deadLetters()).toEqual([]);
    const logs = w.sandbox.lambda.logs(w.sandbox.userEventsFunctionName!).join("\n");
    expect(logs).toMatch(/"outcome":"malformed"/);
    expect(logs).toMatch(/"malformed":1/);
    expect(logs).not.toContain(long.slice(0, 64));
    expect(logs).not.toContain(`${u.sub}$'`);

    // An acting event that names nobody: warned and counted as unidentified.
    const nobody = structuredClone(real);
    nobody.detail.eventName = "DeleteUser";
    nobody.detail.additionalEventData = {};
    expect(await w.sandbox.tap!.deliver(nobody)).toMatchObject({ ok: true, attempts: 1 });
    const after = w.sandbox.lambda.logs(w.sandbox.userEventsFunctionName!).join("\n");
    expect(after).toMatch(/"level":"WARN","message":"user event names no user[^\n]*"outcome":"unidentified"/);
    expect(after).toMatch(/"unidentified":1/);
  });

  test("the same events three times, and out of order, end in the same table", async () => {
    const kept = await newUser(w, `replay-kept-${layoutEnv.USER_SYNC_TABLE_PARTITION_KEY ?? "id"}@example.com`);
    const gone = await newUser(w, `replay-gone-${layoutEnv.USER_SYNC_TABLE_PARTITION_KEY ?? "id"}@example.com`);
    const mark = w.sandbox.tap!.events().length;
    await w.cognito.send(new AdminUpdateUserAttributesCommand({ UserPoolId: w.sandbox.userPoolId, Username: kept.email, UserAttributes: [{ Name: "given_name", Value: "Grace" }] }));
    await w.cognito.send(new AdminUpdateUserAttributesCommand({ UserPoolId: w.sandbox.userPoolId, Username: kept.email, UserAttributes: [{ Name: "given_name", Value: "Hedy" }] }));
    await w.cognito.send(new AdminUpdateUserAttributesCommand({ UserPoolId: w.sandbox.userPoolId, Username: gone.email, UserAttributes: [{ Name: "family_name", Value: "Hopper" }] }));
    await w.cognito.send(new AdminDeleteUserCommand({ UserPoolId: w.sandbox.userPoolId, Username: gone.email }));
    await w.sandbox.tap!.idle();
    const settled = { kept: await row(w, kept.sub), gone: await row(w, gone.sub) };
    expect(settled.kept).toMatchObject({ givenName: "Hedy" });
    expect(settled.gone?.deletedAt).toBeDefined();

    const events = w.sandbox.tap!.events().slice(mark).filter((e) => e.detail.eventName.startsWith("AdminUpdate") || e.detail.eventName === "AdminDeleteUser");
    expect(events).toHaveLength(4);
    // Reversed, each three times: the oldest change last, the delete before the update it followed.
    for (const event of [...events].reverse().flatMap((e) => [e, e, e])) expect((await w.sandbox.tap!.deliver(event)).ok).toBe(true);
    expect(await row(w, kept.sub)).toEqual(settled.kept);
    expect(await row(w, gone.sub)).toEqual(settled.gone);
  });

  test("DynamoDB down during an event: the invocation fails, is retried, and the row converges once it is back", async () => {
    const u = await newUser(w, `outage-${layoutEnv.USER_SYNC_TABLE_PARTITION_KEY ?? "id"}@example.com`);
    const before = w.sandbox.tap!.attempts().length;
    await w.sandbox.dynamodb.pause();
    try {
      await w.cognito.send(new AdminUpdateUserAttributesCommand({ UserPoolId: w.sandbox.userPoolId, Username: u.email, UserAttributes: [{ Name: "given_name", Value: "Radia" }] }));
      // Wait for a failed attempt, then bring DynamoDB back.
      for (let i = 0; !w.sandbox.tap!.attempts().slice(before).some((a) => a.error); i++) {
        if (i > 400) throw new Error("no invocation failed while DynamoDB was down");
        await new Promise((res) => setTimeout(res, 25));
      }
    } finally {
      await w.sandbox.dynamodb.resume();
    }
    await w.sandbox.tap!.idle();
    const delivery = w.sandbox.tap!.deliveries().find((d) => d.event.detail.eventName === "AdminUpdateUserAttributes" && d.event.detail.additionalEventData?.sub === u.sub)!;
    expect(delivery).toMatchObject({ ok: true });
    expect(delivery.attempts).toBeGreaterThan(1);
    expect(await row(w, u.sub)).toMatchObject({ givenName: "Radia", bio: "hello" });
    expect(w.sandbox.tap!.deadLetters()).toEqual([]);
  });
});

describe("onUserDeleted", () => {
  test.each([
    ["delete", (r: Record<string, any> | undefined) => expect(r).toBeUndefined()],
    ["keep", (r: Record<string, any> | undefined) => expect(r).toMatchObject({ email: "kept@example.com", bio: "hello" })],
  ])("%s", async (mode, check) => {
    const w = await start({ USER_SYNC_ON_USER_DELETED: mode });
    try {
      const u = await newUser(w, "kept@example.com");
      await w.cognito.send(new AdminDeleteUserCommand({ UserPoolId: w.sandbox.userPoolId, Username: u.email }));
      await w.sandbox.tap!.idle();
      const delivery = w.sandbox.tap!.deliveries().find((d) => d.event.detail.eventName === "AdminDeleteUser")!;
      expect(delivery.ok).toBe(true);
      check(await row(w, u.sub));
    } finally {
      await stop(w);
    }
  });
});

test("npm run demo shows a sign-up, an email change and a delete reaching the table", async () => {
  const out = await new Promise<{ code: number; stdout: string }>((resolve) =>
    execFile(process.execPath, [BIN, "demo"], { timeout: 90_000 }, (err, stdout) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout })),
  );
  expect(out.code).toBe(0);
  expect(out.stdout).toMatch(/row email changed-demo-[0-9a-f]+@example\.com/);
  expect(out.stdout).toContain('"deletedAt"');
  expect(out.stdout).toContain("Demo passed");
}, 120_000);
