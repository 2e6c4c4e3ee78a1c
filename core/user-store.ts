/**
 * Writes Users-table rows without ever losing data: creation never
 * overwrites, a refresh never creates a row, never touches a field sync does
 * not own, and never replaces newer data with older.
 */
import {
  ConditionalCheckFailedException,
  PutItemCommand,
  UpdateItemCommand,
  type DynamoDBClient,
  type PutItemCommandInput,
  type UpdateItemCommandInput,
} from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { DEFAULT_KEY_LAYOUT, type KeyLayout } from "./contract";
import type { RowDiff, UserRecord } from "./user-record";

export type WriteOutcome = "created" | "exists";

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
