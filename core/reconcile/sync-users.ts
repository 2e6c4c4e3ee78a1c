/**
 * One batch of expected users against the table: which rows exist (with
 * their sync-owned fields), create the missing ones with the trigger's
 * conditional put, refresh the stale ones with one conditional UpdateItem.
 */
import type { CognitoIdentityProviderClient, UserType } from "@aws-sdk/client-cognito-identity-provider";
import { BatchGetItemCommand, type AttributeValue, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { retriesOf } from "../clients";
import { layoutOf, isWellFormedSub, rowKey, subOfKey } from "../row-key";
import { inParallel } from "../in-parallel";
import { buildUserRecord, cognitoUserOf, diffSyncOwned, isEmptyDiff, presentFields, subOfUser, syncOwnedValues, syncReadFields, TOMBSTONE_FIELDS, type RowMapping } from "../user-record";
import { currentUser } from "../user-lookup";
import type { RowWriter } from "../row-writer";
import { projection } from "../user-store";
import { backoffMs, type Sleep } from "./pacing";
import type { ReconcileReport } from "./report";

/** BatchGetItem takes at most 100 keys. */
const BATCH_GET_MAX = 100;

export interface SyncContext extends RowMapping {
  readonly cognito: Pick<CognitoIdentityProviderClient, "send">;
  /** Reads rows (the table, strongly consistent). */
  readonly dynamodb: Pick<DynamoDBClient, "send">;
  /** Writes them: the table or the app's AppSync API, one for every write. */
  readonly writer: RowWriter;
  readonly userPoolId: string;
  readonly tableName: string;
  readonly dryRun?: boolean;
  readonly refresh: boolean;
  readonly maxRetries: number;
  readonly writeConcurrency: number;
  readonly deadline?: AbortSignal;
  readonly sleep: Sleep;
  readonly now: () => number;
  readonly report: ReconcileReport;
  /** The function the pool's PostConfirmation should run (report.triggerDrift otherwise). @default no check */
  readonly expectedTrigger?: string;
}

/** Sends one request (abortable by the deadline), counting the SDK's retries. */
export async function sendCounted<T extends { $metadata?: { attempts?: number } }>(
  ctx: Pick<SyncContext, "deadline" | "report">,
  client: { send(command: any, options?: { abortSignal?: AbortSignal }): Promise<any> },
  command: { readonly input: unknown },
): Promise<T> {
  const res = (await client.send(command, { abortSignal: ctx.deadline })) as T;
  ctx.report.retried += retriesOf(res);
  return res;
}


/** Counts a ListUsers page into the report; returns the users that must have a row, and hands every sub to `onSub`. */
export function tallyPage(report: ReconcileReport, users: readonly UserType[], expectedStatuses: ReadonlySet<string>, onSub: (sub: string) => void): UserType[] {
  const expected: UserType[] = [];
  report.listPages++;
  for (const user of users) {
    report.scanned++;
    const status = user.UserStatus ?? "UNKNOWN";
    report.byStatus[status] = (report.byStatus[status] ?? 0) + 1;
    const sub = subOfUser(user);
    if (sub) onSub(sub);
    if (expectedStatuses.has(status)) expected.push(user);
  }
  report.expected += expected.length;
  return expected;
}

export const errorText = (err: unknown) => `${(err as Error)?.name ?? "Error"}: ${(err as Error)?.message ?? String(err)}`;


/** The stored sync-owned fields of these subs' rows, following UnprocessedKeys. */
async function storedRows(ctx: SyncContext, subs: string[]): Promise<{ rows: Map<string, Record<string, unknown>>; unprocessed: Set<string> }> {
  const layout = layoutOf(ctx);
  const rows = new Map<string, Record<string, unknown>>();
  let keys: Record<string, AttributeValue>[] = subs.map((s) => marshall(rowKey(layout, s)));
  for (let attempt = 0; keys.length > 0; attempt++) {
    if (attempt > ctx.maxRetries) break;
    if (attempt > 0) await ctx.sleep(backoffMs(attempt - 1));
    const res = await sendCounted<any>(
      ctx,
      ctx.dynamodb,
      new BatchGetItemCommand({
        RequestItems: { [ctx.tableName]: { Keys: keys, ...projection(syncReadFields(ctx)), ConsistentRead: true } },
      }),
    );
    for (const item of res.Responses?.[ctx.tableName] ?? []) {
      const row = presentFields(unmarshall(item));
      const sub = subOfKey(layout, row);
      if (sub !== undefined) rows.set(sub, row);
    }
    keys = (res.UnprocessedKeys?.[ctx.tableName]?.Keys as Record<string, AttributeValue>[] | undefined) ?? [];
  }
  return { rows, unprocessed: new Set(keys.map((k) => subOfKey(layout, unmarshall(k))!)) };
}

/** Checks a batch of expected users; writes the missing rows and refreshes the stale ones. */
export async function syncUsers(ctx: SyncContext, users: readonly UserType[]): Promise<void> {
  const { report } = ctx;
  const layout = layoutOf(ctx);
  const fail = (user: UserType, err: unknown) => {
    report.failed++;
    report.failures.push({ sub: subOfUser(user), username: user.Username, error: typeof err === "string" ? err : errorText(err) });
  };
  const bySub = new Map<string, UserType>();
  for (const user of users) {
    const sub = subOfUser(user);
    if (!sub) fail(user, "user has no sub attribute; cannot key a row");
    else if (!isWellFormedSub(sub)) fail(user, `sub of ${sub.length} characters is not a Cognito sub; no row is keyed by it`);
    else bySub.set(sub, user);
  }
  const subs = [...bySub.keys()];
  for (let i = 0; i < subs.length; i += BATCH_GET_MAX) {
    const chunk = subs.slice(i, i + BATCH_GET_MAX);
    let stored: Awaited<ReturnType<typeof storedRows>>;
    try {
      stored = await storedRows(ctx, chunk);
    } catch (err) {
      for (const sub of chunk) fail(bySub.get(sub)!, err);
      continue;
    }
    const work: Array<() => Promise<void>> = [];
    for (const sub of chunk) {
      const user = bySub.get(sub)!;
      const row = stored.rows.get(sub);
      if (stored.unprocessed.has(sub)) {
        fail(user, `BatchGetItem left the key unprocessed after ${ctx.maxRetries} retries`);
      } else if (!row) {
        report.missing++;
        if (!ctx.dryRun) work.push(() => create(ctx, user));
      } else {
        report.present++;
        if (ctx.refresh) work.push(() => refresh(ctx, user, sub, row));
      }
    }
    await inParallel(work, ctx.writeConcurrency, async (task) => task());
  }

  /** The listed user as Cognito has them now; undefined (counted) when gone since the listing. */
  async function stillThere(listed: UserType): Promise<UserType | undefined> {
    const current = await currentUser(ctx.cognito, ctx.userPoolId, listed);
    if (!current) report.vanished++;
    return current;
  }

  async function create(ctx: SyncContext, listed: UserType): Promise<void> {
    try {
      // A listing lags behind deletes: a missing row is written only for a user AdminGetUser still finds.
      const user = await stillThere(listed);
      if (!user) return;
      const record = buildUserRecord(cognitoUserOf(user, ctx.userPoolId), { ...ctx, now: new Date(ctx.now()) });
      const outcome = await ctx.writer.create(record);
      // "exists": the trigger wrote it between our check and our put.
      if (outcome === "created") report.created++;
      else report.present++;
    } catch (err) {
      fail(listed, err);
    }
  }

  async function refresh(ctx: SyncContext, listed: UserType, sub: string, row: Record<string, unknown>): Promise<void> {
    try {
      // Nor is a tombstone lifted on a listing's word.
      const user = TOMBSTONE_FIELDS.some((f) => row[f] !== undefined) ? await stillThere(listed) : listed;
      if (!user) return;
      const cognitoUser = cognitoUserOf(user, ctx.userPoolId);
      const diff = diffSyncOwned(row, syncOwnedValues(cognitoUser, ctx), ctx);
      if (isEmptyDiff(diff)) return;
      report.stale++;
      if (ctx.dryRun) return;
      const outcome = await ctx.writer.refresh(rowKey(layout, sub), diff, {
        now: new Date(ctx.now()),
        sourceModified: cognitoUser.lastModified,
        conflictDetection: Boolean(ctx.amplify?.conflictDetection),
      });
      if (outcome !== "updated") return; // the row is gone, or already holds newer data
      report.updated++;
      for (const field of [...Object.keys(diff.set), ...diff.remove]) report.updatedFields[field] = (report.updatedFields[field] ?? 0) + 1;
    } catch (err) {
      fail(listed, err);
    }
  }
}
