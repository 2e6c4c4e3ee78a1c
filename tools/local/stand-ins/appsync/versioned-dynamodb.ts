/**
 * AppSync's versioned DynamoDB data source, which Amplify's simulator does not
 * have: what conflict detection and DataStore's delta sync rest on. From
 * AppSync's documentation ("Versioning DynamoDB data sources", "Conflict
 * detection and resolution", "Sync operations"):
 * - every mutation adds 1 to `_version` and sets `_lastChangedAt` (epoch ms);
 *   a create starts at 1;
 * - an update or delete whose `_version` is not the item's is a conflict:
 *   OPTIMISTIC_CONCURRENCY rejects it (ConflictUnhandled, with the item);
 *   AUTOMERGE keeps the server's value of every field it already has and
 *   takes the incoming value only where it has none;
 * - a delete is a tombstone: `_deleted: true`, `_ttl` BaseTableTTL minutes on;
 * - every mutation is recorded in the Delta table (kept DeltaSyncTableTTL
 *   minutes there; dynalite expires nothing, so here Sync's choice of table
 *   is what the TTL decides);
 * - Sync scans the Base table, or, when `lastSync` is within the Delta
 *   table's TTL, reads the Delta table from `lastSync` on; its answer carries
 *   `startedAt`.
 * Writes made to the table outside AppSync are in the Base table only: no
 * Delta record, so no delta sync sees them.
 */
import {
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  UpdateItemCommand,
  type AttributeValue,
} from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import type { ConflictHandler } from "./amplify-transform";

export interface VersionedDataSourceConfig {
  readonly name: string;
  readonly type: string;
  readonly config: {
    readonly endpoint: string;
    readonly region: string;
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly tableName: string;
    readonly deltaSyncTableName: string;
    readonly deltaSyncTableTtlMinutes: number;
    readonly baseTableTtlMinutes: number;
    readonly conflictHandler: ConflictHandler;
    /** The local AppSync's clock. @default Date.now */
    readonly now?: () => number;
  };
}

type Condition = { expression?: string; expressionNames?: Record<string, string>; expressionValues?: Record<string, AttributeValue> };
type Item = Record<string, any>;

const appSyncError = (message: string, type: string, data?: unknown) => Object.assign(new Error(message), { type, data });
const isConditionFailure = (err: unknown) => (err as Error)?.name === "ConditionalCheckFailedException";
const VERSION_FIELDS = new Set(["_version", "_lastChangedAt", "_deleted", "_ttl"]);

export class VersionedDynamoDBDataLoader {
  private readonly client: DynamoDBClient;
  private readonly table: string;
  private readonly delta: string;
  private readonly now: () => number;

  constructor(private readonly source: VersionedDataSourceConfig) {
    const c = source.config;
    this.client = new DynamoDBClient({ endpoint: c.endpoint, region: c.region, credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey } });
    this.table = c.tableName;
    this.delta = c.deltaSyncTableName;
    this.now = c.now ?? Date.now;
  }

  async load(request: any): Promise<unknown> {
    try {
      switch (request.operation) {
        case "GetItem":
          return await this.get(request.key, request.consistentRead);
        case "PutItem":
          return await this.put(request);
        case "UpdateItem":
          return await this.update(request);
        case "DeleteItem":
          return await this.remove(request);
        case "Scan":
          return await this.scan(this.table, request.filter, request.limit, request.nextToken);
        case "Query":
          return await this.query(request);
        case "Sync":
          return await this.sync(request);
        default:
          throw appSyncError(`the local AppSync does not run ${request.operation} on a versioned data source`, "UnsupportedOperation");
      }
    } catch (err) {
      if (isConditionFailure(err)) throw appSyncError("The conditional request failed", "DynamoDB:ConditionalCheckFailedException");
      throw err;
    }
  }

  private async get(key: Record<string, AttributeValue>, consistent = true): Promise<Item | null> {
    const res = await this.client.send(new GetItemCommand({ TableName: this.table, Key: key, ConsistentRead: consistent }));
    return res.Item ? unmarshall(res.Item) : null;
  }

  private async put(request: any): Promise<Item> {
    const now = this.now();
    const item = { ...request.key, ...request.attributeValues, ...marshall({ _version: 1, _lastChangedAt: now }) };
    const c: Condition = request.condition ?? {};
    await this.client.send(
      new PutItemCommand({ TableName: this.table, Item: item, ConditionExpression: c.expression, ExpressionAttributeNames: c.expressionNames, ExpressionAttributeValues: c.expressionValues }),
    );
    const written = unmarshall(item);
    await this.record(written, now);
    return written;
  }

  /** The version check, then the conflict handler: the update to apply, or a rejection. */
  private async versioned(request: any): Promise<{ current: Item; update: { expression: string; expressionNames?: Record<string, string>; expressionValues?: Record<string, AttributeValue> } }> {
    const current = await this.get(request.key);
    // A missing item fails the template's own attribute_exists condition.
    if (!current) throw Object.assign(new Error("The conditional request failed"), { name: "ConditionalCheckFailedException" });
    const update = request.update ?? { expression: "" };
    if (current._version === request._version) return { current, update };
    if (this.source.config.conflictHandler === "OPTIMISTIC_CONCURRENCY") throw appSyncError("Conflict resolver rejects mutation.", "ConflictUnhandled", current);
    // AUTOMERGE: a field the server already holds keeps its value.
    return { current, update: automerge(update, current) };
  }

  private async update(request: any): Promise<Item> {
    const { current, update } = await this.versioned(request);
    return this.write(request, current, update, {});
  }

  private async remove(request: any): Promise<Item> {
    const { current } = await this.versioned(request);
    const now = this.now();
    return this.write(request, current, { expression: "" }, { _deleted: true, _ttl: Math.floor(now / 1000) + this.source.config.baseTableTtlMinutes * 60 }, now);
  }

  /** The mutation, conditioned on the version it was decided on, with AppSync's bookkeeping; then its Delta record. */
  private async write(request: any, current: Item, update: { expression: string; expressionNames?: Record<string, string>; expressionValues?: Record<string, AttributeValue> }, extra: Item, now = this.now()): Promise<Item> {
    const bookkeeping = { ...extra, _version: current._version + 1, _lastChangedAt: now };
    const names: Record<string, string> = { ...(request.condition?.expressionNames ?? {}), ...(update.expressionNames ?? {}), "#__v": "_version" };
    const values: Record<string, AttributeValue> = { ...(request.condition?.expressionValues ?? {}), ...(update.expressionValues ?? {}), ":__expected": { N: String(current._version) } };
    const sets = Object.entries(bookkeeping).map(([field, value], i) => {
      names[`#__b${i}`] = field;
      values[`:__b${i}`] = marshall({ v: value }).v;
      return `#__b${i} = :__b${i}`;
    });
    const expression = /^\s*SET\s/i.test(update.expression) ? update.expression.replace(/^\s*SET\s/i, `SET ${sets.join(", ")}, `) : `SET ${sets.join(", ")} ${update.expression}`;
    const condition = ["#__v = :__expected", ...(request.condition?.expression ? [parenthesized(request.condition.expression)] : [])].join(" AND ");
    const res = await this.client.send(
      new UpdateItemCommand({ TableName: this.table, Key: request.key, UpdateExpression: expression.trim(), ConditionExpression: condition, ExpressionAttributeNames: names, ExpressionAttributeValues: values, ReturnValues: "ALL_NEW" }),
    );
    const written = unmarshall(res.Attributes!);
    await this.record(written, now);
    return written;
  }

  /** The Delta table's record of one mutation, under a key of its own (AppSync's format is internal). */
  private async record(item: Item, at: number) {
    const record = { ...item, ds_pk: `${this.table}:${new Date(at).toISOString().slice(0, 10)}`, ds_sk: `${new Date(at).toISOString()}:${JSON.stringify(item.id)}:${item._version}` };
    await this.client.send(new PutItemCommand({ TableName: this.delta, Item: marshall(record, { removeUndefinedValues: true }) }));
  }

  private async sync(request: any): Promise<unknown> {
    const startedAt = this.now();
    const deltaFrom = startedAt - this.source.config.deltaSyncTableTtlMinutes * 60_000;
    if (request.lastSync === null || request.lastSync === undefined || request.lastSync < deltaFrom) {
      return { ...(await this.scan(this.table, request.filter, request.limit, request.nextToken)), startedAt };
    }
    const since: Condition = { expression: "#__lca >= :__since", expressionNames: { "#__lca": "_lastChangedAt" }, expressionValues: { ":__since": { N: String(request.lastSync) } } };
    const filter = request.filter?.expression ? { expression: `${parenthesized(request.filter.expression)} AND ${since.expression}`, expressionNames: { ...request.filter.expressionNames, ...since.expressionNames }, expressionValues: { ...request.filter.expressionValues, ...since.expressionValues } } : since;
    const page = await this.scan(this.delta, filter, request.limit, request.nextToken);
    const items = page.items.map(({ ds_pk: _pk, ds_sk: _sk, ...item }) => item).sort((a, b) => a._lastChangedAt - b._lastChangedAt);
    return { ...page, items, startedAt };
  }

  private async scan(table: string, filter: Condition | undefined, limit?: number, nextToken?: string): Promise<Page> {
    const res = await this.client.send(
      new ScanCommand({
        TableName: table,
        ConsistentRead: true,
        Limit: limit,
        ExclusiveStartKey: fromToken(nextToken),
        ...(filter?.expression ? { FilterExpression: filter.expression, ExpressionAttributeNames: nonEmpty(filter.expressionNames), ExpressionAttributeValues: nonEmpty(filter.expressionValues) } : {}),
      }),
    );
    return page(res);
  }

  private async query(request: any): Promise<Page> {
    const key: Condition = request.query;
    const filter: Condition | undefined = request.filter?.expression ? request.filter : undefined;
    const res = await this.client.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: request.index,
        KeyConditionExpression: key.expression,
        FilterExpression: filter?.expression,
        ExpressionAttributeNames: nonEmpty({ ...key.expressionNames, ...filter?.expressionNames }),
        ExpressionAttributeValues: nonEmpty({ ...key.expressionValues, ...filter?.expressionValues }),
        ScanIndexForward: request.scanIndexForward ?? true,
        ConsistentRead: request.index ? false : Boolean(request.consistentRead),
        Limit: request.limit,
        ExclusiveStartKey: fromToken(request.nextToken),
      }),
    );
    return page(res);
  }
}

/** `(e)`, unless e is already one parenthesized whole (DynamoDB refuses redundant parentheses). */
function parenthesized(expression: string): string {
  const e = expression.trim();
  if (e.startsWith("(")) {
    let depth = 0;
    for (let i = 0; i < e.length; i++) {
      depth += e[i] === "(" ? 1 : e[i] === ")" ? -1 : 0;
      if (depth === 0) return i === e.length - 1 ? e : `(${e})`;
    }
  }
  return `(${e})`;
}

type Page = { items: Item[]; nextToken: string | null; scannedCount: number };
const nonEmpty = <T>(values: Record<string, T> | undefined) => (values && Object.keys(values).length ? values : undefined);
const fromToken = (token: string | undefined) => (token ? JSON.parse(Buffer.from(token, "base64").toString()) : undefined);
const page = (res: { Items?: Record<string, AttributeValue>[]; LastEvaluatedKey?: Record<string, AttributeValue>; ScannedCount?: number }): Page => ({
  items: (res.Items ?? []).map((i) => unmarshall(i)),
  nextToken: res.LastEvaluatedKey ? Buffer.from(JSON.stringify(res.LastEvaluatedKey)).toString("base64") : null,
  scannedCount: res.ScannedCount ?? 0,
});

/**
 * AUTOMERGE for the SET and REMOVE clauses Amplify's update template writes
 * (`SET #a = :a, ... REMOVE #b, ...`): an assignment or removal of a field the
 * server already holds a value for is dropped.
 */
function automerge(update: { expression: string; expressionNames?: Record<string, string>; expressionValues?: Record<string, AttributeValue> }, current: Item) {
  const names = update.expressionNames ?? {};
  const held = (name: string) => {
    const field = names[name] ?? name;
    return !VERSION_FIELDS.has(field) && current[field] !== undefined && current[field] !== null;
  };
  const set = /SET\s+(.*?)(?=\s+REMOVE\s|$)/i.exec(update.expression)?.[1];
  const remove = /REMOVE\s+(.*)$/i.exec(update.expression)?.[1];
  const keptSets = (set ? set.split(/\s*,\s*/) : []).filter((a) => !held(a.split("=")[0].trim()));
  const keptRemoves = (remove ? remove.split(/\s*,\s*/) : []).filter((n) => !held(n.trim()));
  const expression = [keptSets.length ? `SET ${keptSets.join(", ")}` : "", keptRemoves.length ? `REMOVE ${keptRemoves.join(", ")}` : ""].filter(Boolean).join(" ");
  const usedValues = new Set(keptSets.map((a) => a.split("=")[1].trim()));
  const usedNames = new Set([...keptSets.map((a) => a.split("=")[0].trim()), ...keptRemoves.map((n) => n.trim())]);
  return {
    expression,
    expressionNames: Object.fromEntries(Object.entries(names).filter(([n]) => usedNames.has(n))),
    expressionValues: Object.fromEntries(Object.entries(update.expressionValues ?? {}).filter(([v]) => usedValues.has(v))),
  };
}
