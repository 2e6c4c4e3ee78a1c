/**
 * Makes the Users table converge with the user pool: every user who can sign
 * in gets the row the trigger would have written (same mapping, same
 * conditional put), existing rows get their sync-owned fields refreshed (one
 * conditional UpdateItem, never older data, never app-owned fields), and rows
 * whose user is gone are reported, and pruned only behind guards: foreign
 * pools' rows are never touched, a safety limit stops mass deletes, and every
 * deleted row is written whole to a backup first.
 */
import { ListUsersCommand, type CognitoIdentityProviderClient, type ListUsersCommandOutput } from "@aws-sdk/client-cognito-identity-provider";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { AmplifyApiTarget } from "../function-env";
import { rowWriterFor, type RowWriter } from "../row-writer";
import { statusesWithRows } from "../row-fields";
import type { RowMapping } from "../user-record";
import { findOrphans, pruneOrphans, type PruneBackup } from "./orphans";
import { RateLimiter, realSleep, type Sleep } from "./pacing";
import { preflight } from "./preflight";
import { newReport, type ReconcileReport } from "./report";
import { sendCounted, syncUsers, tallyPage, type SyncContext } from "./sync-users";

export type { ReconcileReport } from "./report";

/** ListUsers returns at most 60 users a page. */
export const LIST_USERS_PAGE = 60;

export interface ReconcileOptions extends RowMapping {
  /** Retries throttled calls itself (see core/clients.ts). */
  readonly cognito: Pick<CognitoIdentityProviderClient, "send">;
  /** Reads rows (and writes them when no writer is given). */
  readonly dynamodb: Pick<DynamoDBClient, "send">;
  /** Writes rows: the table or the app's AppSync API, one for every write. @default the table, unless `amplifyApi` names an API (then a writer must be given) */
  readonly writer?: RowWriter;
  readonly amplifyApi?: AmplifyApiTarget;
  readonly userPoolId: string;
  readonly tableName: string;
  /** Write and delete nothing. @default false */
  readonly dryRun?: boolean;
  /** Refresh stale sync-owned fields of existing rows. @default true */
  readonly refresh?: boolean;
  /** Also expect rows for UNCONFIRMED and FORCE_CHANGE_PASSWORD users. @default false */
  readonly includeUnconfirmed?: boolean;
  /** Delete orphan rows (after listing them and writing each to `backup`). @default false */
  readonly pruneOrphans?: boolean;
  /** Orphans a prune may delete; more refuses the whole prune. @default max(100, 5% of this pool's rows) */
  readonly maxPrune?: number;
  /** Where each pruned row is written, whole, before it is deleted. Required to prune. */
  readonly backup?: PruneBackup;
  /** The table holds other entities too and the key layout cannot tell user rows apart: never prune. @default false */
  readonly userRowsAmbiguous?: boolean;
  /** Reconcile even when the table holds rows of other pools and none of this one. @default false */
  readonly allowForeignTable?: boolean;
  /** The function the pool's PostConfirmation should run; another (or none) is reported as `triggerDrift`. @default no check */
  readonly expectedTrigger?: string;
  /** Cognito requests per second (ListUsers quota is ~30/s per account). @default 20 */
  readonly rate?: number;
  /** Puts and updates in flight. @default 16 */
  readonly writeConcurrency?: number;
  /** Rounds of UnprocessedKeys retries. @default 8 */
  readonly maxRetries?: number;
  /** Stop starting new work (SIGINT/SIGTERM); what is in flight finishes, and the partial report is returned. */
  readonly stop?: AbortSignal;
  /** The overall deadline: aborts requests in flight too. */
  readonly deadline?: AbortSignal;
  readonly onProgress?: (progress: ReconcileProgress) => void;
  /** Called with the orphan ids about to be pruned, once every guard has passed (not on a dry run, a refusal or a stop). */
  readonly onOrphans?: (ids: readonly string[]) => void;
  /** For tests. @default real timers */
  readonly sleep?: Sleep;
  readonly now?: () => number;
}

export interface ReconcileProgress {
  /** users: listing (each page); verify: looking orphan candidates up by sub; orphans: done with them. */
  readonly phase: "users" | "verify" | "orphans";
  /** Rows of this pool the listing did not see, to be looked up by sub (verify). */
  readonly candidates?: number;
  /** Cognito's estimate of the pool size, for a progress bar. */
  readonly estimatedUsers?: number;
  readonly scanned: number;
  readonly present: number;
  readonly created: number;
  readonly updated: number;
  readonly failed: number;
}

/** A failure that ends the run early; carries the partial report. */
export class ReconcileError extends Error {
  constructor(
    readonly cause: unknown,
    readonly report: ReconcileReport,
  ) {
    super((cause as Error)?.message ?? String(cause));
    this.name = (cause as Error)?.name ?? "ReconcileError";
  }
}

export async function reconcile(options: ReconcileOptions): Promise<ReconcileReport> {
  const sleep = options.sleep ?? realSleep;
  const now = options.now ?? Date.now;
  const started = now();
  const report = newReport(options.userPoolId, options.tableName, Boolean(options.dryRun));
  const ctx: SyncContext = {
    ...options,
    writer: options.writer ?? rowWriterFor(options, options),
    refresh: options.refresh ?? true,
    maxRetries: options.maxRetries ?? 8,
    writeConcurrency: options.writeConcurrency ?? 16,
    sleep,
    now,
    report,
  };
  const stopped = () => Boolean(options.stop?.aborted || options.deadline?.aborted);
  const finish = () => {
    if (options.deadline?.aborted) report.interrupted = "deadline";
    else if (options.stop?.aborted) report.interrupted = "stopped";
    report.durationMs = now() - started;
    return report;
  };
  const progress = (phase: ReconcileProgress["phase"], candidates?: number) =>
    options.onProgress?.({ phase, candidates, estimatedUsers: report.estimatedUsers, scanned: report.scanned, present: report.present, created: report.created, updated: report.updated, failed: report.failed });

  await preflight(ctx);

  // Users: page through the pool at a steady rate; check, repair and refresh
  // each page while the next one is fetched.
  const limiter = new RateLimiter(options.rate ?? 20, sleep, now);
  const expectedStatuses = statusesWithRows(options);
  const poolSubs = new Set<string>();
  let token: string | undefined;
  let inFlight: Promise<void> = Promise.resolve();
  try {
    do {
      await limiter.wait();
      if (stopped()) break;
      const page = await sendCounted<ListUsersCommandOutput>(ctx, options.cognito, new ListUsersCommand({ UserPoolId: options.userPoolId, Limit: LIST_USERS_PAGE, PaginationToken: token }));
      token = page.PaginationToken;
      const expected = tallyPage(report, page.Users ?? [], expectedStatuses, (sub) => poolSubs.add(sub));
      await inFlight;
      progress("users");
      inFlight = syncUsers(ctx, expected);
    } while (token);
    await inFlight;
  } catch (err) {
    await inFlight.catch(() => undefined);
    if (stopped()) return finish();
    throw new ReconcileError(err, finish());
  }
  progress("users");
  // A listing cut short cannot tell orphans from users it has not seen yet.
  if (stopped()) return finish();

  // Orphans: a failure here keeps the report of the user phase.
  try {
    const orphans = await findOrphans(ctx, poolSubs, limiter, stopped, (n) => progress("verify", n));
    progress("orphans");
    if (options.pruneOrphans && !options.dryRun && !stopped()) await pruneOrphans(ctx, orphans, stopped, limiter, options.onOrphans);
  } catch (err) {
    if (!stopped()) {
      report.failed++;
      report.orphanPhaseError = `${(err as Error).name ?? "Error"}: ${(err as Error).message ?? String(err)}`;
      report.failures.push({ error: `orphan phase: ${report.orphanPhaseError}` });
    }
  }
  return finish();
}
