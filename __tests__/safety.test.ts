/**
 * Nothing erases, deletes or corrupts a live user's row: the paths found by
 * reading the code, each tried against the real engine (dynalite) and a
 * Cognito stand-in that pages, lags and answers AdminGetUser consistently.
 */
import type { UserType } from "@aws-sdk/client-cognito-identity-provider";
import { GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { writeFileSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BATCH_CLIENT, createCognitoClient } from "../core/clients";
import { fillTemplate, MalformedInputError, rowKey, subOfKey, type KeyLayout } from "../core/row-key";
import { readReconcileWorkerSettings, reconcileWorkerEnvironment } from "../core/function-env";
import { reconcile, type ReconcileOptions } from "../core/reconcile/engine";
import type { BackupEntry } from "../core/reconcile/orphans";
import { applyUserEvent, type UserEventsContext } from "../core/user-events/apply";
import { MalformedEvent, parseUserEvent } from "../core/user-events/cloudtrail";
import { buildUserRecord, syncOwnedValues } from "../core/user-record";
import { deleteUserRecord, eraseUserRecord, TOMBSTONE_TTL_SECONDS } from "../core/user-store";
import { ConfigError, loadConfig } from "../lib/settings";
import { LOCAL_CREDENTIALS } from "../tools/local/clients";
import { createTable } from "../tools/local/stand-ins/dynamodb";
import { matchesPattern } from "../tools/local/stand-ins/event-pattern";
import type { PagedCognitoOptions } from "../tools/local/stand-ins/paged-cognito";
import { restoreRows, RestoreError } from "../tools/reconcile/restore";
import { adminEvent, tokenEvent } from "./fixtures/cloudtrail-events";
import { dynaliteFixture } from "./helpers/reconcile";
import { scanAll } from "./helpers/sandbox";

const POOL = "us-east-1_Safety01";
const LIVE = "6f1c2d3e-4a5b-4c6d-8e7f-901234567890";
const REPLACEMENT_PATTERNS = ["$'", "$`", "$&", "$1", "$$"];
/** test.each rows with a readable title (jest would read `$…` in a title as an interpolation). */
const PATTERN_ROWS = REPLACEMENT_PATTERNS.map((p) => [JSON.stringify(p).replace(/\$/g, "dollar "), p]);

const LAYOUTS: Array<[string, KeyLayout]> = [
  ["id = {sub}", { partitionKey: { name: "id", value: "{sub}" } }],
  ["pk = USER#{sub}, sk = PROFILE", { partitionKey: { name: "pk", value: "USER#{sub}" }, sortKey: { name: "sk", value: "PROFILE" } }],
  ["id = {sub}#P", { partitionKey: { name: "id", value: "{sub}#P" } }],
];

const fx = dynaliteFixture();
let tables = 0;

const user = (sub: string, username = `user-${sub.slice(0, 8)}`, email = `${username}@example.com`): UserType => ({
  Username: username,
  UserStatus: "CONFIRMED",
  Enabled: true,
  Attributes: [
    { Name: "sub", Value: sub },
    { Name: "email", Value: email },
  ],
});

async function table(layout: KeyLayout = LAYOUTS[0][1]): Promise<string> {
  const name = `safety-${++tables}`;
  const keys = [layout.partitionKey.name, ...(layout.sortKey ? [layout.sortKey.name] : [])];
  await createTable(fx.dynamo, {
    TableName: name,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: keys.map((k) => ({ AttributeName: k, AttributeType: "S" })),
    KeySchema: keys.map((k, i) => ({ AttributeName: k, KeyType: i === 0 ? "HASH" : "RANGE" })),
  });
  return name;
}

async function cognito(users: () => UserType[], options: Omit<PagedCognitoOptions, "users"> = {}) {
  const server = await fx.pagedCognito({ users, userPoolId: POOL, ...options });
  return { server, client: createCognitoClient(BATCH_CLIENT, { endpoint: server.endpoint, region: "us-east-1", credentials: LOCAL_CREDENTIALS }) };
}

async function putRow(tableName: string, layout: KeyLayout, u: UserType, extra: Record<string, unknown> = {}) {
  const record = buildUserRecord({ userName: u.Username!, userPoolId: POOL, attributes: Object.fromEntries(u.Attributes!.map((a) => [a.Name!, a.Value!])) }, { attributeMap: {}, keyLayout: layout, now: new Date("2026-01-01T00:00:00Z") });
  const row = { ...record, bio: "app-owned", ...extra };
  await fx.dynamo.send(new PutItemCommand({ TableName: tableName, Item: marshall(row) }));
  return row;
}

async function getRow(tableName: string, layout: KeyLayout, sub: string) {
  const res = await fx.dynamo.send(new GetItemCommand({ TableName: tableName, Key: marshall(rowKey(layout, sub)), ConsistentRead: true }));
  return res.Item ? unmarshall(res.Item) : undefined;
}

describe("templates never expand user data", () => {
  test.each(PATTERN_ROWS)("fillTemplate keeps %s literal, in every position", (_, pattern) => {
    expect(fillTemplate("USER#{sub}", { sub: `a${pattern}b` })).toBe(`USER#a${pattern}b`);
    expect(fillTemplate("{sub}::{username}", { sub: "s", username: `bob${pattern}` })).toBe(`s::bob${pattern}`);
    expect(fillTemplate("{username}::{sub}", { sub: "s", username: `${pattern}{sub}` })).toBe(`${pattern}{sub}::s`);
  });

  test.each(PATTERN_ROWS)("an Amplify owner from a username ending in %s is exactly that username, never another identity", (_, pattern) => {
    const values = syncOwnedValues(
      { userName: `bob${pattern}`, userPoolId: POOL, attributes: { sub: LIVE } },
      { attributeMap: {}, amplify: { typename: "User", ownerField: "owner", ownerFormat: "{sub}::{username}", conflictDetection: true } },
    );
    expect(values.owner).toBe(`${LIVE}::bob${pattern}`);
    const usernameOnly = syncOwnedValues({ userName: `bob${pattern}`, userPoolId: POOL, attributes: { sub: LIVE } }, { attributeMap: {}, amplify: { typename: "User", ownerField: "owner", ownerFormat: "{username}", conflictDetection: true } });
    expect(usernameOnly.owner).toBe(`bob${pattern}`);
  });

  test.each(LAYOUTS)("layout %s: a sub carrying a replacement pattern makes no key at all, and never the live user's", (_, layout) => {
    for (const pattern of REPLACEMENT_PATTERNS) {
      expect(() => rowKey(layout, `${LIVE}${pattern}`)).toThrow(MalformedInputError);
    }
    expect(() => rowKey(layout, "x".repeat(3000))).toThrow(/3000 characters is not a Cognito sub/);
    expect(() => rowKey(layout, `${LIVE}"`)).toThrow(MalformedInputError);
    expect(subOfKey(layout, rowKey(layout, LIVE))).toBe(LIVE);
  });

  test("a stored key whose sub part is malformed is not a user row", () => {
    expect(subOfKey(LAYOUTS[1][1], { pk: "USER#a$'b", sk: "PROFILE" })).toBeUndefined();
    expect(subOfKey(LAYOUTS[0][1], { id: "x".repeat(200) })).toBeUndefined();
  });
});

describe("malformed events are ignored, never acted on, never retried", () => {
  test.each(PATTERN_ROWS)("a DeleteUser whose sub is the live sub + %s is malformed; the message never holds the value", (_, pattern) => {
    const event = tokenEvent("DeleteUser");
    event.detail.additionalEventData = { sub: `${LIVE}${pattern}` };
    expect(() => parseUserEvent(event)).toThrow(MalformedEvent);
    expect(() => parseUserEvent(event)).toThrow(/detail\.additionalEventData\.sub is a string of 38 characters/);
  });

  test("a 3,000-character sub, a username with a control character and a bad pool id are malformed", () => {
    const long = tokenEvent("DeleteUser");
    long.detail.additionalEventData = { sub: "a".repeat(3000) };
    let message = "";
    try {
      parseUserEvent(long);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/a string of 3000 characters/);
    expect(message).not.toContain("aaaa");
    const name = adminEvent("AdminDeleteUser");
    name.detail.requestParameters = { userPoolId: POOL, username: "bob\u0000" };
    expect(() => parseUserEvent(name)).toThrow(/detail\.requestParameters\.username is a string of 4 characters/);
    const pool = adminEvent("AdminDeleteUser");
    pool.detail.requestParameters = { userPoolId: "us-east-1_x'; DROP" };
    expect(() => parseUserEvent(pool)).toThrow(/userPoolId/);
  });

  test.each(LAYOUTS)("layout %s: the forged delete of the live sub + $' erases nothing when it reaches apply anyway", async (_, layout) => {
    const t = await table(layout);
    const live = user(LIVE);
    const before = await putRow(t, layout, live);
    const { client } = await cognito(() => [live]);
    const ctx: UserEventsContext = { cognito: client, dynamodb: fx.dynamo, userPoolId: POOL, tableName: t, onUserDeleted: "delete", attributeMap: {}, keyLayout: layout };
    await expect(applyUserEvent(ctx, { sub: `${LIVE}$'` })).rejects.toThrow(MalformedInputError);
    expect(await getRow(t, layout, LIVE)).toEqual(before);
  });

  test("an acting event that names no user is 'unidentified', not an unknown user", async () => {
    const t = await table();
    const { client, server } = await cognito(() => []);
    const event = adminEvent("AdminDeleteUser");
    event.detail.additionalEventData = {};
    event.detail.requestParameters = { userPoolId: POOL, username: "HIDDEN_DUE_TO_SECURITY_REASONS" };
    const signal = parseUserEvent(event);
    const ctx: UserEventsContext = { cognito: client, dynamodb: fx.dynamo, userPoolId: POOL, tableName: t, onUserDeleted: "erase", attributeMap: {} };
    expect(await applyUserEvent(ctx, signal)).toEqual({ outcome: "unidentified" });
    expect(server.calls).toEqual([]);
  });
});

describe("a live user's row never keeps a tombstone", () => {
  test("an event for a live user whose row was erased earlier restores the fields and removes deletedAt (and a soft delete's _deleted/_ttl)", async () => {
    const layout = LAYOUTS[0][1];
    const t = await table(layout);
    const live = user(LIVE, "ada", "ada@example.com");
    await fx.dynamo.send(
      new PutItemCommand({ TableName: t, Item: marshall({ id: LIVE, userPoolId: POOL, enabled: false, deletedAt: "2026-01-01T00:00:00.000Z", _deleted: true, _ttl: 1, _version: 3, bio: "kept", createdAt: "2025-01-01T00:00:00.000Z" }) }),
    );
    const { client } = await cognito(() => [live]);
    const ctx: UserEventsContext = {
      cognito: client,
      dynamodb: fx.dynamo,
      userPoolId: POOL,
      tableName: t,
      onUserDeleted: "erase",
      attributeMap: {},
      amplify: { typename: "User", ownerField: undefined, ownerFormat: "{sub}", conflictDetection: true },
    };
    expect(await applyUserEvent(ctx, { sub: LIVE })).toEqual({ outcome: "refreshed", sub: LIVE });
    const row = (await getRow(t, layout, LIVE))!;
    expect(row).toMatchObject({ username: "ada", email: "ada@example.com", enabled: true, bio: "kept", createdAt: "2025-01-01T00:00:00.000Z", _version: 4 });
    expect(row).not.toHaveProperty("deletedAt");
    expect(row).not.toHaveProperty("_deleted");
    expect(row).not.toHaveProperty("_ttl");
  });

  test("a reconcile refresh of an erased row whose user exists removes deletedAt", async () => {
    const layout = LAYOUTS[0][1];
    const t = await table(layout);
    const live = user(LIVE, "ada", "ada@example.com");
    await fx.dynamo.send(new PutItemCommand({ TableName: t, Item: marshall({ id: LIVE, userPoolId: POOL, enabled: false, deletedAt: "2026-01-01T00:00:00.000Z" }) }));
    const { client } = await cognito(() => [live]);
    const report = await reconcile({ cognito: client, dynamodb: fx.dynamo, userPoolId: POOL, tableName: t, attributeMap: {} });
    expect(report).toMatchObject({ present: 1, updated: 1, failed: 0 });
    expect(report.updatedFields).toMatchObject({ deletedAt: 1 });
    expect(await getRow(t, layout, LIVE)).toEqual({ id: LIVE, userPoolId: POOL, enabled: true, username: "ada", email: "ada@example.com", updatedAt: expect.any(String) });
  });
});

describe("prune needs two independent reads, and refuses a listing that saw nobody", () => {
  const rows = (n: number) => Array.from({ length: n }, (_, i) => user(`0000${String(i).padStart(4, "0")}-0000-4000-8000-000000000000`, `u${i}`));
  const memoryBackup = () => {
    const entries: BackupEntry[] = [];
    return { location: "memory", entries, write: async (e: BackupEntry) => void entries.push(e) };
  };
  const options = (t: string, client: ReconcileOptions["cognito"], extra: Partial<ReconcileOptions> = {}): ReconcileOptions => ({
    cognito: client,
    dynamodb: fx.dynamo,
    userPoolId: POOL,
    tableName: t,
    attributeMap: {},
    sleep: async () => undefined,
    ...extra,
  });

  test("ListUsers lags for one user (listing and filter): AdminGetUser finds them, and their row is kept", async () => {
    const layout = LAYOUTS[0][1];
    const t = await table(layout);
    const users = rows(10);
    for (const u of users) await putRow(t, layout, u);
    const lagging = users[3].Attributes![0].Value!;
    const { client, server } = await cognito(() => users, { lagging: () => new Set([lagging]) });
    const backup = memoryBackup();
    const report = await reconcile(options(t, client, { pruneOrphans: true, backup }));
    expect(report).toMatchObject({ orphans: 1, orphanIds: [lagging], pruned: 0, keptAlive: 1, failed: 0 });
    expect(backup.entries).toEqual([]);
    // Asked by the row's username first, which finds the user with that sub.
    expect(server.adminGetUserCalls).toEqual(["u3"]);
    expect(await getRow(t, layout, lagging)).toMatchObject({ username: "u3", bio: "app-owned" });
    expect(await scanAll(fx.dynamo, t)).toHaveLength(10);
  });

  test("a throttled or denied second read is never 'gone': nothing is deleted and the failure is reported", async () => {
    const layout = LAYOUTS[0][1];
    const t = await table(layout);
    const users = rows(5);
    for (const u of users) await putRow(t, layout, u);
    const lagging = users[0].Attributes![0].Value!;
    const { client, server } = await cognito(() => users, { lagging: () => new Set([lagging]) });
    server.fail("NotAuthorizedException", "AdminGetUser");
    const report = await reconcile(options(t, client, { pruneOrphans: true, backup: memoryBackup() }));
    expect(report).toMatchObject({ orphans: 1, pruned: 0, failed: 1 });
    expect(report.failures[0]).toMatchObject({ sub: lagging, error: expect.stringMatching(/NotAuthorizedException/) });
    expect(await scanAll(fx.dynamo, t)).toHaveLength(5);
  });

  test("a pool that lists no users: the prune of all 80 rows is refused and says why; --max-prune given explicitly lets it run", async () => {
    const layout = LAYOUTS[0][1];
    const t = await table(layout);
    for (const u of rows(80)) await putRow(t, layout, u);
    const { client } = await cognito(() => []);
    const refused = await reconcile(options(t, client, { pruneOrphans: true, backup: memoryBackup() }));
    expect(refused).toMatchObject({ scanned: 0, tableRows: 80, orphans: 80, pruned: 0, failed: 1 });
    expect(refused.pruneRefused).toMatch(/the listing saw 0 users, and 80 of this pool's 80 rows would go: .* --max-prune 80/);
    expect(await scanAll(fx.dynamo, t)).toHaveLength(80);
    const backup = memoryBackup();
    const explicit = await reconcile(options(t, client, { pruneOrphans: true, backup, maxPrune: 80 }));
    expect(explicit).toMatchObject({ pruned: 80, failed: 0 });
    expect(backup.entries).toHaveLength(80);
  });

  test("more orphans than the default safety limit (max(100, 5% of rows)): refused as a whole", async () => {
    const layout = LAYOUTS[0][1];
    const t = await table(layout);
    const all = rows(260);
    for (const u of all) await putRow(t, layout, u);
    const { client } = await cognito(() => all.slice(0, 150));
    const backup = memoryBackup();
    const report = await reconcile(options(t, client, { pruneOrphans: true, backup }));
    expect(report).toMatchObject({ tableRows: 260, orphans: 110, pruneLimit: 100, pruned: 0, failed: 1 });
    expect(report.pruneRefused).toMatch(/110 orphan rows exceed the safety limit of 100 \(5% of 260 rows, at least 100\)/);
    expect(backup.entries).toEqual([]);
    expect(await scanAll(fx.dynamo, t)).toHaveLength(260);
  });

  test("a stop while orphans are verified: the count matches the ids, and nothing is announced for deletion", async () => {
    const layout = LAYOUTS[0][1];
    const t = await table(layout);
    for (const u of rows(20)) await putRow(t, layout, u);
    const { client, server } = await cognito(() => []);
    const stop = new AbortController();
    const announced: string[][] = [];
    const wrapped = {
      send: async (command: any, opts?: any) => {
        const res = await client.send(command, opts);
        if (server.calls.filter((c) => c.input.Filter).length >= 3) stop.abort();
        return res;
      },
    };
    const report = await reconcile(options(t, wrapped as any, { pruneOrphans: true, maxPrune: 100, backup: memoryBackup(), stop: stop.signal, onOrphans: (ids) => announced.push([...ids]) }));
    expect(report.interrupted).toBe("stopped");
    expect(report.orphanIds.length).toBeGreaterThan(0);
    expect(report.orphans).toBe(report.orphanIds.length);
    expect(report.pruned).toBe(0);
    expect(announced).toEqual([]);
    expect(await scanAll(fx.dynamo, t)).toHaveLength(20);
  });
});

describe("restore checks the whole backup before it writes", () => {
  const dir = mkdtempSync(join(tmpdir(), "user-sync-restore-"));
  const line = (tableName: string, item: Record<string, unknown>) => JSON.stringify({ tableName, deletedAt: "2026-01-01T00:00:00.000Z", item: marshall(item) });
  const file = (name: string, lines: string[]) => {
    const path = join(dir, name);
    writeFileSync(path, `${lines.join("\n")}\n`);
    return path;
  };
  const refusal = async (run: Promise<unknown>) => {
    try {
      await run;
    } catch (err) {
      if (err instanceof RestoreError) return err;
      throw err;
    }
    throw new Error("restore was not refused");
  };

  test("a file truncated at line 11 restores nothing, and names the line", async () => {
    const t = await table();
    const lines = Array.from({ length: 10 }, (_, i) => line(t, { id: `r${i}`, userPoolId: POOL }));
    const path = file("truncated.jsonl", [...lines, line(t, { id: "r10", userPoolId: POOL }).slice(0, 30)]);
    const err = await refusal(restoreRows(fx.dynamo, { file: path }));
    expect(err.result).toMatchObject({ restored: 0, skipped: 0, refused: 1 });
    expect(err.message).toMatch(/truncated\.jsonl:11: not JSON/);
    expect(await scanAll(fx.dynamo, t)).toEqual([]);
  });

  test("a line of another pool, before a line of another key layout: nothing is written, both are refused", async () => {
    const t = await table();
    const path = file("mixed.jsonl", [line(t, { id: "a", userPoolId: POOL }), line(t, { id: "b", userPoolId: POOL }), line(t, { id: "c", userPoolId: "us-east-1_Other" }), line(t, { pk: "USER#d", userPoolId: POOL })]);
    const err = await refusal(restoreRows(fx.dynamo, { file: path }, { userPoolId: POOL }));
    expect(err.result).toMatchObject({ restored: 0, refused: 2 });
    expect(err.result.problems.join("\n")).toMatch(/mixed\.jsonl:3: a row of user pool us-east-1_Other; this restore is for us-east-1_Safety01/);
    expect(err.result.problems.join("\n")).toMatch(/mixed\.jsonl:4: the row has no id \(S\)/);
    expect(await scanAll(fx.dynamo, t)).toEqual([]);
  });

  test("a line naming a scratch table is refused; a missing file is a plain sentence", async () => {
    const path = file("scratch.jsonl", [line("user-sync-dev-reconcile-scratch", { pk: "run#x", sk: "backup#y", userPoolId: POOL })]);
    const err = await refusal(restoreRows(fx.dynamo, { file: path }));
    expect(err.message).toMatch(/user-sync-dev-reconcile-scratch is a reconcile scratch table, not a Users table/);
    const missing = await refusal(restoreRows(fx.dynamo, { file: join(dir, "nope.jsonl") }));
    expect(missing.message).toBe(`backup file ${join(dir, "nope.jsonl")} does not exist: give the path a reconcile report printed as its backup`);
  });

  test("a good file: restored and skipped are counted", async () => {
    const t = await table();
    await fx.dynamo.send(new PutItemCommand({ TableName: t, Item: marshall({ id: "back-again", userPoolId: POOL }) }));
    const path = file("good.jsonl", [line(t, { id: "gone", userPoolId: POOL, bio: "x" }), line(t, { id: "back-again", userPoolId: POOL, bio: "old" })]);
    expect(await restoreRows(fx.dynamo, { file: path })).toEqual({ restored: 1, skipped: 1, refused: 0, tables: [t], problems: [] });
    expect((await scanAll(fx.dynamo, t)).sort((a, b) => a.id.localeCompare(b.id))).toEqual([{ id: "back-again", userPoolId: POOL }, { id: "gone", userPoolId: POOL, bio: "x" }]);
  });
});

describe("reconcileMaxPrune: one rule for the setting and the worker", () => {
  test("0 stops synth with the rule and the fix; the worker's decoder refuses it too", () => {
    expect(() => loadConfig({ env: { USER_SYNC_RECONCILE_MAX_PRUNE: "0" }, file: false, warn: () => undefined })).toThrow(ConfigError);
    expect(() => loadConfig({ env: { USER_SYNC_RECONCILE_MAX_PRUNE: "0" }, file: false, warn: () => undefined })).toThrow(
      /reconcileMaxPrune \(USER_SYNC_RECONCILE_MAX_PRUNE\): 0 must be a whole number, 1 or more; to delete no orphans, leave reconcilePrune off/,
    );
    const base = { tableName: "t", attributeMap: {}, userPoolId: POOL, scratchTableName: "s", rate: 20, sliceMs: 600_000, prune: true };
    expect(() => readReconcileWorkerSettings({ ...reconcileWorkerEnvironment(base), RECONCILE_MAX_PRUNE: "0" })).toThrow(/RECONCILE_MAX_PRUNE: must be a whole number, 1 or more/);
    expect(readReconcileWorkerSettings(reconcileWorkerEnvironment({ ...base, maxPrune: 1 })).maxPrune).toBe(1);
  });
});

describe("the local EventBridge matcher follows event-ruler on exists and objects", () => {
  test("exists only sees leaves: an object-valued field matches exists:false and not exists:true", () => {
    expect(matchesPattern({ detail: { errorCode: [{ exists: false }] } }, { detail: { errorCode: { c1: 100 } } })).toBe(true);
    expect(matchesPattern({ detail: { errorCode: [{ exists: true }] } }, { detail: { errorCode: { c1: 100 } } })).toBe(false);
    expect(matchesPattern({ detail: { errorCode: [{ exists: true }] } }, { detail: { errorCode: "AccessDenied" } })).toBe(true);
    expect(matchesPattern({ detail: { state: [{ prefix: "run" }] } }, { detail: { state: ["initializing", "running"] } })).toBe(true);
  });
});

describe("the table writes' own conditions (what holds even when a check before them is wrong)", () => {
  const OTHER = "us-east-1_OtherPool9";
  const T0 = new Date("2026-05-01T10:00:00.000Z");
  async function rows() {
    const t = await table();
    const layout = LAYOUTS[0][1];
    const mine = user(LIVE, "ann");
    const theirs = user("7f1c2d3e-4a5b-4c6d-8e7f-901234567890", "bob");
    await putRow(t, layout, mine);
    await fx.dynamo.send(new PutItemCommand({ TableName: t, Item: marshall({ id: theirs.Attributes![0].Value, userPoolId: OTHER, username: "bob", email: "bob@example.com" }) }));
    return { t, mine: rowKey(layout, LIVE), theirs: rowKey(layout, theirs.Attributes![0].Value!) };
  }

  test("erase and delete skip a row of another pool, and a row that is not there", async () => {
    const { t, theirs } = await rows();
    const before = await getRow(t, LAYOUTS[0][1], theirs.id);
    expect(await eraseUserRecord(fx.dynamo, t, theirs, ["username", "email"], { now: T0, userPoolId: POOL })).toBe("skipped");
    expect(await deleteUserRecord(fx.dynamo, t, theirs, POOL)).toBe("skipped");
    expect(await getRow(t, LAYOUTS[0][1], theirs.id)).toEqual(before);
    const missing = rowKey(LAYOUTS[0][1], "00000000-0000-4000-8000-00000000dead");
    expect(await eraseUserRecord(fx.dynamo, t, missing, ["email"], { now: T0, userPoolId: POOL })).toBe("skipped");
    expect(await deleteUserRecord(fx.dynamo, t, missing, POOL)).toBe("skipped");
    expect(await getRow(t, LAYOUTS[0][1], "00000000-0000-4000-8000-00000000dead")).toBeUndefined();
  });

  test("a delete of this pool's row deletes it; an erasure under conflict detection is AppSync's soft delete with its TTL", async () => {
    const { t, mine } = await rows();
    expect(await eraseUserRecord(fx.dynamo, t, mine, ["username", "email"], { now: T0, userPoolId: POOL, conflictDetection: true, tombstone: true })).toBe("erased");
    const row = (await getRow(t, LAYOUTS[0][1], LIVE))!;
    expect(row).toMatchObject({ deletedAt: T0.toISOString(), updatedAt: T0.toISOString(), enabled: false, _deleted: true, _version: 1, _lastChangedAt: T0.getTime(), _ttl: T0.getTime() / 1000 + TOMBSTONE_TTL_SECONDS, bio: "app-owned" });
    expect(row.username).toBeUndefined();
    expect(row.email).toBeUndefined();
    // A second erasure keeps the first one's deletedAt.
    const later = new Date(T0.getTime() + 60_000);
    expect(await eraseUserRecord(fx.dynamo, t, mine, [], { now: later, userPoolId: POOL })).toBe("erased");
    expect((await getRow(t, LAYOUTS[0][1], LIVE))!.deletedAt).toBe(T0.toISOString());
    expect(await deleteUserRecord(fx.dynamo, t, mine, POOL)).toBe("deleted");
    expect(await getRow(t, LAYOUTS[0][1], LIVE)).toBeUndefined();
  });

  test("a plain erasure writes no AppSync fields", async () => {
    const { t, mine } = await rows();
    expect(await eraseUserRecord(fx.dynamo, t, mine, ["email"], { now: T0, userPoolId: POOL })).toBe("erased");
    const row = (await getRow(t, LAYOUTS[0][1], LIVE))!;
    for (const f of ["_deleted", "_ttl", "_version", "_lastChangedAt"]) expect([f, row[f]]).toEqual([f, undefined]);
    expect(row).toMatchObject({ username: "ann", deletedAt: T0.toISOString(), enabled: false });
  });
});

describe("what an event does, and what it says it did (each outcome, on the row and in Cognito's calls)", () => {
  const layout = LAYOUTS[1][1];
  const SUB = "5e1c2d3e-4a5b-4c6d-8e7f-901234567890";
  const T0 = "2026-01-01T00:00:00.000Z";
  const listed = (status = "CONFIRMED", email = "ann@example.com"): UserType => ({ ...user(SUB, "ann", email), UserStatus: status as UserType["UserStatus"] });
  type Case = {
    readonly users: UserType[];
    readonly row?: Record<string, unknown>;
    readonly signal: Record<string, unknown>;
    readonly ctx?: Partial<UserEventsContext>;
    readonly outcome: string;
    readonly after: (row: Record<string, any> | undefined, before: Record<string, any> | undefined) => void;
    /** Cognito calls the event may make: none for a row-first event whose row is there. */
    readonly calls?: number;
  };
  const mine = { ...rowKey(layout, SUB), userPoolId: POOL, username: "ann", email: "ann@example.com", updatedAt: T0, createdAt: T0, bio: "app" };
  const unchanged = (row: any, before: any) => expect(row).toEqual(before);
  const cases: Array<[string, Case]> = [
    ["no user and no row", { users: [], signal: { sub: SUB, deletes: true }, outcome: "unknown-user", after: (row) => expect(row).toBeUndefined() }],
    ["an unconfirmed user with no row", { users: [listed("UNCONFIRMED")], signal: { sub: SUB }, outcome: "no-row", after: (row) => expect(row).toBeUndefined() }],
    ["an invited user, rows at invitation", { users: [listed("FORCE_CHANGE_PASSWORD")], signal: { sub: SUB }, ctx: { rowsAtInvite: true }, outcome: "created", after: (row) => expect(row).toMatchObject({ invited: true, username: "ann" }) }],
    ["a confirmed user with no row", { users: [listed()], signal: { sub: SUB }, outcome: "created", after: (row) => expect(row).toMatchObject({ username: "ann", email: "ann@example.com", userPoolId: POOL }) }],
    ["a confirmed user found by username only", { users: [listed()], signal: { username: "ann" }, outcome: "created", after: (row) => expect(row).toMatchObject({ username: "ann" }) }],
    ["a row-first event whose row is there", { users: [listed()], row: mine, signal: { sub: SUB, rowFirst: true }, outcome: "present", after: unchanged, calls: 0 }],
    ["a row-first event whose row is a tombstone", { users: [listed()], row: { ...mine, deletedAt: T0, username: undefined }, signal: { sub: SUB, rowFirst: true }, outcome: "refreshed", after: (row) => expect(row).toMatchObject({ username: "ann", bio: "app" }) }],
    ["a row that already matches", { users: [listed()], row: mine, signal: { sub: SUB }, outcome: "unchanged", after: unchanged }],
    ["a changed email", { users: [listed("CONFIRMED", "new@example.com")], row: mine, signal: { sub: SUB }, outcome: "refreshed", after: (row) => expect(row).toMatchObject({ email: "new@example.com", bio: "app", createdAt: T0 }) }],
    ["another pool's row under this key", { users: [], row: { ...mine, userPoolId: "us-east-1_OtherPool9" }, signal: { sub: SUB, userPoolId: POOL, deletes: true }, outcome: "other-pool", after: unchanged }],
    ["a gone user, onUserDeleted keep", { users: [], row: mine, signal: { sub: SUB, deletes: true }, ctx: { onUserDeleted: "keep" }, outcome: "kept", after: unchanged }],
    ["a gone user, erase", { users: [], row: mine, signal: { sub: SUB, deletes: true }, outcome: "erased", after: (row) => (expect(row).toMatchObject({ bio: "app", enabled: false, deletedAt: expect.any(String) }), expect(row).not.toHaveProperty("email")) }],
    ["a gone user whose row is already erased", { users: [], row: { ...rowKey(layout, SUB), userPoolId: POOL, deletedAt: T0, enabled: false }, signal: { sub: SUB, deletes: true }, outcome: "erased", after: unchanged }],
    ["a gone user, delete", { users: [], row: mine, signal: { sub: SUB, deletes: true }, ctx: { onUserDeleted: "delete" }, outcome: "deleted", after: (row) => expect(row).toBeUndefined() }],
    [
      "a gone user, delete under conflict detection",
      { users: [], row: { ...mine, _version: 2 }, signal: { sub: SUB, deletes: true }, ctx: { onUserDeleted: "delete", amplify: { typename: "User", ownerFormat: "{sub}", conflictDetection: true } }, outcome: "deleted", after: (row) => expect(row).toMatchObject({ _deleted: true, _version: 3, bio: "app" }) },
    ],
  ];
  test.each(cases)("%s", async (_, c) => {
    const t = await table(layout);
    if (c.row) await fx.dynamo.send(new PutItemCommand({ TableName: t, Item: marshall(c.row, { removeUndefinedValues: true }) }));
    const before = await getRow(t, layout, SUB);
    const { client, server } = await cognito(() => c.users);
    const ctx: UserEventsContext = { cognito: client, dynamodb: fx.dynamo, userPoolId: POOL, tableName: t, onUserDeleted: "erase", attributeMap: {}, keyLayout: layout, ...c.ctx };
    expect(await applyUserEvent(ctx, c.signal as any)).toEqual({ outcome: c.outcome, sub: SUB });
    c.after(await getRow(t, layout, SUB), before);
    if (c.calls !== undefined) expect(server.calls).toHaveLength(c.calls);
  });
});
