/**
 * The simulated system: a Cognito model, dynalite's engine in process, and
 * the real code of core/ acting on them: the trigger's write, the user-events
 * function's parse and apply (behind the rule's own pattern), the scheduled
 * worker's steps, the CLI's reconcile and restore. Deliveries wait in queues
 * so a history can delay, duplicate, reorder or lose them; faults are
 * switched on and off by the history. The world keeps what the invariants
 * need: app writes, first createdAt per row, prune deletions and backups.
 */
import { CreateTableCommand, DescribeTableCommand, GetItemCommand, PutItemCommand, ScanCommand, UpdateItemCommand, type AttributeValue, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_ATTRIBUTE_MAP } from "../../core/row-fields";
import { keyNames, MalformedInputError, rowKey, type KeyLayout } from "../../core/row-key";
import { reconcile } from "../../core/reconcile/engine";
import type { BackupEntry } from "../../core/reconcile/orphans";
import type { ReconcileReport } from "../../core/reconcile/report";
import { SCRATCH_TABLE } from "../../core/reconcile/scratch";
import { step, type RunState } from "../../core/reconcile/worker";
import { applyUserEvent } from "../../core/user-events/apply";
import { MalformedEvent, NotAUserEvent, parseUserEvent, userEventsPattern } from "../../core/user-events/cloudtrail";
import { buildUserRecord, type RowMapping } from "../../core/user-record";
import { createUserRecordIfAbsent } from "../../core/user-store";
import { matchesPattern } from "../local/stand-ins/event-pattern";
import { backupFile } from "../reconcile/backup-file";
import { restoreRows } from "../reconcile/restore";
import { CognitoModel, type ModelUser } from "./cognito-model";
import { inProcessDynamoDB } from "./dynamodb";
import type { SimEvent } from "./events";
import { LAYOUTS, OTHER_POOL, OTHER_POOL_SUB, POOL, RESIDENT, SCRATCH, TABLE, TRIGGER, type Actor, type PendingEvent, type PendingTrigger, type PruneDeletion, type Sabotage, type SimConfig, type SyncWrite, SYNC_ACTORS, WRITES } from "./config";

export { InvariantViolation, OTHER_POOL, OTHER_POOL_SUB, POOL, RESIDENT, TABLE, type Sabotage, type SimConfig } from "./config";

export class World {
  readonly layout: KeyLayout;
  readonly mapping: RowMapping;
  readonly cognito: CognitoModel;
  readonly pattern: Record<string, unknown>;
  /** The fake clock: every reading advances it; sleeping advances it further. */
  private time = Date.parse("2026-01-01T00:00:00Z");
  readonly now = () => ++this.time;
  readonly sleep = async (ms: number) => void (this.time += Math.max(0, ms));
  /** DynamoDB calls that fail next (an outage), for the actors that can meet one. */
  ddbOutage = 0;
  readonly triggers: PendingTrigger[] = [];
  readonly events: PendingEvent[] = [];
  /** App-owned fields as the app last wrote them, by row key. */
  readonly appFields = new Map<string, Record<string, unknown>>();
  readonly createdAt = new Map<string, string>();
  /** Subs of live users whose row has been seen: it must never disappear while they live. */
  readonly rowsOfLiveUsers = new Set<string>();
  /** Deleted users whose delete event was processed (not lost, not failed). */
  readonly deleteProcessed = new Set<string>();
  readonly deletedSubs = new Set<string>();
  /** Keys a restore put back: as they were when pruned, on the operator's word (invariant 2 does not expect them erased). */
  readonly restoredKeys = new Set<string>();
  readonly pruned: PruneDeletion[] = [];
  readonly engineBackups = new Map<string, { file: string; entries: BackupEntry[] }>();
  readonly workerRuns: string[] = [];
  /** The worker run in progress: its last state. */
  run?: RunState;
  /** Unfiltered listings and finished full scans before the run started (invariant 4). */
  runStart?: { listings: number; scans: number };
  fullScansFinished = 0;
  /** Items that are not this pool's rows, as they must stay. */
  readonly foreign = new Map<string, Record<string, AttributeValue>>();
  readonly log: string[] = [];
  /** Every write the sync made since the last check (invariant 6). */
  readonly syncWrites: SyncWrite[] = [];
  private readonly ddb = inProcessDynamoDB();
  private readonly dir = mkdtempSync(join(tmpdir(), "user-sync-sim-"));
  private engineRuns = 0;

  private constructor(
    readonly config: SimConfig,
    private readonly sabotage?: Sabotage,
  ) {
    this.layout = LAYOUTS[config.layout];
    this.mapping = {
      attributeMap: DEFAULT_ATTRIBUTE_MAP,
      keyLayout: this.layout,
      rowsAtInvite: config.rowsAtInvite,
      amplify: config.amplify === "off" ? undefined : { typename: "User", ownerField: "owner", ownerFormat: "{sub}::{username}", conflictDetection: config.amplify === "conflict-detection" },
    };
    this.cognito = new CognitoModel(POOL, config.pageSize, this.now, TRIGGER);
    this.pattern = userEventsPattern({ rowsAtInvite: config.rowsAtInvite });
  }

  static async create(config: SimConfig, sabotage?: Sabotage): Promise<World> {
    const world = new World(config, sabotage);
    await world.setUp();
    return world;
  }

  private async setUp() {
    const keys = keyNames(this.layout);
    const table = (name: string, names: string[]) =>
      this.ddb.client.send(
        new CreateTableCommand({
          TableName: name,
          BillingMode: "PAY_PER_REQUEST",
          AttributeDefinitions: names.map((n) => ({ AttributeName: n, AttributeType: "S" })),
          KeySchema: names.map((n, i) => ({ AttributeName: n, KeyType: i === 0 ? "HASH" : "RANGE" })),
        }),
      );
    await table(TABLE, keys);
    await table(SCRATCH, [SCRATCH_TABLE.partitionKey, SCRATCH_TABLE.sortKey]);
    for (const name of [TABLE, SCRATCH]) {
      while ((await this.ddb.client.send(new DescribeTableCommand({ TableName: name }))).Table?.TableStatus !== "ACTIVE") await new Promise((r) => setImmediate(r));
    }
    // Another pool's user row, and in a shared table another entity: never to be touched.
    const foreign: Record<string, unknown>[] = [{ ...rowKey(this.layout, OTHER_POOL_SUB), userPoolId: OTHER_POOL, username: "other", email: "other@example.com", createdAt: "2025-01-01T00:00:00.000Z" }];
    if (this.layout.sortKey) foreign.push({ [keys[0]]: "ORDER#1", [keys[1]]: "ITEM#1", total: 5 });
    for (const item of foreign) {
      const marshalled = marshall(item);
      await this.ddb.client.send(new PutItemCommand({ TableName: TABLE, Item: marshalled }));
      this.foreign.set(this.keyString(marshalled), marshalled);
    }
    // A resident of the pool, with a row: a table with only another pool's rows is refused by
    // preflight (a wrong pool id), so the pool always has one user histories do not delete.
    const resident = this.cognito.create(RESIDENT, "CONFIRMED", { email: "resident@example.com", email_verified: "true" })!;
    await this.runTrigger({ sub: resident.sub, username: resident.username, attributes: { ...resident.attributes } });
  }

  async close(): Promise<void> {
    await this.ddb.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  keyString(item: Record<string, AttributeValue>): string {
    return JSON.stringify(keyNames(this.layout).map((k) => item[k]?.S));
  }

  keyOf(sub: string): Record<string, AttributeValue> {
    return marshall(rowKey(this.layout, sub));
  }

  /** DynamoDB as one actor sees it: outages, and the record of every prune delete. */
  dynamodb(actor: Actor, run?: () => string): Pick<DynamoDBClient, "send"> {
    return {
      send: (async (original: any) => {
        const command = this.sabotage?.(actor, original) ?? original;
        if (this.ddbOutage > 0 && actor !== "app" && actor !== "restore") {
          this.ddbOutage--;
          throw Object.assign(new Error("simulated outage"), { name: "InternalServerError" });
        }
        const name = command.constructor.name;
        if (SYNC_ACTORS.has(actor) && WRITES.has(name) && command.input.TableName === TABLE) {
          const key = command.input.Key ?? Object.fromEntries(keyNames(this.layout).map((k) => [k, command.input.Item[k]]));
          const read = async () => (await this.ddb.client.send(new GetItemCommand({ TableName: TABLE, Key: key, ConsistentRead: true }))).Item;
          const before = await read();
          const out = await this.ddb.client.send(command);
          this.syncWrites.push({ actor, command: name, key: this.keyString(key), before, after: await read() });
          if (name === "DeleteItemCommand" && actor === "reconcile" && before) this.pruned.push({ run: run!(), key, item: before });
          return out;
        }
        const out: any = await this.ddb.client.send(command);
        // The orphan scan (not the preflight's sample, which has a Limit) ran to its end.
        if (name === "ScanCommand" && actor === "reconcile" && command.input.TableName === TABLE && command.input.Limit === undefined && !out.LastEvaluatedKey) this.fullScansFinished++;
        return out;
      }) as DynamoDBClient["send"],
    };
  }

  async items(): Promise<Array<Record<string, AttributeValue>>> {
    const items: Array<Record<string, AttributeValue>> = [];
    let ExclusiveStartKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.ddb.client.send(new ScanCommand({ TableName: TABLE, ExclusiveStartKey }));
      items.push(...(page.Items ?? []));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return items;
  }

  async row(sub: string): Promise<Record<string, any> | undefined> {
    const res = await this.ddb.client.send(new GetItemCommand({ TableName: TABLE, Key: this.keyOf(sub), ConsistentRead: true }));
    return res.Item ? unmarshall(res.Item) : undefined;
  }

  /** The PostConfirmation trigger's write, with the attributes of its event. */
  async runTrigger(t: PendingTrigger): Promise<string> {
    const record = buildUserRecord({ userName: t.username, userPoolId: POOL, attributes: t.attributes }, { ...this.mapping, now: new Date(this.now()) });
    return createUserRecordIfAbsent(this.dynamodb("trigger"), TABLE, record, this.layout);
  }

  /** What the user-events function does with a delivered event (rule, parse, apply); throws when Lambda would retry. */
  async runEvent(event: SimEvent): Promise<{ outcome: string; sub?: string }> {
    if (!matchesPattern(this.pattern, event)) return { outcome: "filtered" };
    let signal;
    try {
      signal = parseUserEvent(event);
    } catch (err) {
      if (err instanceof NotAUserEvent) return { outcome: "ignored" };
      if (err instanceof MalformedEvent) return { outcome: "malformed" };
      throw err;
    }
    try {
      const result = await applyUserEvent(
        { ...this.mapping, cognito: this.cognito.client, dynamodb: this.dynamodb("events"), userPoolId: POOL, tableName: TABLE, onUserDeleted: this.config.onUserDeleted, now: () => new Date(this.now()) },
        signal,
      );
      if ((signal.eventName === "AdminDeleteUser" || signal.eventName === "DeleteUser") && signal.sub && this.deletedSubs.has(signal.sub)) this.deleteProcessed.add(signal.sub);
      return result;
    } catch (err) {
      if (err instanceof MalformedInputError) return { outcome: "malformed" };
      throw err;
    }
  }

  /** One step of the scheduled worker (a new run when none is going); `again` retries the same input, as Step Functions does after a failure. */
  async workerStep(sliceMs: number, again: boolean): Promise<RunState> {
    if (!this.run) this.runStart = { listings: this.cognito.listings.length, scans: this.fullScansFinished };
    const input = { state: this.run ?? { phase: "start" as const } };
    const ctx = {
      cognito: this.cognito.client,
      dynamodb: this.dynamodb("reconcile", () => this.run?.runId ?? "worker"),
      sfn: { send: async () => ({ executions: [] }) } as any,
      settings: { ...this.mapping, userPoolId: POOL, tableName: TABLE, scratchTableName: SCRATCH, rate: 1_000, sliceMs, prune: this.config.prune, postConfirmationFunction: TRIGGER },
      remainingMs: () => 900_000,
      sleep: this.sleep,
      now: this.now,
    };
    if (again) await step(input, ctx);
    const next = await step(input, ctx);
    if (!this.workerRuns.includes(next.runId)) this.workerRuns.push(next.runId);
    this.run = next.phase === "done" ? undefined : next;
    return next;
  }

  /** The CLI's reconcile, pruning (with a file backup) when the config says so. */
  async engineRun(): Promise<{ report: ReconcileReport; run: string; listings: number; scans: number }> {
    const run = `engine-${++this.engineRuns}`;
    const file = join(this.dir, `${run}.jsonl`);
    const backup = backupFile(file);
    const entries: BackupEntry[] = [];
    this.engineBackups.set(run, { file, entries });
    const start = { listings: this.cognito.listings.length, scans: this.fullScansFinished };
    try {
      const report = await reconcile({
        ...this.mapping,
        cognito: this.cognito.client,
        dynamodb: this.dynamodb("reconcile", () => run),
        userPoolId: POOL,
        tableName: TABLE,
        pruneOrphans: this.config.prune,
        backup: { location: file, write: async (entry) => (entries.push(entry), backup.write(entry)) },
        rate: 1_000,
        sleep: this.sleep,
        now: this.now,
      });
      return { report, run, ...start };
    } finally {
      await backup.close();
    }
  }

  /** Restore a run's backup (the CLI's restore: from the file, or from the scratch table). */
  async restore(run: string) {
    const engine = this.engineBackups.get(run);
    if (engine && engine.entries.length === 0) return undefined;
    return restoreRows(this.dynamodb("restore"), engine ? { file: engine.file } : { scratchTable: SCRATCH, runId: run });
  }

  /** The app's own write: app-owned fields, only to a row that exists. */
  async appWrite(item: Record<string, AttributeValue>, bio: string): Promise<void> {
    const key = Object.fromEntries(keyNames(this.layout).map((k) => [k, item[k]]));
    const keyString = this.keyString(item);
    if (this.foreign.has(keyString)) return;
    const count = Number((this.appFields.get(keyString)?.postCount as number | undefined) ?? 0) + 1;
    try {
      await this.ddb.client.send(
        new UpdateItemCommand({
          TableName: TABLE,
          Key: key,
          UpdateExpression: "SET bio = :bio, postCount = :n",
          ConditionExpression: `attribute_exists(${keyNames(this.layout)[0]})`,
          ExpressionAttributeValues: marshall({ ":bio": bio, ":n": count }),
        }),
      );
      this.appFields.set(keyString, { bio, postCount: count });
    } catch (err) {
      if ((err as Error).name !== "ConditionalCheckFailedException") throw err;
    }
  }

  /** For the deleted user's events: the last delete happened. */
  markDeleted(user: ModelUser): void {
    this.deletedSubs.add(user.sub);
    this.rowsOfLiveUsers.delete(user.sub);
  }

  /** The raw table client (no outage, no record). */
  get raw(): Pick<DynamoDBClient, "send"> {
    return this.ddb.client;
  }
}
