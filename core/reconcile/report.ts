/** What a reconcile run found and did; printed by the CLI, returned by the scheduled worker. */

export interface ReconcileFailure {
  readonly sub?: string;
  readonly username?: string;
  readonly error: string;
}

export interface ReconcileReport {
  readonly userPoolId: string;
  readonly tableName: string;
  readonly dryRun: boolean;
  /** Cognito's estimate of the pool size (DescribeUserPool). */
  estimatedUsers?: number;
  /** Users listed from the pool. */
  scanned: number;
  /** ListUsers pages read, and table scan pages read: a finished run read at least one of each. */
  listPages: number;
  scanPages: number;
  /** Users whose status means they must have a row. */
  expected: number;
  /** Users by status. */
  byStatus: Record<string, number>;
  /** Expected users whose row exists (including rows the trigger wrote while we ran). */
  present: number;
  /** Expected users with no row when checked. */
  missing: number;
  /** Rows this run wrote. */
  created: number;
  /** Present rows whose sync-owned fields differed from Cognito. */
  stale: number;
  /** Stale rows this run refreshed. */
  updated: number;
  /** How many rows each field was refreshed (set or removed) in. */
  updatedFields: Record<string, number>;
  /** Expected users we could neither confirm nor repair, and other failures. */
  failed: number;
  failures: ReconcileFailure[];
  /** User rows of this pool (or of no pool) in the table. */
  tableRows: number;
  /** Rows of other user pools: never orphans here, never touched. */
  foreignRows: number;
  /** Items that are not user rows under the key layout (other entities in a shared table). */
  otherItems: number;
  /** Rows of this pool whose sub is not in the pool. */
  orphans: number;
  orphanIds: string[];
  /** Orphan rows this run deleted (each written to `backup` first). */
  pruned: number;
  /** Orphans that the second read before their delete (AdminGetUser) found alive: not deleted. */
  keptAlive: number;
  /** Listed users gone when their row was to be created or revived (a listing lags behind deletes): nothing written for them. */
  vanished: number;
  /** The most orphans a prune would delete. */
  pruneLimit?: number;
  /** Why nothing was pruned although pruning was asked for. */
  pruneRefused?: string;
  /** Where the deleted rows were written, whole, before deletion. */
  backup?: string;
  /** Requests the SDK retried (throttling or transient errors). */
  retried: number;
  /** Set when the run ended early: by a signal ("stopped") or the deadline. */
  interrupted?: "stopped" | "deadline";
  /** The pool's PostConfirmation does not run this stack's function: new sign-ups get no row until a reconcile. */
  triggerDrift?: { readonly expected: string; readonly actual: string | null };
  /** The orphan phase failed; the user phase's counts above still stand. */
  orphanPhaseError?: string;
  durationMs: number;
}

export function newReport(userPoolId: string, tableName: string, dryRun: boolean): ReconcileReport {
  return {
    userPoolId,
    tableName,
    dryRun,
    scanned: 0,
    listPages: 0,
    scanPages: 0,
    expected: 0,
    byStatus: {},
    present: 0,
    missing: 0,
    created: 0,
    stale: 0,
    updated: 0,
    updatedFields: {},
    failed: 0,
    failures: [],
    tableRows: 0,
    foreignRows: 0,
    otherItems: 0,
    orphans: 0,
    orphanIds: [],
    pruned: 0,
    keptAlive: 0,
    vanished: 0,
    retried: 0,
    durationMs: 0,
  };
}

/** Whether a run needs attention: the CLI's exit code is non-zero then. */
export const reportFailed = (r: ReconcileReport) => r.failed > 0 || r.interrupted !== undefined;
