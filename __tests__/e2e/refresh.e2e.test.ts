/**
 * Refresh through `user-sync reconcile` against the sandbox: stale email,
 * names and custom attributes reach the rows; app-owned fields and createdAt
 * never change; rows are never made older than Cognito; a second run changes
 * nothing. Also the drift the issue describes: an email freed by one user and
 * taken by another.
 */
import {
  AdminUpdateUserAttributesCommand,
  AdminDeleteUserAttributesCommand,
  type CognitoIdentityProviderClient,
} from "@aws-sdk/client-cognito-identity-provider";
import { GetItemCommand, ScanCommand, UpdateItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { execFile } from "node:child_process";
import type { ReconcileReport } from "../../core/reconcile/report";
import type { Sandbox } from "../../tools/local/sandbox";
import { adminConfirm, signUp } from "../../tools/local/sign-up";
import { inParallel, startTestSandbox } from "../helpers/sandbox";
import { BIN } from "../helpers/cli";

const PASSWORD = "Correct-Horse-9";
const SYNC_OWNED = ["username", "email", "emailVerified", "userPoolId", "givenName", "familyName", "plan"];

function cliIn(sandbox: Sandbox, args: string[]): Promise<{ status: number; report: ReconcileReport; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [BIN, "reconcile", "--user-pool-id", sandbox.userPoolId, "--table", sandbox.tableName, "--json", ...args],
      { env: { ...process.env, ...sandbox.endpointEnv, ...sandboxEnv(sandbox) }, timeout: 120_000 },
      (err, stdout, stderr) => {
        try {
          resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, report: JSON.parse(stdout), stderr });
        } catch {
          reject(new Error(`not a JSON report:\n${stdout}\n${stderr}`));
        }
      },
    );
  });
}
const sandboxEnvs = new WeakMap<Sandbox, Record<string, string>>();
const sandboxEnv = (s: Sandbox) => sandboxEnvs.get(s) ?? {};

async function startWith(env: Record<string, string>): Promise<Sandbox> {
  // Reconcile is the backstop when no event arrives (no trail); user events would repair this drift first.
  env = { USER_SYNC_USER_EVENTS: "false", ...env };
  const sandbox = await startTestSandbox(env);
  sandboxEnvs.set(sandbox, { USER_SYNC_STAGE: "e2e", ...env });
  return sandbox;
}

async function allRows(dynamo: DynamoDBClient, table: string): Promise<Map<string, Record<string, any>>> {
  const rows = new Map<string, Record<string, any>>();
  let ExclusiveStartKey: any;
  do {
    const page = await dynamo.send(new ScanCommand({ TableName: table, ExclusiveStartKey, ConsistentRead: true }));
    for (const item of page.Items ?? []) rows.set(item.id.S!, unmarshall(item));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return rows;
}

const pick = (row: Record<string, any>, keys: string[]) => Object.fromEntries(keys.filter((k) => k in row).map((k) => [k, row[k]]));
const without = (row: Record<string, any>, keys: string[]) => Object.fromEntries(Object.entries(row).filter(([k]) => !keys.includes(k)));

describe("refresh", () => {
  let sandbox: Sandbox;
  let cognito: CognitoIdentityProviderClient;
  let dynamo: DynamoDBClient;
  const subs: string[] = [];

  beforeAll(async () => {
    sandbox = await startWith({ USER_SYNC_ATTRIBUTE_MAP: '{"given_name":"givenName","family_name":"familyName","custom:plan":"plan"}' });
    cognito = sandbox.cognitoClient();
    dynamo = sandbox.dynamoClient();
    subs.push(
      ...(await inParallel(Array.from({ length: 80 }, (_, i) => i), 20, async (i) => {
        const sub = await signUp(cognito, sandbox.clientId, {
          email: `r${i}@example.com`,
          password: PASSWORD,
          attributes: { given_name: `G${i}`, family_name: `F${i}`, "custom:plan": "free" },
        });
        await adminConfirm(cognito, sandbox.userPoolId, `r${i}@example.com`);
        return sub;
      })),
    );
  }, 120_000);

  afterAll(async () => {
    cognito?.destroy();
    dynamo?.destroy();
    await sandbox?.stop();
  });

  const update = (i: number, attributes: Record<string, string>) =>
    cognito.send(
      new AdminUpdateUserAttributesCommand({ UserPoolId: sandbox.userPoolId, Username: `r${i}@example.com`, UserAttributes: Object.entries(attributes).map(([Name, Value]) => ({ Name, Value })) }),
    );
  const setAppFields = (sub: string, i: number) =>
    dynamo.send(
      new UpdateItemCommand({
        TableName: sandbox.tableName,
        Key: { id: { S: sub } },
        UpdateExpression: "SET bio = :bio, loginCount = :n, prefs = :p",
        ExpressionAttributeValues: marshall({ ":bio": `bio ${i}`, ":n": i, ":p": { theme: "dark", tags: ["a", "b"] } }),
      }),
    );

  test("one run makes every row match Cognito in its sync-owned fields; app-owned fields and createdAt are untouched; counts are exact", async () => {
    // Drift: 10 email changes, 10 renames, 10 plan changes, 5 family names removed, app-owned fields on 20 rows.
    for (let i = 0; i < 10; i++) await update(i, { email: `r${i}-new@example.com` });
    for (let i = 10; i < 20; i++) await update(i, { given_name: `Renamed${i}` });
    for (let i = 20; i < 30; i++) await update(i, { "custom:plan": "pro" });
    for (let i = 30; i < 35; i++) await cognito.send(new AdminDeleteUserAttributesCommand({ UserPoolId: sandbox.userPoolId, Username: `r${i}@example.com`, UserAttributeNames: ["family_name"] }));
    for (let i = 40; i < 60; i++) await setAppFields(subs[i], i);
    const before = await allRows(dynamo, sandbox.tableName);

    const { status, report } = await cliIn(sandbox, []);
    expect(status).toBe(0);
    expect(report).toMatchObject({ scanned: 80, present: 80, missing: 0, created: 0, stale: 35, updated: 35, failed: 0 });
    // cognito-local marks a changed email unverified, so emailVerified is refreshed with it.
    expect(report.updatedFields).toEqual({ email: 10, emailVerified: 10, givenName: 10, plan: 10, familyName: 5 });

    const after = await allRows(dynamo, sandbox.tableName);
    for (let i = 0; i < 80; i++) {
      const row = after.get(subs[i])!;
      expect(row.email).toBe(i < 10 ? `r${i}-new@example.com` : `r${i}@example.com`);
      expect(row.givenName).toBe(i >= 10 && i < 20 ? `Renamed${i}` : `G${i}`);
      expect(row.plan).toBe(i >= 20 && i < 30 ? "pro" : "free");
      if (i >= 30 && i < 35) expect(row).not.toHaveProperty("familyName");
      // Everything sync does not own is byte-for-byte what it was.
      expect(without(row, [...SYNC_OWNED, "updatedAt", "cognitoModifiedAt"])).toEqual(without(before.get(subs[i])!, [...SYNC_OWNED, "updatedAt", "cognitoModifiedAt"]));
      expect(row.createdAt).toBe(before.get(subs[i])!.createdAt);
    }
    expect(pick(after.get(subs[45])!, ["bio", "loginCount", "prefs"])).toEqual({ bio: "bio 45", loginCount: 45, prefs: { theme: "dark", tags: ["a", "b"] } });
  }, 120_000);

  test("a second run changes nothing", async () => {
    const before = await allRows(dynamo, sandbox.tableName);
    const { status, report } = await cliIn(sandbox, []);
    expect(status).toBe(0);
    expect(report).toMatchObject({ stale: 0, updated: 0, created: 0, failed: 0 });
    expect(await allRows(dynamo, sandbox.tableName)).toEqual(before);
  }, 120_000);

  test("an email freed by one user and taken by another ends on one row only", async () => {
    await update(60, { email: "moved-away@example.com" });
    const newcomer = await signUp(cognito, sandbox.clientId, { email: "r60@example.com", password: PASSWORD, attributes: { given_name: "New" } });
    await adminConfirm(cognito, sandbox.userPoolId, "r60@example.com");
    const holders = async () => [...(await allRows(dynamo, sandbox.tableName)).values()].filter((r) => r.email === "r60@example.com").map((r) => r.id);
    expect((await holders()).sort()).toEqual([subs[60], newcomer].sort());
    const { report } = await cliIn(sandbox, ["--dry-run"]);
    expect(report).toMatchObject({ stale: 1, updated: 0 });
    await cliIn(sandbox, []);
    expect(await holders()).toEqual([newcomer]);
  }, 120_000);

  test("app writes during a run survive; Cognito changes during a run are in the row after the next run at the latest", async () => {
    const run = cliIn(sandbox, []);
    // The app and Cognito keep changing things while reconcile runs.
    await inParallel(Array.from({ length: 20 }, (_, i) => 20 + i), 5, async (i) => {
      await setAppFields(subs[i], 1000 + i);
      await update(i, { given_name: `Later${i}` });
    });
    const { status } = await run;
    expect(status).toBe(0);
    for (let i = 20; i < 40; i++) {
      const row = unmarshall((await dynamo.send(new GetItemCommand({ TableName: sandbox.tableName, Key: { id: { S: subs[i] } }, ConsistentRead: true }))).Item!);
      expect(pick(row, ["bio", "loginCount"])).toEqual({ bio: `bio ${1000 + i}`, loginCount: 1000 + i });
    }
    const { report } = await cliIn(sandbox, []);
    expect(report.failed).toBe(0);
    const rows = await allRows(dynamo, sandbox.tableName);
    for (let i = 20; i < 40; i++) expect(rows.get(subs[i])!.givenName).toBe(`Later${i}`);
    expect((await cliIn(sandbox, [])).report).toMatchObject({ stale: 0, updated: 0 });
  }, 120_000);

  test("--no-refresh leaves stale rows alone", async () => {
    await update(70, { given_name: "NotYet" });
    const { report } = await cliIn(sandbox, ["--no-refresh"]);
    expect(report).toMatchObject({ stale: 0, updated: 0 });
    const row = unmarshall((await dynamo.send(new GetItemCommand({ TableName: sandbox.tableName, Key: { id: { S: subs[70] } } }))).Item!);
    expect(row.givenName).toBe("G70");
  }, 120_000);
});

describe("refresh in Amplify mode", () => {
  let sandbox: Sandbox;
  let cognito: CognitoIdentityProviderClient;
  let dynamo: DynamoDBClient;

  beforeAll(async () => {
    sandbox = await startWith({ USER_SYNC_AMPLIFY_TYPENAME: "User" });
    cognito = sandbox.cognitoClient();
    dynamo = sandbox.dynamoClient();
  });
  afterAll(async () => {
    cognito?.destroy();
    dynamo?.destroy();
    await sandbox?.stop();
  });

  test("each update increments _version and sets _lastChangedAt, as DataStore expects", async () => {
    const sub = await signUp(cognito, sandbox.clientId, { email: "amp@example.com", password: PASSWORD, attributes: { given_name: "Amp" } });
    await adminConfirm(cognito, sandbox.userPoolId, "amp@example.com");
    const get = async () => unmarshall((await dynamo.send(new GetItemCommand({ TableName: sandbox.tableName, Key: { id: { S: sub } }, ConsistentRead: true }))).Item!);
    const created = await get();
    expect(created).toMatchObject({ __typename: "User", _version: 1 });
    await cognito.send(new AdminUpdateUserAttributesCommand({ UserPoolId: sandbox.userPoolId, Username: "amp@example.com", UserAttributes: [{ Name: "given_name", Value: "Amplified" }] }));
    const { report } = await cliIn(sandbox, []);
    expect(report).toMatchObject({ updated: 1 });
    const updated = await get();
    expect(updated).toMatchObject({ givenName: "Amplified", _version: 2, __typename: "User", createdAt: created.createdAt });
    expect(updated._lastChangedAt).toBeGreaterThan(created._lastChangedAt);
  });
});
