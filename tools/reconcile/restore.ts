/**
 * Puts pruned rows back from a backup, never over a row that exists again.
 * The whole backup is checked before anything is written (each line's JSON,
 * its table, the table's key layout, one pool), so a bad backup restores
 * nothing rather than half of itself.
 */
import { DescribeTableCommand, PutItemCommand, type AttributeValue, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { readFile } from "node:fs/promises";
import type { BackupEntry } from "../../core/reconcile/orphans";
import { ScratchStore } from "../../core/reconcile/scratch";
import { isConditionFailure } from "../../core/user-store";

export interface RestoreResult {
  /** Rows put back. */
  readonly restored: number;
  /** Rows left alone because a row with that key exists again. */
  readonly skipped: number;
  /** Backup entries that failed a check (nothing is written when any does). */
  readonly refused: number;
  readonly tables: string[];
  /** What was wrong with each refused entry. */
  readonly problems: string[];
}

/** The restore stopped: refused (nothing written) or failed part-way; `result` says what was done. */
export class RestoreError extends Error {
  name = "RestoreError";
  constructor(
    message: string,
    readonly result: RestoreResult,
  ) {
    super(message);
  }
}

/** Where backups come from: a CLI prune's JSON-lines file, or a scheduled run's entries in the scratch table. */
export type BackupSource = { readonly file: string } | { readonly scratchTable: string; readonly runId: string };

export interface RestoreOptions {
  /** Put every row into this table instead of the one each entry names. */
  readonly table?: string;
  /** Every row must belong to this pool. @default the one pool the backup holds */
  readonly userPoolId?: string;
}

/** Scratch tables hold run state, never user rows (their names end so, see lib/names.ts). */
const SCRATCH_SUFFIX = "-reconcile-scratch";
const TYPES = new Set(["S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"]);

interface Located extends BackupEntry {
  /** "file:line" or "run <id> backup n", for messages. */
  readonly where: string;
}

const isAttributeValue = (v: unknown) => typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 1 && TYPES.has(Object.keys(v)[0]);

async function readEntries(client: Pick<DynamoDBClient, "send">, source: BackupSource, problems: string[]): Promise<Located[]> {
  if ("runId" in source) {
    const backups = await new ScratchStore(client, source.scratchTable, source.runId).backups();
    if (backups.length === 0) problems.push(`run ${source.runId} has no pruned-row backups in ${source.scratchTable} (they expire after 30 days); check --run against the report's backup field`);
    return backups.map((b, i) => ({ ...b, where: `run ${source.runId} backup ${i + 1}` }));
  }
  let text: string;
  try {
    text = await readFile(source.file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "does not exist" : code === "EACCES" ? "cannot be read (permission denied)" : `cannot be read (${(err as Error).message})`;
    throw new RestoreError(`backup file ${source.file} ${why}: give the path a reconcile report printed as its backup`, { restored: 0, skipped: 0, refused: 0, tables: [], problems: [] });
  }
  const entries: Located[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    const where = `${source.file}:${i + 1}`;
    let entry: Partial<BackupEntry>;
    try {
      entry = JSON.parse(line);
    } catch {
      problems.push(`${where}: not JSON (a truncated or edited file?)`);
      return;
    }
    if (typeof entry !== "object" || entry === null || typeof entry.tableName !== "string" || entry.tableName === "") problems.push(`${where}: no tableName`);
    else if (typeof entry.item !== "object" || entry.item === null || !Object.values(entry.item).every(isAttributeValue)) problems.push(`${where}: item is not a DynamoDB item (typed attribute values)`);
    else entries.push({ ...(entry as BackupEntry), where });
  });
  if (entries.length === 0 && problems.length === 0) problems.push(`${source.file} holds no backup lines`);
  return entries;
}

export async function restoreRows(client: Pick<DynamoDBClient, "send">, source: BackupSource, options: RestoreOptions = {}): Promise<RestoreResult> {
  const problems: string[] = [];
  const entries = await readEntries(client, source, problems);
  const refusedLines = new Set<string>(problems.map((p) => p.split(": ")[0]));
  const refuse = (entry: Located, why: string) => {
    problems.push(`${entry.where}: ${why}`);
    refusedLines.add(entry.where);
  };
  const target = (entry: BackupEntry) => options.table ?? entry.tableName;

  // Each target table's key schema, once.
  const schemas = new Map<string, Array<{ name: string; type: string }> | string>();
  for (const table of new Set(entries.map(target))) {
    if (table.endsWith(SCRATCH_SUFFIX) || ("runId" in source && table === source.scratchTable)) {
      schemas.set(table, `${table} is a reconcile scratch table, not a Users table; restore into the Users table (--table)`);
      continue;
    }
    try {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: table }));
      const types = new Map((Table?.AttributeDefinitions ?? []).map((d) => [d.AttributeName!, d.AttributeType!]));
      schemas.set(table, (Table?.KeySchema ?? []).map((k) => ({ name: k.AttributeName!, type: types.get(k.AttributeName!) ?? "S" })));
    } catch (err) {
      if ((err as Error).name !== "ResourceNotFoundException") throw err;
      schemas.set(table, `table ${table} does not exist in this account and region (check --region, or --table)`);
    }
  }

  const pools = new Map<string, string[]>();
  for (const entry of entries) {
    const schema = schemas.get(target(entry))!;
    if (typeof schema === "string") {
      refuse(entry, schema);
      continue;
    }
    const missing = schema.filter((k) => !(entry.item as Record<string, AttributeValue & Record<string, unknown>>)[k.name]?.[k.type]);
    if (missing.length > 0) {
      refuse(entry, `the row has no ${missing.map((k) => `${k.name} (${k.type})`).join(" or ")}, the key of ${target(entry)}: it was not backed up from a table with this key layout`);
      continue;
    }
    const pool = entry.item.userPoolId?.S ?? "(no pool)";
    pools.set(pool, [...(pools.get(pool) ?? []), entry.where]);
  }
  const expectedPool = options.userPoolId ?? (pools.size > 1 ? undefined : [...pools.keys()][0]);
  if (pools.size > 1 || (options.userPoolId && pools.size === 1 && !pools.has(options.userPoolId))) {
    for (const [pool, wheres] of pools) {
      if (pool === expectedPool) continue;
      for (const where of wheres) {
        problems.push(`${where}: a row of user pool ${pool}; ${expectedPool ? `this restore is for ${expectedPool}` : `the backup mixes pools (${[...pools.keys()].join(", ")}); a prune's backup holds one pool's rows`}`);
        refusedLines.add(where);
      }
    }
  }

  const tables = [...new Set(entries.map(target))];
  if (problems.length > 0) {
    const result = { restored: 0, skipped: 0, refused: Math.max(refusedLines.size, 1), tables, problems };
    throw new RestoreError(`nothing was restored: ${problems.length} problem(s) in the backup:\n  ${problems.join("\n  ")}`, result);
  }

  let restored = 0;
  let skipped = 0;
  for (const entry of entries) {
    const table = target(entry);
    const hashKey = (schemas.get(table) as Array<{ name: string }>)[0].name;
    try {
      await client.send(new PutItemCommand({ TableName: table, Item: entry.item, ConditionExpression: "attribute_not_exists(#k)", ExpressionAttributeNames: { "#k": hashKey } }));
      restored++;
    } catch (err) {
      if (isConditionFailure(err)) {
        skipped++;
        continue;
      }
      const result = { restored, skipped, refused: 0, tables, problems: [`${entry.where}: ${(err as Error).name}: ${(err as Error).message}`] };
      throw new RestoreError(`restore failed at ${entry.where} after ${restored} restored and ${skipped} skipped: ${(err as Error).name}: ${(err as Error).message}; running it again is safe (rows that exist are skipped)`, result);
    }
  }
  return { restored, skipped, refused: 0, tables, problems: [] };
}
