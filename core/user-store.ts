/**
 * Writes Users-table rows without ever losing data: creation never
 * overwrites, a refresh never creates a row, never touches a field sync does
 * not own, and never replaces newer data with older.
 */
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type DynamoDBClient,
  type DeleteItemCommandInput,
  type PutItemCommandInput,
  type UpdateItemCommandInput,
} from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { DEFAULT_KEY_LAYOUT, type KeyLayout } from "./row-key";
import type { RowDiff, UserRecord } from "./user-record";

export type WriteOutcome = "created" | "exists";

/** A ProjectionExpression for these attributes, every name through a placeholder (some are reserved words). */
export function projection(fields: readonly string[]): { ProjectionExpression: string; ExpressionAttributeNames: Record<string, string> } {
  const names = Object.fromEntries(fields.map((f, i) => [`#p${i}`, f]));
  return { ProjectionExpression: Object.keys(names).join(", "), ExpressionAttributeNames: names };
}

export const isConditionFailure = (err: unknown) =>
  err instanceof ConditionalCheckFailedException || (err as Error)?.name === "ConditionalCheckFailedException";

/** A put that only succeeds when no row with this key exists. */
export function createIfAbsentInput(tableName: string, record: UserRecord, layout: KeyLayout = DEFAULT_KEY_LAYOUT): PutItemCommandInput {
  return {
    TableName: tableName,
    Item: marshall(record),
    ConditionExpression: "attribute_not_exists(#key)",
    ExpressionAttributeNames: { "#key": layout.partitionKey.name },
  };
}

/**
 * Creates the row unless one exists. An existing row is success: a retried or
 * repeated delivery must leave it (and its createdAt) untouched.
 */
export async function createUserRecordIfAbsent(
  client: Pick<DynamoDBClient, "send">,
  tableName: string,
  record: UserRecord,
  layout: KeyLayout = DEFAULT_KEY_LAYOUT,
): Promise<WriteOutcome> {
  try {
    await client.send(new PutItemCommand(createIfAbsentInput(tableName, record, layout)));
    return "created";
  } catch (err) {
    if (isConditionFailure(err)) return "exists";
    throw err;
  }
}

export interface RefreshOptions {
  readonly now: Date;
  /**
   * Cognito's UserLastModifiedDate for the data in `diff`. The update only
   * lands while the row holds no newer Cognito data, so a refresh can never
   * make a row older than what Cognito held when it was read.
   */
  readonly sourceModified?: Date;
  /** Amplify DataStore conflict detection: bump `_version`, set `_lastChangedAt`. @default false */
  readonly conflictDetection?: boolean;
}

/**
 * One conditional UpdateItem: SET the changed sync-owned fields and updatedAt,
 * REMOVE the gone ones; only on an existing row (never creates one).
 */
export function refreshInput(tableName: string, key: Record<string, string>, diff: RowDiff, options: RefreshOptions): UpdateItemCommandInput {
  const names: Record<string, string> = { "#key": Object.keys(key)[0], "#updatedAt": "updatedAt" };
  const values: Record<string, unknown> = { ":updatedAt": options.now.toISOString() };
  const sets = ["#updatedAt = :updatedAt"];
  Object.entries(diff.set).forEach(([field, value], i) => {
    names[`#s${i}`] = field;
    values[`:s${i}`] = value;
    sets.push(`#s${i} = :s${i}`);
  });
  const removes = diff.remove.map((field, i) => {
    names[`#r${i}`] = field;
    return `#r${i}`;
  });
  const conditions = ["attribute_exists(#key)"];
  // A row erased or soft-deleted since it was read stays so: only a refresh that was
  // decided on the tombstone (after Cognito's consistent read said the user lives) lifts it.
  for (const [i, field] of (["deletedAt", "_deleted"] as const).entries()) {
    if (diff.remove.includes(field)) continue;
    names[`#t${i}`] = field;
    conditions.push(`attribute_not_exists(#t${i})`);
  }
  if (options.sourceModified) {
    names["#src"] = "cognitoModifiedAt";
    values[":src"] = options.sourceModified.toISOString();
    sets.push("#src = :src");
    // ISO-8601 strings of one format compare in time order.
    conditions.push("(attribute_not_exists(#src) OR #src <= :src)");
  }
  if (options.conflictDetection) {
    names["#version"] = "_version";
    names["#lastChangedAt"] = "_lastChangedAt";
    values[":one"] = 1;
    values[":lastChangedAt"] = options.now.getTime();
    sets.push("#lastChangedAt = :lastChangedAt");
  }
  const update = [`SET ${sets.join(", ")}`, ...(options.conflictDetection ? ["ADD #version :one"] : []), ...(removes.length ? [`REMOVE ${removes.join(", ")}`] : [])];
  return {
    TableName: tableName,
    Key: marshall(key),
    UpdateExpression: update.join(" "),
    ConditionExpression: conditions.join(" AND "),
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: marshall(values),
  };
}

export type RefreshOutcome = "updated" | "skipped";

/** Applies a refresh; "skipped" when the row is gone or already holds newer Cognito data. */
export async function refreshUserRecord(
  client: Pick<DynamoDBClient, "send">,
  tableName: string,
  key: Record<string, string>,
  diff: RowDiff,
  options: RefreshOptions,
): Promise<RefreshOutcome> {
  try {
    await client.send(new UpdateItemCommand(refreshInput(tableName, key, diff, options)));
    return "updated";
  } catch (err) {
    if (isConditionFailure(err)) return "skipped";
    throw err;
  }
}

/** AppSync keeps a soft-deleted item this long before DynamoDB's TTL removes it (its default, 30 days). */
export const TOMBSTONE_TTL_SECONDS = 30 * 24 * 3600;

export interface EraseOptions {
  readonly now: Date;
  /** Only a row of this pool is touched: a shared table may hold another pool's row for the same key. */
  readonly userPoolId: string;
  /** Amplify DataStore conflict detection: bump `_version`, set `_lastChangedAt`. @default false */
  readonly conflictDetection?: boolean;
  /** Also mark the row deleted the way AppSync does (`_deleted`, `_ttl`): a delete under conflict detection. @default false */
  readonly tombstone?: boolean;
}

/**
 * A deleted user's row loses every personal field; the key, app-owned fields
 * and createdAt stay, so the app's references remain valid. `deletedAt`
 * keeps the first erasure's time; repeating an erasure changes nothing else.
 */
export function eraseInput(tableName: string, key: Record<string, string>, fields: readonly string[], options: EraseOptions): UpdateItemCommandInput {
  const names: Record<string, string> = { "#key": Object.keys(key)[0], "#pool": "userPoolId", "#deletedAt": "deletedAt", "#updatedAt": "updatedAt", "#enabled": "enabled" };
  const values: Record<string, unknown> = { ":pool": options.userPoolId, ":now": options.now.toISOString(), ":false": false };
  const sets = ["#deletedAt = if_not_exists(#deletedAt, :now)", "#updatedAt = :now", "#enabled = :false"];
  if (options.conflictDetection || options.tombstone) {
    names["#version"] = "_version";
    names["#lastChangedAt"] = "_lastChangedAt";
    values[":one"] = 1;
    values[":lastChangedAt"] = options.now.getTime();
    sets.push("#lastChangedAt = :lastChangedAt");
  }
  if (options.tombstone) {
    names["#deleted"] = "_deleted";
    names["#ttl"] = "_ttl";
    values[":true"] = true;
    values[":ttl"] = Math.floor(options.now.getTime() / 1000) + TOMBSTONE_TTL_SECONDS;
    sets.push("#deleted = :true", "#ttl = :ttl");
  }
  const removes = fields.map((field, i) => {
    names[`#r${i}`] = field;
    return `#r${i}`;
  });
  const update = [`SET ${sets.join(", ")}`, ...(names["#version"] ? ["ADD #version :one"] : []), ...(removes.length ? [`REMOVE ${removes.join(", ")}`] : [])];
  return {
    TableName: tableName,
    Key: marshall(key),
    UpdateExpression: update.join(" "),
    ConditionExpression: "attribute_exists(#key) AND #pool = :pool",
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: marshall(values),
  };
}

/** Removes the row, only if it is this pool's. */
export function deleteInput(tableName: string, key: Record<string, string>, userPoolId: string): DeleteItemCommandInput {
  return {
    TableName: tableName,
    Key: marshall(key),
    ConditionExpression: "attribute_exists(#key) AND #pool = :pool",
    ExpressionAttributeNames: { "#key": Object.keys(key)[0], "#pool": "userPoolId" },
    ExpressionAttributeValues: marshall({ ":pool": userPoolId }),
  };
}

/** "skipped": no row of this pool under that key. */
export async function eraseUserRecord(
  client: Pick<DynamoDBClient, "send">,
  tableName: string,
  key: Record<string, string>,
  fields: readonly string[],
  options: EraseOptions,
): Promise<"erased" | "skipped"> {
  try {
    await client.send(new UpdateItemCommand(eraseInput(tableName, key, fields, options)));
    return "erased";
  } catch (err) {
    if (isConditionFailure(err)) return "skipped";
    throw err;
  }
}

export async function deleteUserRecord(client: Pick<DynamoDBClient, "send">, tableName: string, key: Record<string, string>, userPoolId: string): Promise<"deleted" | "skipped"> {
  try {
    await client.send(new DeleteItemCommand(deleteInput(tableName, key, userPoolId)));
    return "deleted";
  } catch (err) {
    if (isConditionFailure(err)) return "skipped";
    throw err;
  }
}

/** Removes exactly the row that was read: same pool (or none), same updatedAt (or none). */
export function deleteUnchangedInput(tableName: string, key: Record<string, string>, read: Readonly<Record<string, unknown>>): DeleteItemCommandInput {
  const names: Record<string, string> = { "#k": Object.keys(key)[0], "#u": "updatedAt", "#pool": "userPoolId" };
  const values: Record<string, unknown> = {};
  const conditions = ["attribute_exists(#k)"];
  if (read.updatedAt !== undefined) {
    values[":u"] = read.updatedAt;
    conditions.push("#u = :u");
  } else conditions.push("attribute_not_exists(#u)");
  if (read.userPoolId !== undefined) {
    values[":pool"] = read.userPoolId;
    conditions.push("#pool = :pool");
  } else conditions.push("attribute_not_exists(#pool)");
  return {
    TableName: tableName,
    Key: marshall(key),
    ConditionExpression: conditions.join(" AND "),
    ExpressionAttributeNames: names,
    ...(Object.keys(values).length ? { ExpressionAttributeValues: marshall(values) } : {}),
  };
}

/** "skipped": the row changed or went since it was read. */
export async function deleteUnchangedRecord(client: Pick<DynamoDBClient, "send">, tableName: string, key: Record<string, string>, read: Readonly<Record<string, unknown>>): Promise<"deleted" | "skipped"> {
  try {
    await client.send(new DeleteItemCommand(deleteUnchangedInput(tableName, key, read)));
    return "deleted";
  } catch (err) {
    if (isConditionFailure(err)) return "skipped";
    throw err;
  }
}
