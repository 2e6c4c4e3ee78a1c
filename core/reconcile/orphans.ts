/**
 * Orphans: rows of this pool whose sub is no longer in it. Found with one
 * table scan (keys and userPoolId only) against the pool's subs, each
 * candidate looked up again by sub; pruned only behind a safety limit, each
 * row written whole to a backup before a delete that only lands if the row is
 * still what was backed up.
 */
import { ListUsersCommand } from "@aws-sdk/client-cognito-identity-provider";
import { GetItemCommand, ScanCommand, type AttributeValue } from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { layoutOf, keyNames, rowKey, subOfKey, type KeyLayout } from "../row-key";
import { liveUserBySub, subFilter } from "../user-lookup";
import { isConditionFailure, projection } from "../user-store";
import type { RateLimiter } from "./pacing";
import { errorText, sendCounted, type SyncContext } from "./sync-users";

/** Where pruned rows go, whole, before they are deleted (a file for the CLI, an object for the worker). */
export interface PruneBackup {
  /** Named in the report, so a mistake can be undone from it. */
  readonly location: string;
  /** Must be durable when it resolves. */
  write(entry: BackupEntry): Promise<void>;
}

/** One deleted row: enough to put it back exactly. */
export interface BackupEntry {
  readonly tableName: string;
  readonly deletedAt: string;
  /** The item in DynamoDB JSON, types kept. */
  readonly item: Record<string, AttributeValue>;
}

export interface OrphanContext extends SyncContext {
  readonly maxPrune?: number;
  readonly backup?: PruneBackup;
  readonly userRowsAmbiguous?: boolean;
}

/** The default safety limit: 5% of this pool's rows, or 100, whichever is larger. */
export const defaultPruneLimit = (tableRows: number) => Math.max(100, Math.ceil(tableRows * 0.05));

/** A filter that lets the scan skip other entities, when the layout has a fixed part (values as placeholders, never in the expression). */
function layoutFilter(layout: KeyLayout): { FilterExpression?: string; ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues?: Record<string, AttributeValue> } {
  const parts: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, string> = {};
  [layout.partitionKey, layout.sortKey].forEach((part, i) => {
    if (!part) return;
    const at = part.value.indexOf("{sub}");
    if (at < 0) {
      parts.push(`#lk${i} = :lk${i}`);
      values[`:lk${i}`] = part.value;
    } else if (at > 0) {
      parts.push(`begins_with(#lk${i}, :lk${i})`);
      values[`:lk${i}`] = part.value.slice(0, at);
    } else return;
    names[`#lk${i}`] = part.name;
  });
  return parts.length ? { FilterExpression: parts.join(" AND "), ExpressionAttributeNames: names, ExpressionAttributeValues: marshall(values) } : {};
}

export interface ScanPage {
  /** Subs of this pool's rows (or rows of no pool) on this page. */
  readonly subs: string[];
  readonly lastKey?: Record<string, AttributeValue>;
}

/** One page of the orphan scan, counted into the report; only keys and userPoolId are read. */
export async function scanRows(ctx: SyncContext, startKey?: Record<string, AttributeValue>, segment?: { index: number; total: number }): Promise<ScanPage> {
  const layout = layoutOf(ctx);
  const filter = layoutFilter(layout);
  const read = projection([...keyNames(layout), "userPoolId"]);
  const page = await sendCounted<any>(
    ctx,
    ctx.dynamodb,
    new ScanCommand({
      TableName: ctx.tableName,
      ...read,
      ...(filter.FilterExpression ? { FilterExpression: filter.FilterExpression, ExpressionAttributeValues: filter.ExpressionAttributeValues } : {}),
      ExpressionAttributeNames: { ...read.ExpressionAttributeNames, ...filter.ExpressionAttributeNames },
      ExclusiveStartKey: startKey,
      ...(segment ? { Segment: segment.index, TotalSegments: segment.total } : {}),
    }),
  );
  ctx.report.scanPages++;
  const subs: string[] = [];
  // Items the filter left out are other entities too (the scan touched them; nothing of them was returned).
  ctx.report.otherItems += (page.ScannedCount ?? 0) - (page.Count ?? 0);
  for (const item of page.Items ?? []) {
    const row = unmarshall(item);
    const sub = subOfKey(layout, row);
    if (sub === undefined) {
      ctx.report.otherItems++;
    } else if (typeof row.userPoolId === "string" && row.userPoolId !== ctx.userPoolId) {
      ctx.report.foreignRows++;
    } else {
      ctx.report.tableRows++;
      subs.push(sub);
    }
  }
  return { subs, lastKey: page.LastEvaluatedKey };
}

/** True when the sub is (still) a user of this pool by ListUsers: catches users who signed up after the listing. */
export async function userExists(ctx: SyncContext, sub: string): Promise<boolean> {
  const found = await sendCounted<any>(ctx, ctx.cognito, new ListUsersCommand({ UserPoolId: ctx.userPoolId, Filter: subFilter(sub), Limit: 1 }));
  return (found.Users ?? []).length > 0;
}

/** Scans the table, then looks each candidate up again by sub; records and returns the orphans (so far, when stopped). */
export async function findOrphans(ctx: SyncContext, poolSubs: ReadonlySet<string>, limiter: RateLimiter, stopped: () => boolean, onCandidates?: (count: number) => void): Promise<string[]> {
  const candidates: string[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    if (stopped()) return [];
    const page = await scanRows(ctx, startKey);
    for (const sub of page.subs) if (!poolSubs.has(sub)) candidates.push(sub);
    startKey = page.lastKey;
  } while (startKey);
  onCandidates?.(candidates.length);
  for (const sub of candidates) {
    await limiter.wait();
    if (stopped()) break;
    if (!(await userExists(ctx, sub))) {
      ctx.report.orphanIds.push(sub);
      ctx.report.orphans = ctx.report.orphanIds.length;
    }
  }
  return ctx.report.orphanIds;
}

/**
 * Why a prune of this many orphans must not run, or undefined; records the
 * limit in the report. Besides the size limit: a listing that saw no users,
 * or one that would leave fewer than half of this pool's rows, is more likely
 * an empty or lagging ListUsers (or a wrong pool) than a pool that lost most
 * of its users, so it prunes nothing unless the limit was given explicitly.
 */
export function pruneRefusal(ctx: OrphanContext, orphans: number): string | undefined {
  const { report } = ctx;
  if (ctx.userRowsAmbiguous) {
    return "the key layout cannot tell user rows from other items in this shared table; give the keys a fixed part (e.g. USER#{sub}) to prune";
  }
  report.pruneLimit = ctx.maxPrune ?? defaultPruneLimit(report.tableRows);
  if (ctx.maxPrune === undefined && (report.scanned === 0 || orphans * 2 > report.tableRows)) {
    return `the listing saw ${report.scanned} users, and ${orphans} of this pool's ${report.tableRows} rows would go: an empty or incomplete ListUsers (or the wrong pool) makes live users look gone, so nothing was deleted; check the pool, and if those users really are gone, run again with --max-prune ${orphans} (scheduled runs: reconcileMaxPrune)`;
  }
  if (orphans > report.pruneLimit) {
    return `${orphans} orphan rows exceed the safety limit of ${report.pruneLimit} (5% of ${report.tableRows} rows, at least 100); check the user pool and the table, then raise the limit with --max-prune ${orphans} (scheduled runs: reconcileMaxPrune) if they really are orphans`;
  }
  return undefined;
}

/** Deletes the orphans, behind the guards; every refusal is recorded in the report. `onPrune` hears the ids once the guards pass. */
export async function pruneOrphans(ctx: OrphanContext, ids: readonly string[], stopped: () => boolean, limiter: RateLimiter, onPrune?: (ids: readonly string[]) => void): Promise<void> {
  const { report } = ctx;
  if (ids.length === 0) return;
  const refusal = pruneRefusal(ctx, ids.length);
  if (refusal) {
    report.pruneRefused = refusal;
    report.failed++;
    report.failures.push({ error: `prune refused: ${refusal}` });
    return;
  }
  if (!ctx.backup) throw new Error("pruning needs a backup to write each deleted row to first");
  onPrune?.(ids);
  for (const sub of ids) {
    await limiter.wait();
    if (stopped()) return;
    await pruneOne(ctx, sub, ctx.backup);
  }
}

/**
 * Deletes one orphan row: read it whole, ask Cognito a second, independent
 * time (AdminGetUser, strongly consistent) whether the user is gone, back the
 * row up, and delete it only if unchanged since it was read.
 */
export async function pruneOne(ctx: SyncContext, sub: string, backup: PruneBackup): Promise<void> {
  const { report } = ctx;
  const layout = layoutOf(ctx);
  try {
    const key = marshall(rowKey(layout, sub));
    const got = await sendCounted<any>(ctx, ctx.dynamodb, new GetItemCommand({ TableName: ctx.tableName, Key: key, ConsistentRead: true }));
    const item = got.Item as Record<string, AttributeValue> | undefined;
    if (!item) return;
    const pool = item.userPoolId?.S;
    if (pool !== undefined && pool !== ctx.userPoolId) return;
    if (await liveUserBySub(ctx.cognito, ctx.userPoolId, sub, item.username?.S)) {
      report.keptAlive++;
      return;
    }
    await backup.write({ tableName: ctx.tableName, deletedAt: new Date(ctx.now()).toISOString(), item });
    report.backup = backup.location;
    // Deletes exactly what was backed up: the row must be unchanged since it was read.
    if ((await ctx.writer.removeUnchanged(rowKey(layout, sub), unmarshall(item))) === "skipped") return;
    report.pruned++;
  } catch (err) {
    if (isConditionFailure(err)) return; // changed or gone since it was read: not deleted
    report.failed++;
    report.failures.push({ sub, error: `could not delete orphan row: ${errorText(err)}` });
  }
}
