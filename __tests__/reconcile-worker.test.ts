/**
 * The worker's prune path and its guards, step by step as the state machine
 * calls it: dynalite, and the paged Cognito stand-in behind a real client.
 */
import type { UserType } from "@aws-sdk/client-cognito-identity-provider";
import { BatchWriteItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SFNClient } from "@aws-sdk/client-sfn";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { execFile } from "node:child_process";
import { BATCH_CLIENT, createCognitoClient } from "../core/clients";
import { DEFAULT_ATTRIBUTE_MAP } from "../core/row-fields";
import { step, type RunState, type WorkerContext, type WorkerSettings } from "../core/reconcile/worker";
import { ScratchStore } from "../core/reconcile/scratch";
import { buildUserRecord } from "../core/user-record";
import { LOCAL_CREDENTIALS, localDynamoDBClient } from "../tools/local/clients";
import { createTable, startLocalDynamoDB, type LocalDynamoDB } from "../tools/local/stand-ins/dynamodb";
import { startPagedCognito, type PagedCognito } from "../tools/local/stand-ins/paged-cognito";
import { createScratchTableInput } from "../tools/local/resources";
import { scanAll } from "./helpers/sandbox";
import { BIN } from "./helpers/cli";

const POOL = "us-east-1_Worker01";
const SCRATCH = "worker-scratch";
let db: LocalDynamoDB;
let dynamo: DynamoDBClient;
let cognito: PagedCognito;
let tables = 0;

const users: UserType[] = Array.from({ length: 200 }, (_, i) => ({
  Username: `u${i}`,
  UserStatus: "CONFIRMED",
  Attributes: [
    { Name: "sub", Value: `sub-${i}` },
    { Name: "email", Value: `u${i}@example.com` },
  ],
}));

async function tableWith(orphans: number): Promise<string> {
  const name = `worker-users-${++tables}`;
  await createTable(dynamo, { TableName: name, BillingMode: "PAY_PER_REQUEST", AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }], KeySchema: [{ AttributeName: "id", KeyType: "HASH" }] });
  const rows = [
    ...users.map((u) => buildUserRecord({ userName: u.Username!, userPoolId: POOL, attributes: { sub: u.Attributes![0].Value, email: u.Attributes![1].Value } }, { attributeMap: DEFAULT_ATTRIBUTE_MAP, now: new Date() })),
    ...Array.from({ length: orphans }, (_, i) => ({ id: `orphan-${i}`, userPoolId: POOL, email: `gone${i}@example.com`, bio: `kept ${i}`, updatedAt: "2026-01-01T00:00:00.000Z" })),
  ];
  for (let i = 0; i < rows.length; i += 25) {
    await dynamo.send(new BatchWriteItemCommand({ RequestItems: { [name]: rows.slice(i, i + 25).map((r) => ({ PutRequest: { Item: marshall(r) } })) } }));
  }
  return name;
}

/**
 * Steps a run to its end as the state machine does. A fixed run id (the
 * execution's name) fixes the filters' salt, so the test does not depend on
 * luck. `endpoint` is another Cognito stand-in's; `context` overrides the clock,
 * the time left or onDone.
 */
async function runToEnd(
  settings: Partial<WorkerSettings> & { tableName: string },
  runId = `run-${settings.tableName}`,
  extra: { endpoint?: string; context?: Partial<WorkerContext> } = {},
): Promise<{ state: RunState; sizes: number[]; phases: string[] }> {
  const client = createCognitoClient(BATCH_CLIENT, { endpoint: extra.endpoint ?? cognito.endpoint, region: "us-east-1", credentials: LOCAL_CREDENTIALS });
  const sfn = new SFNClient({ region: "us-east-1", credentials: LOCAL_CREDENTIALS });
  const sizes: number[] = [];
  const phases: string[] = [];
  let state: RunState | undefined;
  try {
    do {
      state = await step(
        { state, execution: state ? undefined : `arn:aws:states:us-east-1:000000000000:execution:reconcile:${runId}` },
        {
          cognito: client,
          dynamodb: dynamo,
          sfn,
          settings: { userPoolId: POOL, scratchTableName: SCRATCH, attributeMap: DEFAULT_ATTRIBUTE_MAP, rate: 30, sliceMs: 1, prune: false, ...settings },
          remainingMs: () => 900_000,
          // Pacing has its own tests; here it would only add seconds of waiting.
          sleep: async () => undefined,
          ...extra.context,
        },
      );
      sizes.push(Buffer.byteLength(JSON.stringify(state)));
      phases.push(state.phase);
      if (phases.length > 1_000) throw new Error("the run did not finish in 1,000 steps");
    } while (state.phase !== "done");
  } finally {
    client.destroy();
    sfn.destroy();
  }
  return { state, sizes, phases };
}

beforeAll(async () => {
  db = await startLocalDynamoDB();
  dynamo = localDynamoDBClient(db.endpoint);
  await createTable(dynamo, createScratchTableInput(SCRATCH));
  cognito = await startPagedCognito({ users: () => users, userPoolId: POOL });
});
afterAll(async () => {
  dynamo.destroy();
  await cognito.stop();
  await db.stop();
});

test("a scheduled prune deletes exactly the orphans, each backed up whole in the scratch table first; restore --run puts them back", async () => {
  const table = await tableWith(20);
  const before = await scanAll(dynamo, table);
  const { state, sizes } = await runToEnd({ tableName: table, prune: true });
  expect(state.steps).toBeGreaterThan(1);
  expect(Math.max(...sizes)).toBeLessThan(8 * 1024);
  expect(state.report).toMatchObject({ scanned: 200, orphans: 20, pruned: 20, failed: 0 });
  expect(state.report.backup).toBe(`user-sync restore --scratch-table ${SCRATCH} --run ${state.runId}`);
  const after = await scanAll(dynamo, table);
  expect(after.map((r) => r.id).sort()).toEqual(users.map((u) => u.Attributes![0].Value).sort());
  const backups = await new ScratchStore(dynamo, SCRATCH, state.runId).backups();
  expect(backups.map((b) => unmarshall(b.item)).sort((a, b) => a.id.localeCompare(b.id))).toEqual(
    before.filter((r) => r.id.startsWith("orphan-")).sort((a, b) => a.id.localeCompare(b.id)),
  );

  const restore = await new Promise<{ code: number; stdout: string }>((resolve) =>
    execFile(
      process.execPath,
      [BIN, "restore", "--scratch-table", SCRATCH, "--run", state.runId, "--json"],
      { env: { ...process.env, AWS_ENDPOINT_URL_DYNAMODB: db.endpoint } },
      (err, stdout) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout }),
    ),
  );
  expect(restore.code).toBe(0);
  expect(JSON.parse(restore.stdout)).toEqual({ restored: 20, skipped: 0, refused: 0, tables: [table], problems: [] });
  expect((await scanAll(dynamo, table)).sort((a, b) => a.id.localeCompare(b.id))).toEqual(before.sort((a, b) => a.id.localeCompare(b.id)));
});

test("without prune configured, orphans are only reported", async () => {
  const table = await tableWith(5);
  const { state } = await runToEnd({ tableName: table });
  expect(state.report).toMatchObject({ orphans: 5, pruned: 0, failed: 0 });
  expect(await scanAll(dynamo, table)).toHaveLength(205);
});

test("more orphans than the safety limit: the scheduled prune is refused and nothing is deleted", async () => {
  const table = await tableWith(120);
  const { state } = await runToEnd({ tableName: table, prune: true, maxPrune: 110 });
  expect(state.report).toMatchObject({ orphans: 120, pruned: 0, failed: 1 });
  expect(state.report.pruneRefused).toMatch(/120 orphan rows exceed the safety limit of 110/);
  expect(await scanAll(dynamo, table)).toHaveLength(320);
});

test("a table that is not this pool's (more candidates than 1,000 and 10% of rows) is reported, not verified", async () => {
  const table = await tableWith(1200);
  const callsBefore = cognito.calls.length;
  const { state } = await runToEnd({ tableName: table, prune: true });
  expect(state.report.pruneRefused).toMatch(/1200 rows of this table have no user in the pool; more than 1000 are not verified/);
  // No lookup by sub for any of them: only the listing.
  expect(cognito.calls.slice(callsBefore).filter((c) => c.input.Filter)).toEqual([]);
  expect(await scanAll(dynamo, table)).toHaveLength(1400);
});

describe("a phase ends only when its work is done, never because the slice ran out", () => {
  test("a 1 ms slice (used up before the first page) still lists every page and scans every row", async () => {
    const table = await tableWith(7);
    const { state } = await runToEnd({ tableName: table, sliceMs: 1 });
    expect(state.report).toMatchObject({ scanned: 200, listPages: 4, tableRows: 207, orphans: 7, failed: 0 });
    expect(state.report.scanPages).toBeGreaterThanOrEqual(1);
    expect(state.steps).toBeGreaterThan(4);
  });

  test("a slice that ends exactly between two pages: the next step goes on from the token, nothing is skipped", async () => {
    const table = await tableWith(3);
    const client = createCognitoClient(BATCH_CLIENT, { endpoint: cognito.endpoint, region: "us-east-1", credentials: LOCAL_CREDENTIALS });
    const sfn = new SFNClient({ region: "us-east-1", credentials: LOCAL_CREDENTIALS });
    const sliceMs = 1_000;
    const started = 5_000_000;
    let clock = started;
    // Each page of users uses the whole slice: time is up exactly when a page has been handled.
    const pacedCognito = { send: async (command: any, options?: any) => ((clock += sliceMs), client.send(command, options)) };
    let state: RunState | undefined;
    const phases: string[] = [];
    try {
      do {
        state = await step(
          { state, execution: state ? undefined : `arn:aws:states:us-east-1:000000000000:execution:reconcile:between-${table}` },
          {
            cognito: pacedCognito as any,
            dynamodb: dynamo,
            sfn,
            settings: { userPoolId: POOL, tableName: table, scratchTableName: SCRATCH, attributeMap: DEFAULT_ATTRIBUTE_MAP, rate: 30, sliceMs, prune: false },
            remainingMs: () => 900_000,
            now: () => clock,
            sleep: async () => undefined,
          },
        );
        phases.push(state.phase);
      } while (state.phase !== "done");
    } finally {
      client.destroy();
      sfn.destroy();
    }
    expect(phases.slice(0, 4)).toEqual(["users", "users", "users", "scan"]);
    expect(state.report).toMatchObject({ scanned: 200, listPages: 4, tableRows: 203, orphans: 3, failed: 0 });
    // The run's duration is the clock's, from its first step to its last.
    expect(state.report.durationMs).toBeGreaterThanOrEqual(4 * sliceMs);
    expect(state.report.durationMs).toBeLessThanOrEqual(clock - started);
  });

  test("a scheduled prune against a pool that lists nobody is refused, whatever the safety limit's default allows", async () => {
    const table = await tableWith(0);
    const empty = await startPagedCognito({ users: () => [], userPoolId: POOL });
    let state: RunState;
    try {
      ({ state } = await runToEnd({ tableName: table, sliceMs: 60_000, prune: true }, `empty-${table}`, { endpoint: empty.endpoint }));
    } finally {
      await empty.stop();
    }
    // 200 rows, none of them listed: the default limit (max(100, 5%)) is not what stops it.
    expect(state.report).toMatchObject({ scanned: 0, listPages: 1, tableRows: 200, pruned: 0, failed: 1 });
    expect(state.report.pruneRefused).toMatch(/the listing saw 0 users/);
    expect(await scanAll(dynamo, table)).toHaveLength(200);
  });
});

test("a second scheduled execution while one runs ends at once, names the first and touches nothing; the first goes on", async () => {
  const table = await tableWith(2);
  const machine = "arn:aws:states:us-east-1:000000000000:stateMachine:reconcile";
  const exec = (name: string) => `arn:aws:states:us-east-1:000000000000:execution:reconcile:${name}`;
  const running = [
    { executionArn: exec("first"), stateMachineArn: machine, name: "first", status: "RUNNING", startDate: new Date("2026-01-01T00:00:00Z") },
    { executionArn: exec("second"), stateMachineArn: machine, name: "second", status: "RUNNING", startDate: new Date("2026-01-01T00:05:00Z") },
  ];
  // Step Functions' ListExecutions is the boundary: the state machine's two RUNNING executions.
  const sfn = { send: async (command: any) => (expect(command.input).toMatchObject({ stateMachineArn: machine, statusFilter: "RUNNING" }), { executions: running }) };
  const client = createCognitoClient(BATCH_CLIENT, { endpoint: cognito.endpoint, region: "us-east-1", credentials: LOCAL_CREDENTIALS });
  const ctx = {
    cognito: client,
    dynamodb: dynamo,
    sfn: sfn as any,
    settings: { userPoolId: POOL, tableName: table, scratchTableName: SCRATCH, attributeMap: DEFAULT_ATTRIBUTE_MAP, rate: 30, sliceMs: 1, prune: true, maxPrune: 10 },
    remainingMs: () => 900_000,
    sleep: async () => undefined,
  };
  const before = await scanAll(dynamo, table);
  const callsBefore = cognito.calls.length;
  try {
    const second = await step({ state: { phase: "start" } as any, execution: exec("second"), stateMachine: machine, startTime: "2026-01-01T00:05:00.000Z" }, ctx);
    expect(second).toMatchObject({ phase: "already-running", runningExecution: exec("first"), runId: "second", steps: 0 });
    expect(second.report).toMatchObject({ scanned: 0, listPages: 0, orphans: 0, failed: 0 });
    expect(cognito.calls.length).toBe(callsBefore);
    expect(await scanAll(dynamo, table)).toEqual(before);
    expect(await new ScratchStore(dynamo, SCRATCH, "second").backups()).toEqual([]);

    let first = await step({ state: { phase: "start" } as any, execution: exec("first"), stateMachine: machine, startTime: "2026-01-01T00:00:00.000Z" }, ctx);
    expect(first).toMatchObject({ runId: "first", steps: 1 });
    expect(first.phase).not.toBe("already-running");
    while (first.phase !== "done") first = await step({ state: first }, ctx);
    expect(first.report).toMatchObject({ scanned: 200, orphans: 2, pruned: 2, failed: 0 });
  } finally {
    client.destroy();
  }
});

describe("the worker's preflight runs once, on its first step", () => {
  test("a run's report carries the pool's size and the trigger drift; the table is described once however many steps", async () => {
    const table = await tableWith(1);
    const drifted = await startPagedCognito({ users: () => users, userPoolId: POOL, postConfirmation: "arn:aws:lambda:us-east-1:000000000000:function:someone-elses" });
    let describes = 0;
    const counted = { send: (command: any, options?: any) => (command.constructor.name === "DescribeTableCommand" && describes++, dynamo.send(command, options)) };
    let state: RunState;
    try {
      ({ state } = await runToEnd({ tableName: table, postConfirmationFunction: "user-sync-post-confirmation" }, `drift-${table}`, { endpoint: drifted.endpoint, context: { dynamodb: counted as any } }));
    } finally {
      await drifted.stop();
    }
    expect(state.steps).toBeGreaterThan(2);
    expect(describes).toBe(1);
    expect(state.report).toMatchObject({ estimatedUsers: 200, triggerDrift: { expected: "user-sync-post-confirmation", actual: "arn:aws:lambda:us-east-1:000000000000:function:someone-elses" }, failed: 0 });
  });

  test("a table of another pool stops the run at its first step, before anything is written", async () => {
    const table = await tableWith(0);
    const other = await startPagedCognito({ users: () => [], userPoolId: "us-east-1_NotThis01" });
    const client = createCognitoClient(BATCH_CLIENT, { endpoint: other.endpoint, region: "us-east-1", credentials: LOCAL_CREDENTIALS });
    const before = await scanAll(dynamo, table);
    try {
      await expect(
        step(
          { state: { phase: "start" } as any, execution: `arn:aws:states:us-east-1:000000000000:execution:reconcile:foreign-${table}` },
          {
            cognito: client,
            dynamodb: dynamo,
            sfn: new SFNClient({ region: "us-east-1", credentials: LOCAL_CREDENTIALS }),
            settings: { userPoolId: "us-east-1_NotThis01", tableName: table, scratchTableName: SCRATCH, attributeMap: DEFAULT_ATTRIBUTE_MAP, rate: 30, sliceMs: 1, prune: true, maxPrune: 500 },
            remainingMs: () => 900_000,
            sleep: async () => undefined,
          },
        ),
      ).rejects.toThrow(/holds rows of user pool us-east-1_Worker01 and none of us-east-1_NotThis01/);
    } finally {
      client.destroy();
      await other.stop();
    }
    expect(await scanAll(dynamo, table)).toEqual(before);
    expect(await new ScratchStore(dynamo, SCRATCH, `foreign-${table}`).backups()).toEqual([]);
  });
});

describe("a step's time: the slice, the handover margin and the clock", () => {
  /** A run on a clock that never moves, with the done reports it hears. */
  async function run(table: string, runId: string, timing: { sliceMs: number; remainingMs: number }, cognitoOptions: Partial<Parameters<typeof startPagedCognito>[0]> = {}) {
    const pool = await startPagedCognito({ users: () => users, userPoolId: POOL, ...cognitoOptions });
    const done: unknown[] = [];
    try {
      const context = { now: () => 1_000_000, remainingMs: () => timing.remainingMs, onDone: (report: unknown) => void done.push(report) };
      return { ...(await runToEnd({ tableName: table, rate: 1_000, sliceMs: timing.sliceMs }, runId, { endpoint: pool.endpoint, context })), done };
    } finally {
      await pool.stop();
    }
  }

  test("with the slice not used up, one step runs every phase to the end, and onDone hears the report once", async () => {
    const table = await tableWith(3);
    const { state, phases, done } = await run(table, `one-step-${table}`, { sliceMs: 60_000, remainingMs: 900_000 });
    expect(phases).toEqual(["done"]);
    expect(state.report).toMatchObject({ scanned: 200, listPages: 4, orphans: 3, failed: 0, durationMs: 0 });
    expect(done).toEqual([state.report]);
  });

  test("with less than the handover margin left, each step makes one page of progress and hands over", async () => {
    const table = await tableWith(3);
    const { state, phases, done } = await run(table, `margin-${table}`, { sliceMs: 60_000, remainingMs: 59_000 });
    // Four pages of users, one step each; then the scan, the verification, done.
    expect(phases.slice(0, 4)).toEqual(["users", "users", "users", "scan"]);
    expect(phases.at(-1)).toBe("done");
    expect(state.report).toMatchObject({ scanned: 200, listPages: 4, orphans: 3, failed: 0 });
    expect(done).toHaveLength(1);
  });

  test("a row of a user who signed up after the listing is looked up by sub and is not an orphan", async () => {
    const table = await tableWith(2);
    const late = { Username: "late", UserStatus: "CONFIRMED" as const, Attributes: [{ Name: "sub", Value: "orphan-0" }, { Name: "email", Value: "late@example.com" }] };
    const { state } = await run(table, `late-${table}`, { sliceMs: 60_000, remainingMs: 900_000 }, { lateUsers: () => [late] });
    expect(state.report).toMatchObject({ orphans: 1, orphanIds: ["orphan-1"], failed: 0 });
  });
});
