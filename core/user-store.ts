/** Writes Users-table rows without ever overwriting one. */
import {
  ConditionalCheckFailedException,
  PutItemCommand,
  type DynamoDBClient,
  type PutItemCommandInput,
} from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { ROW_KEY } from "./contract";
import type { UserRecord } from "./user-record";

export type WriteOutcome = "created" | "exists";

/** A put that only succeeds when no row with this key exists. */
export function createIfAbsentInput(tableName: string, record: UserRecord): PutItemCommandInput {
  return {
    TableName: tableName,
    Item: marshall(record),
    ConditionExpression: "attribute_not_exists(#key)",
    ExpressionAttributeNames: { "#key": ROW_KEY },
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
): Promise<WriteOutcome> {
  try {
    await client.send(new PutItemCommand(createIfAbsentInput(tableName, record)));
    return "created";
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException || (err as Error).name === "ConditionalCheckFailedException") {
      return "exists";
    }
    throw err;
  }
}
