/**
 * `npm run reconcile` against the local sandbox: a few hundred users, some
 * rows missing for each real-world reason, some orphans.
 */
import {
  AdminCreateUserCommand,
  CreateUserPoolCommand,
  AdminDeleteUserCommand,
  AdminSetUserPasswordCommand,
  type CognitoIdentityProviderClient,
} from "@aws-sdk/client-cognito-identity-provider";
import { BatchWriteItemCommand, DeleteItemCommand, ScanCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { execFile, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROW_KEY } from "../../core/row-key";
import type { ReconcileReport } from "../../core/reconcile/engine";
import { INJECTED_FAULT } from "../../tools/local/stand-ins/dynamodb";
import type { Sandbox } from "../../tools/local/sandbox";
import { adminConfirm, signUp } from "../../tools/local/sign-up";
import { inParallel, startTestSandbox } from "../helpers/sandbox";
import { BIN } from "../helpers/cli";

const PASSWORD = "Correct-Horse-9";
/** Users signed up and confirmed; the pool also gets failed, admin-created, pending and unconfirmed ones. */
const CONFIRMED = 300;
const tmp = mkdtempSync(join(tmpdir(), "user-sync-reconcile-e2e-"));
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
      [BIN, "reconcile", ...args],
      { env: { ...process.env, ...env }, encoding: "utf8", timeout: 120_000 },
      (err, stdout, stderr) => resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function runCli(args: string[], userPoolId = sandbox.userPoolId): Promise<{ status: number | null; report: ReconcileReport; stderr: string }> {
  const res = await cli(["--user-pool-id", userPoolId, "--table", sandbox.tableName, "--json", ...args], {
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
  // Reconcile is the backstop when no event arrives (no trail); user events would repair this drift first.
  sandbox = await startTestSandbox({ USER_SYNC_USER_EVENTS: "false" });
  cognito = sandbox.cognitoClient();
  dynamo = sandbox.dynamoClient();
  const signUpUser = (prefix: string) => (i: number) =>
    signUp(cognito, sandbox.clientId, { email: `${prefix}-${i}@example.com`, password: PASSWORD, attributes: { given_name: `${prefix}${i}` } });
  const range = (n: number) => Array.from({ length: n }, (_, i) => i);

  groups.confirmed = await inParallel(range(CONFIRMED), 20, async (i) => {
    const sub = await signUpUser("ok")(i);
    await adminConfirm(cognito, sandbox.userPoolId, `ok-${i}@example.com`);
    return sub;
  });
  groups.deleted = groups.confirmed.slice(0, 20);
  for (const id of groups.deleted) await dynamo.send(new DeleteItemCommand({ TableName: sandbox.tableName, Key: { id: { S: id } } }));
  groups.goneUsers = groups.confirmed.slice(CONFIRMED - 20, CONFIRMED - 10);
  for (let i = CONFIRMED - 20; i < CONFIRMED - 10; i++) await cognito.send(new AdminDeleteUserCommand({ UserPoolId: sandbox.userPoolId, Username: `ok-${i}@example.com` }));

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
const expectedUsers = () => CONFIRMED - groups.goneUsers.length + groups.triggerFailed.length + groups.adminCreated.length;
const orphanIds = () => [...groups.goneUsers, ...groups.strayRows].sort();

test("the seeded pool has the drift we meant to create", async () => {
  const rows = await rawRows();
  expect(rows.size).toBe(CONFIRMED - 20 + 10);
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
    scanned: CONFIRMED - 10 + 15 + 30 + 10 + 10,
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
  expect(repairedFields).toEqual({
    username: groups.deleted[0],
    email: "ok-0@example.com",
    userPoolId: sandbox.userPoolId,
    givenName: "ok0",
    cognitoModifiedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
  });
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

test("--prune-orphans deletes exactly the orphans, listed first, each written whole to the backup file first, and keeps every other row", async () => {
  const before = await rawRows();
  const backup = join(tmp, "first-prune.jsonl");
  const { status, report, stderr } = await runCli(["--prune-orphans", "--backup-file", backup]);
  expect(status).toBe(0);
  expect(report).toMatchObject({ orphans: 20, pruned: 20, created: 0, failed: 0, backup });
  expect(stderr).toContain(`Orphan rows to delete (each written to ${backup} first)`);
  const saved = readFileSync(backup, "utf8").trim().split("\n").map((l) => JSON.parse(l).item);
  expect(saved.map((item) => item.id.S).sort()).toEqual(orphanIds());
  for (const item of saved) expect(JSON.parse(before.get(item.id.S)!)).toEqual(item);
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

describe("nothing is destroyed by mistake", () => {
  let otherPool: string;
  const strays = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `stray-${tag}-${String(i).padStart(4, "0")}`);
  async function putStrays(ids: string[]) {
    for (let i = 0; i < ids.length; i += 25) {
      await dynamo.send(
        new BatchWriteItemCommand({
          RequestItems: { [sandbox.tableName]: ids.slice(i, i + 25).map((id) => ({ PutRequest: { Item: marshall({ id, email: `${id}@stray.example.com`, note: { n: i } }) } })) },
        }),
      );
    }
  }
  const reconcileArgs = (pool = sandbox.userPoolId) => ["--user-pool-id", pool, "--table", sandbox.tableName];
  const env = () => ({ ...sandbox.endpointEnv, USER_SYNC_STAGE: "e2e" });

  beforeAll(async () => {
    otherPool = (await cognito.send(new CreateUserPoolCommand({ PoolName: "another-app" }))).UserPool!.Id!;
    // Start converged, so each test's "unchanged" is about what it guards.
    expect((await runCli([])).status).toBe(0);
  });

  test("a wrong --user-pool-id: the table holds another pool's rows, so nothing is written or deleted", async () => {
    const before = await rawRows();
    const res = await cli([...reconcileArgs(otherPool), "--prune-orphans", "--json"], env());
    expect(res.status).toBe(1);
    expect(res.stderr).toContain(`holds rows of user pool ${sandbox.userPoolId} and none of ${otherPool}`);
    expect(res.stderr).toContain("--allow-foreign-table");
    expect(res.stdout).toBe("");
    expect(await rawRows()).toEqual(before);
  });

  test("rows of another pool are foreignRows: never orphans, never touched, even when forced", async () => {
    const before = await rawRows();
    const { status, report } = await runCli(["--allow-foreign-table", "--prune-orphans"], otherPool);
    expect(status).toBe(0);
    const ownRows = [...before.values()].filter((raw) => JSON.parse(raw).userPoolId?.S === sandbox.userPoolId).length;
    expect(report).toMatchObject({ scanned: 0, foreignRows: ownRows, orphans: 0, pruned: 0 });
    expect(await rawRows()).toEqual(before);
  });

  test("a missing table or pool fails fast, naming it", async () => {
    const noTable = await cli(["--user-pool-id", sandbox.userPoolId, "--table", "no-such-table", "--json"], env());
    expect(noTable.status).toBe(1);
    expect(noTable.stderr).toContain('table "no-such-table" does not exist in this account and region (DescribeTable); check --table and --region');
    const noPool = await cli(["--user-pool-id", "us-east-1_Nope0000", "--table", sandbox.tableName, "--json"], env());
    expect(noPool.status).toBe(1);
    expect(noPool.stderr).toContain('user pool "us-east-1_Nope0000" does not exist in this account and region (DescribeUserPool)');
  });

  // The default limit (max(100, 5% of rows)) is tested in-process; here the CLI's own limit.
  test("more orphans than --max-prune: the prune is refused and nothing is deleted", async () => {
    await putStrays(strays(6, "a"));
    const before = await rawRows();
    const { status, report } = await runCli(["--prune-orphans", "--max-prune", "5", "--backup-file", join(tmp, "refused.jsonl")]);
    expect(status).toBe(1);
    expect(report).toMatchObject({ orphans: 6, pruned: 0, pruneLimit: 5 });
    expect(report.pruneRefused).toMatch(/6 orphan rows exceed the safety limit of 5 .* --max-prune 6/);
    expect(await rawRows()).toEqual(before);
    expect(existsSync(join(tmp, "refused.jsonl"))).toBe(false);
  }, 120_000);

  test("--max-prune raises the limit; each deleted row is written whole first, and restore puts them back exactly", async () => {
    const before = await rawRows();
    const file = join(tmp, "pruned.jsonl");
    const { status, report } = await runCli(["--prune-orphans", "--max-prune", "6", "--backup-file", file]);
    expect(status).toBe(0);
    expect(report).toMatchObject({ orphans: 6, pruned: 6, keptAlive: 0, backup: file });
    const lines = readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(lines).toHaveLength(6);
    for (const line of lines) {
      const raw = JSON.stringify(Object.fromEntries(Object.entries(line.item).sort(([a], [b]) => a.localeCompare(b))));
      expect(before.get(line.item.id.S)).toBe(raw);
      expect(line.tableName).toBe(sandbox.tableName);
    }
    expect((await rawRows()).size).toBe(before.size - 6);

    const restore = await new Promise<{ status: number | null; stdout: string }>((resolve) =>
      execFile(process.execPath, [BIN, "restore", "--file", file, "--json"], { env: { ...process.env, ...env() } }, (err, stdout) =>
        resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout }),
      ),
    );
    expect(restore.status).toBe(0);
    expect(JSON.parse(restore.stdout)).toEqual({ restored: 6, skipped: 0, refused: 0, tables: [sandbox.tableName], problems: [] });
    expect(await rawRows()).toEqual(before);
  }, 120_000);

  describe("a signal mid-run", () => {
    beforeAll(() => putStrays(strays(30, "signal")));

    test.each([
      ["SIGINT", 130],
      ["SIGTERM", 143],
    ] as const)("%s while orphans are checked: work in flight finishes, the partial report is printed, nothing is deleted, the exit code is %i", async (signal, code) => {
      const before = await rawRows();
      const child = spawn(process.execPath, [BIN, "reconcile", ...reconcileArgs(), "--json", "--prune-orphans", "--max-prune", "100", "--rate", "1", "--backup-file", join(tmp, `${signal}.jsonl`)], {
        env: { ...process.env, ...env() },
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d) => (stdout += d));
      const exited = new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
      // Paced at 1/s, the 36 candidates take over half a minute: signal once their check has begun.
      await new Promise<void>((resolve) =>
        child.stderr.on("data", (d) => {
          stderr += d;
          if (/checking \d+ orphan candidates by sub/.test(stderr)) resolve();
        }),
      );
      child.kill(signal);
      expect(await exited).toBe(code);
      const report = JSON.parse(stdout);
      expect(report).toMatchObject({ interrupted: "stopped", pruned: 0, expected: expectedUsers() });
      expect(report.orphans).toBe(report.orphanIds.length);
      expect(report.orphans).toBeLessThan(36);
      expect(stderr).not.toContain("Orphan rows to delete");
      expect(await rawRows()).toEqual(before);
    });
  });

  test("a stalled endpoint is named within seconds; a first Ctrl-C waits for what is in flight, a second exits 130", async () => {
    const sockets: Socket[] = [];
    const blackhole = createServer((s) => void sockets.push(s));
    await new Promise<void>((r) => blackhole.listen(0, "127.0.0.1", () => r()));
    const endpoint = `http://127.0.0.1:${(blackhole.address() as { port: number }).port}`;
    try {
      const child = spawn(process.execPath, [BIN, "reconcile", ...reconcileArgs()], { env: { ...process.env, ...env(), AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: endpoint } });
      let stderr = "";
      const exited = new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
      const seen = (pattern: RegExp) =>
        new Promise<void>((resolve) => {
          const check = () => pattern.test(stderr) && resolve();
          child.stderr.on("data", (d) => ((stderr += d), check()));
          check();
        });
      await seen(new RegExp(`waiting for Cognito DescribeUserPool at ${endpoint.replace(/\./g, "\\.")}`));
      child.kill("SIGINT");
      await seen(/SIGINT: finishing what is in flight/);
      child.kill("SIGINT");
      expect(await exited).toBe(130);
    } finally {
      sockets.forEach((s) => s.destroy());
      blackhole.close();
    }
  });

  test("an endpoint that accepts connections but never answers: the run ends at --timeout, not never", async () => {
    const sockets: Socket[] = [];
    const blackhole = createServer((s) => void sockets.push(s));
    await new Promise<void>((r) => blackhole.listen(0, "127.0.0.1", () => r()));
    try {
      const started = Date.now();
      const res = await cli([...reconcileArgs(), "--timeout", "2"], {
        ...env(),
        AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: `http://127.0.0.1:${(blackhole.address() as { port: number }).port}`,
      });
      expect(res.status).toBe(1);
      expect(res.stderr).toContain("--timeout 2 s reached");
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      sockets.forEach((s) => s.destroy());
      blackhole.close();
    }
  });
});
