/**
 * The engine's paging, pacing, UnprocessedKeys and guards: behaviour
 * cognito-local and dynalite cannot produce. Cognito is a loopback stand-in
 * that pages as Cognito does (tools/local/paged-cognito.ts), reached by a real
 * SDK client. DynamoDB is real (dynalite), wrapped only to withhold keys. The
 * SDK clients' own retries and timeouts are in clients.test.ts.
 */
import { BatchGetItemCommand, DeleteItemCommand, PutItemCommand, ScanCommand } from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { rowKey, type KeyLayout } from "../core/row-key";
import { backoffMs, RateLimiter } from "../core/reconcile/pacing";
import { reconcile } from "../core/reconcile/engine";
import { memoryBackup, POOL, reconcileFixture, user } from "./helpers/reconcile";
import { createTable } from "../tools/local/stand-ins/dynamodb";
import { scanAll } from "./helpers/sandbox";

const fx = reconcileFixture("reconcile-unit");
const { mockCognito, freshTable, options } = fx;

test("follows PaginationToken through every page of at most 60 users", async () => {
  const table = await freshTable();
  const users = Array.from({ length: 301 }, (_, i) => user(i));
  const cognito = await mockCognito(users);
  const report = await reconcile(options(table, cognito.client));
  const pages = cognito.calls.map((c) => c.input).filter((c) => !c.Filter);
  expect(pages.map((c) => c.PaginationToken)).toEqual([undefined, "60", "120", "180", "240", "300"]);
  expect(pages.every((c) => c.Limit === 60 && c.UserPoolId === POOL)).toBe(true);
  expect(report).toMatchObject({ scanned: 301, expected: 301, present: 0, missing: 301, created: 301, failed: 0, orphans: 0 });
  expect((await scanAll(fx.dynamo, table)).length).toBe(301);
});

test("ListUsers is paced at the configured rate", async () => {
  let clock = 0;
  const sleeps: number[] = [];
  const limiter = new RateLimiter(20, async (ms) => {
    sleeps.push(ms);
    clock += ms;
  }, () => clock);
  for (let i = 0; i < 10; i++) await limiter.wait();
  expect(sleeps).toEqual(Array(9).fill(50));

  const table = await freshTable();
  const cognito = await mockCognito(Array.from({ length: 600 }, (_, i) => user(i)));
  let now = 0;
  const runSleeps: number[] = [];
  await reconcile(options(table, cognito.client, { rate: 10, now: () => now, sleep: async (ms) => { runSleeps.push(ms); now += ms; } }));
  // 10 pages at 10/s: nine waits of 100 ms between them.
  expect(runSleeps.filter((ms) => ms === 100)).toHaveLength(9);
});

test("backoff grows exponentially and is capped", () => {
  expect([0, 1, 2, 3, 10].map((a) => backoffMs(a, 200, 10_000, () => 1))).toEqual([200, 400, 800, 1600, 10_000]);
  expect(backoffMs(3, 200, 10_000, () => 0.5)).toBe(800);
});

test("UnprocessedKeys are retried until DynamoDB has answered for every key", async () => {
  const table = await freshTable();
  const users = Array.from({ length: 120 }, (_, i) => user(i));
  // Half the users already have rows.
  for (const u of users.slice(0, 60)) {
    await fx.dynamo.send(new PutItemCommand({ TableName: table, Item: marshall({ id: u.Attributes![0].Value, original: true }) }));
  }
  let batchCalls = 0;
  const withholding = {
    async send(command: any) {
      if (!(command instanceof BatchGetItemCommand)) return fx.dynamo.send(command);
      batchCalls++;
      const request = command.input.RequestItems![table];
      if (batchCalls % 2 === 0 || request.Keys!.length < 4) return fx.dynamo.send(command);
      // Answer for the first quarter only; hand the rest back as unprocessed.
      const answered = request.Keys!.slice(0, Math.floor(request.Keys!.length / 4));
      const res = await fx.dynamo.send(new BatchGetItemCommand({ RequestItems: { [table]: { ...request, Keys: answered } } }));
      return { ...res, UnprocessedKeys: { [table]: { ...request, Keys: request.Keys!.slice(answered.length) } } };
    },
  };
  const report = await reconcile(options(table, (await mockCognito(users)).client, { dynamodb: withholding as any }));
  expect(batchCalls).toBeGreaterThan(2);
  expect(report).toMatchObject({ scanned: 120, present: 60, created: 60, failed: 0 });
  const rows = await scanAll(fx.dynamo, table);
  expect(rows.filter((r) => r.original)).toHaveLength(60);
  expect(rows).toHaveLength(120);
});

test("keys still unprocessed after the retries are reported as failures, not as missing rows", async () => {
  const table = await freshTable();
  const users = Array.from({ length: 5 }, (_, i) => user(i));
  const neverAnswers = {
    async send(command: any) {
      if (!(command instanceof BatchGetItemCommand)) return fx.dynamo.send(command);
      return { Responses: { [table]: [] }, UnprocessedKeys: command.input.RequestItems };
    },
  };
  const report = await reconcile(options(table, (await mockCognito(users)).client, { dynamodb: neverAnswers as any, maxRetries: 3 }));
  expect(report).toMatchObject({ scanned: 5, expected: 5, present: 0, missing: 0, created: 0, failed: 5 });
  expect(report.failures[0].error).toBe("BatchGetItem left the key unprocessed after 3 retries");
  expect(await scanAll(fx.dynamo, table)).toEqual([]);
});

test("only statuses that can sign in are expected, unless unconfirmed users are included", async () => {
  const users = [user(1), user(2, "EXTERNAL_PROVIDER"), user(3, "RESET_REQUIRED"), user(4, "UNCONFIRMED"), user(5, "FORCE_CHANGE_PASSWORD"), user(6, "ARCHIVED")];
  const strict = await reconcile(options(await freshTable(), (await mockCognito(users)).client, { dryRun: true }));
  expect(strict).toMatchObject({ scanned: 6, expected: 3, missing: 3, created: 0 });
  const loose = await reconcile(options(await freshTable(), (await mockCognito(users)).client, { dryRun: true, includeUnconfirmed: true }));
  expect(loose).toMatchObject({ scanned: 6, expected: 5, missing: 5 });
});

test("rowsAtInvite: invited users get rows marked invited; the mark goes once they are confirmed", async () => {
  const users = [user(1), user(2, "FORCE_CHANGE_PASSWORD"), user(3, "UNCONFIRMED")];
  const table = await freshTable();
  const first = await reconcile(options(table, (await mockCognito(users)).client, { rowsAtInvite: true }));
  expect(first).toMatchObject({ scanned: 3, expected: 2, created: 2 });
  const rows = await scanAll(fx.dynamo, table);
  expect(rows.find((r) => r.id === "sub-00002")).toMatchObject({ invited: true });
  expect(rows.find((r) => r.id === "sub-00001")).not.toHaveProperty("invited");

  users[1] = user(2);
  await reconcile(options(table, (await mockCognito(users)).client, { rowsAtInvite: true }));
  expect((await scanAll(fx.dynamo, table)).find((r) => r.id === "sub-00002")).not.toHaveProperty("invited");
});

test("a row for a user who signed up after the listing is re-checked by sub and is not an orphan", async () => {
  const table = await freshTable();
  const late = user(999);
  const gone = "sub-gone";
  for (const id of [late.Attributes![0].Value!, gone]) {
    await fx.dynamo.send(new PutItemCommand({ TableName: table, Item: marshall({ id }) }));
  }
  const cognito = await mockCognito([user(1)], { lateUsers: () => [late] });
  const backup = memoryBackup();
  const report = await reconcile(options(table, cognito.client, { pruneOrphans: true, backup }));
  expect(report.orphanIds).toEqual([gone]);
  expect(report.pruned).toBe(1);
  expect(backup.entries.map((e) => e.item)).toEqual([marshall({ id: gone })]);
  expect(cognito.calls.map((c) => c.input.Filter).filter(Boolean).sort()).toEqual(['sub = "sub-00999"', `sub = "${gone}"`]);
  expect((await scanAll(fx.dynamo, table)).map((r) => r.id).sort()).toEqual(["sub-00001", "sub-00999"]);
});

test("a failure in the orphan phase keeps the report of the user phase", async () => {
  const table = await freshTable();
  const users = Array.from({ length: 70 }, (_, i) => user(i));
  // The orphan scan (no Limit; the preflight's sample has one) fails every time.
  const failingScan = {
    async send(command: any, options?: any) {
      if (command instanceof ScanCommand && command.input.Limit === undefined) throw Object.assign(new Error("scan broke"), { name: "InternalServerError" });
      return fx.dynamo.send(command, options);
    },
  };
  const report = await reconcile(options(table, (await mockCognito(users)).client, { dynamodb: failingScan as any }));
  expect(report).toMatchObject({ scanned: 70, expected: 70, created: 70, failed: 1, orphanPhaseError: "InternalServerError: scan broke" });
  expect(report.failures).toEqual([{ error: "orphan phase: InternalServerError: scan broke" }]);
  expect(await scanAll(fx.dynamo, table)).toHaveLength(70);
});

test("a stop signal ends the run between pages with a partial report; nothing more is written", async () => {
  const table = await freshTable();
  const users = Array.from({ length: 300 }, (_, i) => user(i));
  const stop = new AbortController();
  const report = await reconcile(
    options(table, (await mockCognito(users)).client, {
      stop: stop.signal,
      onProgress: (p) => {
        if (p.scanned >= 120) stop.abort();
      },
    }),
  );
  expect(report.interrupted).toBe("stopped");
  expect(report.scanned).toBeLessThan(300);
  // What was listed was finished: every listed user has a row, no orphan phase ran.
  expect(report.created).toBe(report.scanned);
  expect(await scanAll(fx.dynamo, table)).toHaveLength(report.scanned);
  expect(report.orphans).toBe(0);
});

test("a shared table whose key layout cannot tell user rows apart is never pruned", async () => {
  const table = await freshTable();
  await fx.dynamo.send(new PutItemCommand({ TableName: table, Item: marshall({ id: "invoice-7", total: 12 }) }));
  const backup = memoryBackup();
  const report = await reconcile(options(table, (await mockCognito([user(1)])).client, { pruneOrphans: true, userRowsAmbiguous: true, backup }));
  expect(report).toMatchObject({ orphans: 1, pruned: 0, failed: 1 });
  expect(report.pruneRefused).toMatch(/cannot tell user rows from other items in this shared table; give the keys a fixed part \(e\.g\. USER#\{sub\}\)/);
  expect(backup.entries).toEqual([]);
  expect((await scanAll(fx.dynamo, table)).map((r) => r.id).sort()).toEqual(["invoice-7", "sub-00001"]);
});

describe("the orphan scan: this pool's rows, other pools' rows and other entities told apart in every layout", () => {
  const LAYOUTS: Array<[string, KeyLayout, Array<Record<string, string>>]> = [
    ["id = {sub}", { partitionKey: { name: "id", value: "{sub}" } }, [{ id: "invoice#7" }, { id: "order#8" }]],
    // The scan's own filter leaves these out (ScannedCount - Count).
    ["pk = USER#{sub}, sk = PROFILE", { partitionKey: { name: "pk", value: "USER#{sub}" }, sortKey: { name: "sk", value: "PROFILE" } }, [{ pk: "ORDER#1", sk: "ITEM#1" }, { pk: "USER#sub-00001", sk: "SETTINGS" }]],
    ["id = {sub}#P", { partitionKey: { name: "id", value: "{sub}#P" } }, [{ id: "sub-00001#Q" }, { id: "P" }]],
  ];
  test.each(LAYOUTS)("%s", async (_, layout, others) => {
    const keys = [layout.partitionKey.name, ...(layout.sortKey ? [layout.sortKey.name] : [])];
    const table = `reconcile-layout-${keys.join("-")}-${layout.partitionKey.value.replace(/\W/g, "")}`;
    await createTable(fx.dynamo, {
      TableName: table,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: keys.map((k) => ({ AttributeName: k, AttributeType: "S" })),
      KeySchema: keys.map((k, i) => ({ AttributeName: k, KeyType: i === 0 ? "HASH" : "RANGE" })),
    });
    const put = (item: Record<string, unknown>) => fx.dynamo.send(new PutItemCommand({ TableName: table, Item: marshall(item) }));
    const listed = [user(1), user(2), user(3)];
    for (const [i, u] of listed.entries()) {
      // The third row predates userPoolId (no pool): still this pool's.
      await put({ ...rowKey(layout, u.Attributes![0].Value!), username: u.Username, ...(i < 2 ? { userPoolId: POOL } : {}) });
    }
    await put({ ...rowKey(layout, "sub-90001"), username: "gone", userPoolId: POOL });
    await put({ ...rowKey(layout, "sub-90002"), username: "theirs", userPoolId: "us-east-1_Other99" });
    for (const item of others) await put(item);
    const cognito = await mockCognito(listed);
    const report = await reconcile(options(table, cognito.client, { keyLayout: layout }));
    expect(report).toMatchObject({ scanned: 3, tableRows: 4, foreignRows: 1, otherItems: 2, orphans: 1, orphanIds: ["sub-90001"], failed: 0 });
    // Only this pool's unlisted row is looked up again by sub: not the listed ones, not the other pool's.
    expect(cognito.calls.filter((c) => c.input.Filter).map((c) => c.input.Filter)).toEqual(['sub = "sub-90001"']);
  });
});

describe("how much a prune may take without --max-prune", () => {
  async function run(orphans: number) {
    const table = await freshTable();
    const listed = [user(1), user(2)];
    for (const u of listed) await fx.dynamo.send(new PutItemCommand({ TableName: table, Item: marshall({ id: u.Attributes![0].Value, userPoolId: POOL, updatedAt: "2026-01-01T00:00:00.000Z" }) }));
    for (let i = 0; i < orphans; i++) await fx.dynamo.send(new PutItemCommand({ TableName: table, Item: marshall({ id: `sub-9000${i}`, userPoolId: POOL, updatedAt: "2026-01-01T00:00:00.000Z" }) }));
    const backup = memoryBackup();
    const report = await reconcile(options(table, (await mockCognito(listed)).client, { pruneOrphans: true, backup }));
    return { report, backup, rows: (await scanAll(fx.dynamo, table)).length };
  }
  test("half of this pool's rows may go (2 of 4)", async () => {
    const { report, backup, rows } = await run(2);
    expect(report).toMatchObject({ orphans: 2, pruned: 2, failed: 0, pruneLimit: 100 });
    expect(report.pruneRefused).toBeUndefined();
    expect(backup.entries).toHaveLength(2);
    expect(rows).toBe(2);
  });
  test("more than half (3 of 5) is refused, naming the counts and the flag", async () => {
    const { report, backup, rows } = await run(3);
    expect(report).toMatchObject({ orphans: 3, pruned: 0, failed: 1 });
    expect(report.pruneRefused).toMatch(/^the listing saw 2 users, and 3 of this pool's 5 rows would go: .* --max-prune 3 \(scheduled runs: reconcileMaxPrune\)$/);
    expect(report.failures).toEqual([{ error: `prune refused: ${report.pruneRefused}` }]);
    expect(backup.entries).toEqual([]);
    expect(rows).toBe(5);
  });
});

describe("a prune deletes exactly what it backed up", () => {
  test("a row the app changed after the prune read it stays (its updatedAt moved)", async () => {
    const table = await freshTable();
    await fx.dynamo.send(new PutItemCommand({ TableName: table, Item: marshall({ id: "sub-00001", userPoolId: POOL }) }));
    await fx.dynamo.send(new PutItemCommand({ TableName: table, Item: marshall({ id: "sub-90001", userPoolId: POOL, updatedAt: "2026-01-01T00:00:00.000Z" }) }));
    // The app writes the row between the prune's read (and backup) and its delete.
    const racing = {
      send: async (command: any) => {
        if (command instanceof DeleteItemCommand) {
          await fx.dynamo.send(new PutItemCommand({ TableName: table, Item: marshall({ id: "sub-90001", userPoolId: POOL, updatedAt: "2026-02-02T00:00:00.000Z", bio: "new" }) }));
        }
        return fx.dynamo.send(command);
      },
    };
    const backup = memoryBackup();
    const report = await reconcile(options(table, (await mockCognito([user(1)])).client, { dynamodb: racing as any, pruneOrphans: true, maxPrune: 5, backup }));
    expect(report).toMatchObject({ orphans: 1, pruned: 0, failed: 0 });
    expect((await scanAll(fx.dynamo, table)).find((r) => r.id === "sub-90001")).toMatchObject({ bio: "new" });
  });

  test("a row with no pool and no updatedAt (an old row) is deleted when nothing changed; another pool's row under that key never is", async () => {
    const table = await freshTable();
    await fx.dynamo.send(new PutItemCommand({ TableName: table, Item: marshall({ id: "sub-00001", userPoolId: POOL }) }));
    await fx.dynamo.send(new PutItemCommand({ TableName: table, Item: marshall({ id: "sub-90001", email: "old@example.com" }) }));
    await fx.dynamo.send(new PutItemCommand({ TableName: table, Item: marshall({ id: "sub-90002", userPoolId: "us-east-1_Other99" }) }));
    const backup = memoryBackup();
    const report = await reconcile(options(table, (await mockCognito([user(1)])).client, { pruneOrphans: true, maxPrune: 5, backup }));
    expect(report).toMatchObject({ orphans: 1, pruned: 1, failed: 0, foreignRows: 1 });
    expect(backup.entries.map((e) => e.item.id)).toEqual([{ S: "sub-90001" }]);
    expect((await scanAll(fx.dynamo, table)).map((r) => r.id).sort()).toEqual(["sub-00001", "sub-90002"]);
  });
});
