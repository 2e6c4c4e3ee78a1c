/** Puts pruned rows back from a backup file, never over a row that exists again. */
import { DescribeTableCommand, PutItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import type { BackupEntry } from "../../core/reconcile/orphans";
import { isConditionFailure } from "../../core/user-store";

export interface RestoreResult {
  readonly restored: number;
  readonly skipped: number;
  readonly tables: string[];
}

export async function restoreRows(client: Pick<DynamoDBClient, "send">, file: string, tableOverride?: string): Promise<RestoreResult> {
  const hashKeys = new Map<string, string>();
  const hashKeyOf = async (table: string) => {
    if (!hashKeys.has(table)) {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: table }));
      hashKeys.set(table, Table!.KeySchema!.find((k) => k.KeyType === "HASH")!.AttributeName!);
    }
    return hashKeys.get(table)!;
  };
  let restored = 0;
  let skipped = 0;
  let line = 0;
  for await (const text of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    line++;
    if (!text.trim()) continue;
    let entry: BackupEntry;
    try {
      entry = JSON.parse(text);
      if (!entry.item || !entry.tableName) throw new Error("no item or tableName");
    } catch (err) {
      throw new Error(`${file}:${line} is not a backup line (${(err as Error).message}); nothing after it was restored`);
    }
    const table = tableOverride ?? entry.tableName;
    try {
      await client.send(
        new PutItemCommand({ TableName: table, Item: entry.item, ConditionExpression: "attribute_not_exists(#k)", ExpressionAttributeNames: { "#k": await hashKeyOf(table) } }),
      );
      restored++;
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      skipped++;
    }
  }
  return { restored, skipped, tables: [...hashKeys.keys()] };
}
