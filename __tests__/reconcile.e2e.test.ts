/**
 * `npm run reconcile` against the local sandbox: about a thousand users, some
 * rows missing for each real-world reason, some orphans.
 */
import {
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminSetUserPasswordCommand,
  type CognitoIdentityProviderClient,
} from "@aws-sdk/client-cognito-identity-provider";
import { BatchWriteItemCommand, DeleteItemCommand, ScanCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { ROW_KEY } from "../core/contract";
import type { ReconcileReport } from "../core/reconcile/engine";
import { INJECTED_FAULT } from "../tools/local/dynamodb";
import type { Sandbox } from "../tools/local/sandbox";
import { adminConfirm, signUp } from "../tools/local/sign-up";
import { inParallel, startTestSandbox } from "./helpers/sandbox";

const PASSWORD = "Correct-Horse-9";
let sandbox: Sandbox;
let cognito: CognitoIdentityProviderClient;
let dynamo: DynamoDBClient;

/** Every item exactly as stored (attribute-value JSON), by id. */
async function rawRows(): Promise<Map<string, string>> {
  const rows = new Map<string, string>();
  let ExclusiveStartKey: any;
  do {
    const page = await dynamo.send(new ScanCommand({ TableName: sandbox.tableName, ExclusiveStartKey, ConsistentRead: true }));
    for (const item of page.Items ?? []) {
      rows.set(item[ROW_KEY].S!, JSON.stringify(Object.fromEntries(Object.entries(item).sort(([a], [b]) => a.localeCompare(b)))));
    }
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return rows;
}

/** Runs the CLI as a user would. Asynchronously: dynalite answers from this process's event loop. */
function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "tools/reconcile/cli.ts", ...args],
      { env: { ...process.env, ...env }, encoding: "utf8", timeout: 120_000 },
      (err, stdout, stderr) => resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function runCli(args: string[]): Promise<{ status: number | null; report: ReconcileReport; stderr: string }> {
  const res = await cli(["--user-pool-id", sandbox.userPoolId, "--table", sandbox.tableName, "--json", ...args], {
    ...sandbox.endpointEnv,
    USER_SYNC_STAGE: "e2e",
  });
  let report: ReconcileReport;
  try {
    report = JSON.parse(res.stdout);
  } catch {
    throw new Error(`stdout is not only a JSON report:\n${res.stdout}\n${res.stderr}`);
  }
  return { status: res.status, report, stderr: res.stderr };
}

const groups = {
  confirmed: [] as string[], // signed up + confirmed: rows by the trigger
  deleted: [] as string[], // rows the test deletes
  triggerFailed: [] as string[], // confirmed while DynamoDB was down
  adminCreated: [] as string[], // AdminCreateUser + permanent password: CONFIRMED, never triggered
  forceChange: [] as string[], // AdminCreateUser, no password yet: not expected
  unconfirmed: [] as string[], // SignUp only: not expected
  goneUsers: [] as string[], // users deleted from the pool: their rows are orphans
  strayRows: [] as string[], // rows for subs that never existed: orphans
};

beforeAll(async () => {
  sandbox = await startTestSandbox();
  cognito = sandbox.cognitoClient();
  dynamo = sandbox.dynamoClient();
  const signUpUser = (prefix: string) => (i: number) =>
    signUp(cognito, sandbox.clientId, { email: `${prefix}-${i}@example.com`, password: PASSWORD, attributes: { given_name: `${prefix}${i}` } });
  const range = (n: number) => Array.from({ length: n }, (_, i) => i);

  groups.confirmed = await inParallel(range(920), 50, async (i) => {
    const sub = await signUpUser("ok")(i);
    await adminConfirm(cognito, sandbox.userPoolId, `ok-${i}@example.com`);
    return sub;
  });
  groups.deleted = groups.confirmed.slice(0, 20);
  for (const id of groups.deleted) await dynamo.send(new DeleteItemCommand({ TableName: sandbox.tableName, Key: { id: { S: id } } }));
  groups.goneUsers = groups.confirmed.slice(900, 910);
  for (let i = 900; i < 910; i++) await cognito.send(new AdminDeleteUserCommand({ UserPoolId: sandbox.userPoolId, Username: `ok-${i}@example.com` }));

  groups.triggerFailed = await inParallel(range(15), 5, signUpUser("failed"));
  await sandbox.dynamodb.pause();
  await inParallel(range(15), 5, (i) => adminConfirm(cognito, sandbox.userPoolId, `failed-${i}@example.com`));
  await sandbox.dynamodb.resume();

  const adminCreate = async (email: string) => {
    const res = await cognito.send(
      new AdminCreateUserCommand({
        UserPoolId: sandbox.userPoolId,
        Username: email,
        UserAttributes: [{ Name: "email", Value: email }, { Name: "email_verified", Value: "true" }, { Name: "family_name", Value: "Admin" }],
        MessageAction: "SUPPRESS",
      }),
    );
    return res.User!.Attributes!.find((a) => a.Name === "sub")!.Value!;
  };
  groups.adminCreated = await inParallel(range(30), 5, async (i) => {
    const sub = await adminCreate(`admin-${i}@example.com`);
    await cognito.send(new AdminSetUserPasswordCommand({ UserPoolId: sandbox.userPoolId, Username: `admin-${i}@example.com`, Password: PASSWORD, Permanent: true }));
    return sub;
  });
  groups.forceChange = await inParallel(range(10), 5, (i) => adminCreate(`pending-${i}@example.com`));
  groups.unconfirmed = await inParallel(range(10), 5, signUpUser("unconfirmed"));

  groups.strayRows = range(10).map(() => randomUUID());
  await dynamo.send(
    new BatchWriteItemCommand({
      RequestItems: { [sandbox.tableName]: groups.strayRows.map((id) => ({ PutRequest: { Item: marshall({ id, email: `${id}@stray.example.com` }) } })) },
    }),
  );
}, 180_000);

afterAll(async () => {
  cognito?.destroy();
  dynamo?.destroy();
  await sandbox?.stop();
});

const missingRows = () => groups.deleted.length + groups.triggerFailed.length + groups.adminCreated.length;
const expectedUsers = () => 920 - groups.goneUsers.length + groups.triggerFailed.length + groups.adminCreated.length;
const orphanIds = () => [...groups.goneUsers, ...groups.strayRows].sort();

test("the seeded pool has the drift we meant to create", async () => {
  const rows = await rawRows();
  expect(rows.size).toBe(920 - 20 + 10);
  for (const id of [...groups.deleted, ...groups.triggerFailed, ...groups.adminCreated]) expect(rows.has(id)).toBe(false);
  const failures = (await sandbox.lambda.invocations()).filter((i) => !i.ok);
  expect(new Set(failures.map((f) => f.sub))).toEqual(new Set(groups.triggerFailed));
});

test("--dry-run reports exact counts and changes nothing", async () => {
  const before = await rawRows();
  const { status, report } = await runCli(["--dry-run"]);
  expect(status).toBe(0);
  expect(report).toMatchObject({
    dryRun: true,
    scanned: 920 - 10 + 15 + 30 + 10 + 10,
    expected: expectedUsers(),
    present: expectedUsers() - missingRows(),
    missing: missingRows(),
    created: 0,
    failed: 0,
    orphans: 20,
    pruned: 0,
  });
  expect(report.byStatus).toEqual({ CONFIRMED: expectedUsers(), FORCE_CHANGE_PASSWORD: 10, UNCONFIRMED: 10 });
  expect([...report.orphanIds].sort()).toEqual(orphanIds());
  expect(await rawRows()).toEqual(before);
}, 120_000);

test("one run repairs every missing row, leaves every existing row byte-for-byte unchanged, and counts exactly", async () => {
  const before = await rawRows();
  const { status, report } = await runCli([]);
  expect(status).toBe(0);
  expect(report).toMatchObject({ expected: expectedUsers(), present: expectedUsers() - missingRows(), missing: missingRows(), created: missingRows(), failed: 0, orphans: 20, pruned: 0 });

  const after = await rawRows();
  for (const [id, raw] of before) expect(after.get(id)).toBe(raw);
  expect(after.size).toBe(before.size + missingRows());
  for (const id of [...groups.forceChange, ...groups.unconfirmed]) expect(after.has(id)).toBe(false);

  // A repaired row is what the trigger writes: same fields, same mapping.
  const repaired = unmarshall(JSON.parse(after.get(groups.deleted[0])!));
  const { id: _a, createdAt: _b, updatedAt: _c, ...repairedFields } = repaired;
  expect(repairedFields).toEqual({ username: groups.deleted[0], email: "ok-0@example.com", userPoolId: sandbox.userPoolId, givenName: "ok0" });
  const admin = unmarshall(JSON.parse(after.get(groups.adminCreated[0])!));
  expect(admin).toMatchObject({ email: "admin-0@example.com", emailVerified: true, familyName: "Admin", userPoolId: sandbox.userPoolId });
  expect(typeof admin.username).toBe("string");
}, 120_000);

test("a second run changes nothing", async () => {
  const before = await rawRows();
  const { status, report } = await runCli([]);
  expect(status).toBe(0);
  expect(report).toMatchObject({ expected: expectedUsers(), present: expectedUsers(), missing: 0, created: 0, failed: 0, orphans: 20 });
  expect(await rawRows()).toEqual(before);
}, 120_000);

test("--include-unconfirmed also gives rows to unconfirmed and force-change users", async () => {
  const { report } = await runCli(["--include-unconfirmed", "--dry-run"]);
  expect(report).toMatchObject({ expected: expectedUsers() + 20, missing: 20, created: 0 });
}, 120_000);

test("--prune-orphans deletes exactly the orphans, listed first, and keeps every other row", async () => {
  const before = await rawRows();
  const { status, report } = await runCli(["--prune-orphans"]);
  expect(status).toBe(0);
  expect(report).toMatchObject({ orphans: 20, pruned: 20, created: 0, failed: 0 });
  const after = await rawRows();
  for (const id of orphanIds()) expect(after.has(id)).toBe(false);
  expect(after.size).toBe(before.size - 20);
  for (const [id, raw] of after) expect(before.get(id)).toBe(raw);
}, 120_000);

test("bad arguments fail with exit 2 and name the flag", async () => {
  const res = await cli(["--table", "t"]);
  expect(res.status).toBe(2);
  expect(res.stderr).toContain("--user-pool-id is required");
  const rate = await cli(["--user-pool-id", "us-east-1_abc", "--table", "t", "--rate", "100"]);
  expect(rate.status).toBe(2);
  expect(rate.stderr).toContain("--rate: \"100\" must be a number from 1 to 30");
});

test("a failure to write a missing row is reported with the user and the error, and the exit code is non-zero", async () => {
  const missing = groups.adminCreated[1];
  await dynamo.send(new DeleteItemCommand({ TableName: sandbox.tableName, Key: { id: { S: missing } } }));
  // Reads answer; only the repair write fails (every attempt the SDK makes).
  sandbox.dynamodb.failOperations(["PutItem"]);
  try {
    const { status, report } = await runCli([]);
    expect(status).toBe(1);
    expect(report).toMatchObject({ missing: 1, created: 0, failed: 1 });
    expect(report.failures).toEqual([{ sub: missing, username: expect.any(String), error: `InternalServerError: ${INJECTED_FAULT}` }]);
  } finally {
    sandbox.dynamodb.failOperations([]);
  }
  expect((await rawRows()).has(missing)).toBe(false);
}, 120_000);
