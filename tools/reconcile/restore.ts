/** Puts pruned rows back from a backup, never over a row that exists again. */
import { DescribeTableCommand, PutItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import type { BackupEntry } from "../../core/reconcile/orphans";
import { ScratchStore } from "../../core/reconcile/scratch";
import { isConditionFailure } from "../../core/user-store";

export interface RestoreResult {
  readonly restored: number;
  readonly skipped: number;
  readonly tables: string[];
}

/** Where backups come from: a CLI prune's JSON-lines file, or a scheduled run's entries in the scratch table. */
export type BackupSource = { readonly file: string } | { readonly scratchTable: string; readonly runId: string };

async function* entries(client: Pick<DynamoDBClient, "send">, source: BackupSource): AsyncGenerator<BackupEntry> {
  if ("runId" in source) {
    yield* await new ScratchStore(client, source.scratchTable, source.runId).backups();
    return;
  }
  let line = 0;
  for await (const text of createInterface({ input: createReadStream(source.file), crlfDelay: Infinity })) {
    line++;
    if (!text.trim()) continue;
    let entry: BackupEntry;
    try {
      entry = JSON.parse(text);
      if (!entry.item || !entry.tableName) throw new Error("no item or tableName");
    } catch (err) {
      throw new Error(`${source.file}:${line} is not a backup line (${(err as Error).message}); nothing after it was restored`);
    }
    yield entry;
  }
}

export async function restoreRows(client: Pick<DynamoDBClient, "send">, source: BackupSource, tableOverride?: string): Promise<RestoreResult> {
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
  for await (const entry of entries(client, source)) {
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
