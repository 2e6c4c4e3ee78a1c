/**
 * The Amplify API writer in the sandbox: with `amplifyApi` set, the shipped
 * functions write every row through a local AppSync running Amplify's own
 * resolvers for the app's schema (conflict detection on). What a DataStore
 * client needs, seen as an app user sees it: each sign-up, email change and
 * delete in a delta sync whose lastSync is a few seconds earlier, and in an
 * Admin's subscriptions; an owner's edit of an app-owned field survives the
 * next refresh; and with `email: AWSEmail!` required, the deleted user's
 * tombstone still reaches their delta sync, without their data.
 */
import { AdminDeleteUserCommand, AdminUpdateUserAttributesCommand, type CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import { GetItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import type { Sandbox } from "../../tools/local/sandbox";
import { adminConfirm, signUp } from "../../tools/local/sign-up";
import { asUser, eventually, ownerToken, subscribe, syncedItems, USER_SCHEMA, type Subscription } from "../helpers/appsync";
import { startTestSandbox } from "../helpers/sandbox";

const API_ID = "usersyncsandbox00000000000";
const ERASED_EMAIL = "deleted@example.invalid";
const ENV = {
  USER_SYNC_AMPLIFY_TYPENAME: "User",
  USER_SYNC_AMPLIFY_API: API_ID,
  // Amplify's name for the model's table: <Model>-<apiId>-<env>.
  USER_SYNC_TABLE_EXISTING: `User-${API_ID}-local`,
  USER_SYNC_AMPLIFY_ERASED_VALUES: JSON.stringify({ email: ERASED_EMAIL }),
  USER_SYNC_ATTRIBUTE_MAP: JSON.stringify({ given_name: "givenName", family_name: "familyName" }),
};

describe.each(["AUTOMERGE", "OPTIMISTIC_CONCURRENCY"] as const)("the Amplify API writer in the sandbox (%s)", (conflictHandler) => {
  let sandbox: Sandbox;
  let cognito: CognitoIdentityProviderClient;
  let dynamo: DynamoDBClient;
  let admin: Subscription[] = [];
  beforeAll(async () => {
    sandbox = await startTestSandbox(ENV, { amplifySchema: USER_SCHEMA, amplifyConflictHandler: conflictHandler });
    cognito = sandbox.cognitoClient();
    dynamo = sandbox.dynamoClient();
    const token = ownerToken(sandbox.userPoolId, "0a1b2c3d-0000-4000-8000-0000000000ad", "root", ["Admin"]);
    admin = await Promise.all(["onCreateUser", "onUpdateUser", "onDeleteUser"].map((f) => subscribe(sandbox.appsync!.realtimeUrl, token, `subscription { ${f} { id email _deleted } }`)));
  });
  afterAll(async () => {
    await Promise.all(admin.map((s) => s.close()));
    cognito?.destroy();
    dynamo?.destroy();
    await sandbox?.stop();
  });

  const stored = async (sub: string) => {
    const res = await dynamo.send(new GetItemCommand({ TableName: sandbox.tableName, Key: marshall({ id: sub }), ConsistentRead: true }));
    return res.Item ? unmarshall(res.Item) : undefined;
  };
  /** The user's items in a delta sync from `lastSync`, as the user (or an Admin) sees them, once `done` holds. */
  const delta = (token: string, sub: string, lastSync: number, done: (items: Record<string, any>[]) => boolean, what: string) =>
    eventually(async () => {
      const items = await syncedItems(sandbox.appsync!.url, token, sub, lastSync);
      return done(items) ? items : undefined;
    }, what);
  const seenBy = (s: Subscription, sub: string) => s.received.map((p) => Object.values(p.data ?? {})[0] as Record<string, any>).filter((i) => i?.id === sub);

  test("a sign-up, an email change and a delete each reach a delta sync a few seconds later and an Admin's subscriptions; the owner's bio survives; the tombstone keeps no personal data", async () => {
    const email = `ada-${conflictHandler.toLowerCase()}@example.com`;
    const signedUp = Date.now();
    const sub = await signUp(cognito, sandbox.clientId, { email, password: "Correct-Horse-9!x", attributes: { given_name: "Ada", family_name: "Lovelace" } });
    await adminConfirm(cognito, sandbox.userPoolId, email);
    const row = await eventually(() => stored(sub), "the trigger's row");
    // AppSync wrote it: its bookkeeping, the owner as Amplify's default identity claim.
    expect(row).toMatchObject({ __typename: "User", _version: 1, email, givenName: "Ada", owner: `${sub}::${row.username}` });
    const owner = ownerToken(sandbox.userPoolId, sub, row.username);
    await delta(owner, sub, signedUp - 3_000, (items) => items.some((i) => i.email === email), "the sign-up in the owner's delta sync");

    // The owner's own edit of an app-owned field, through the API.
    const version = (await stored(sub))!._version;
    const edit = await asUser<any>(sandbox.appsync!.url, owner, `mutation E($input: UpdateUserInput!) { updateUser(input: $input) { bio } }`, { input: { id: sub, bio: "hello", _version: version } });
    expect(edit.errors).toBeUndefined();

    const changed = Date.now();
    await cognito.send(new AdminUpdateUserAttributesCommand({ UserPoolId: sandbox.userPoolId, Username: email, UserAttributes: [{ Name: "email", Value: `new-${email}` }, { Name: "email_verified", Value: "true" }] }));
    const changes = await delta(owner, sub, changed - 3_000, (items) => items.some((i) => i.email === `new-${email}`), "the email change in the owner's delta sync");
    expect(changes.find((i) => i.email === `new-${email}`)).toMatchObject({ bio: "hello", givenName: "Ada", _deleted: null });

    const deleted = Date.now();
    await cognito.send(new AdminDeleteUserCommand({ UserPoolId: sandbox.userPoolId, Username: `new-${email}` }));
    const items = await delta(owner, sub, deleted - 3_000, (i) => i.some((item) => item._deleted === true), "the tombstone in the owner's delta sync");
    // The delta holds every version of the last 30 minutes (AppSync's Delta table); the newest is the tombstone.
    const tombstone = items.reduce((a, b) => (b._version > a._version ? b : a));
    expect(tombstone._deleted).toBe(true);
    // email is required (AWSEmail!): the placeholder; the optional personal fields are gone; the owner is the bare sub.
    expect(tombstone).toMatchObject({ email: ERASED_EMAIL, givenName: null, familyName: null, owner: sub, enabled: false });
    // A full sync (the base table) has only the tombstone: no personal data left.
    const base = await syncedItems(sandbox.appsync!.url, owner, sub, null);
    expect(base).toEqual([expect.objectContaining({ _deleted: true, email: ERASED_EMAIL })]);
    expect(JSON.stringify([base, await stored(sub)])).not.toMatch(/Lovelace|Ada|example\.com/);
    expect(tombstone.deletedAt).toEqual(expect.any(String));
    // App fields stay with the tombstone until AppSync's TTL removes it.
    expect(await stored(sub)).toMatchObject({ bio: "hello", _deleted: true, _ttl: expect.any(Number) });

    // An Admin's subscriptions saw each step as it happened.
    await eventually(async () => (seenBy(admin[2], sub).length ? true : undefined), "the Admin's onDeleteUser");
    expect(seenBy(admin[0], sub).map((i) => i.email)).toEqual([email]);
    expect(seenBy(admin[1], sub).map((i) => i.email)).toEqual(expect.arrayContaining([`new-${email}`, ERASED_EMAIL]));
    expect(seenBy(admin[2], sub)).toEqual([{ id: sub, email: ERASED_EMAIL, _deleted: true }]);
  });
});
