/**
 * One step of a scheduled reconcile: the state machine calls this again and
 * again with the state it returned, until the state says "done". Each step
 * works until its time slice ends and returns a small continuation; nothing
 * is carried in memory from one step to the next (the pool's subs go into
 * Bloom filters in the scratch table), so no run is bounded by Lambda's
 * 15 minutes or by Step Functions' 256 KB payloads.
 *
 * Phases: users (list, create missing rows, refresh stale ones) -> scan (the
 * table against the filters: O(rows) reads, no Cognito call per row) ->
 * verify (each candidate looked up by sub) -> prune (only when configured,
 * behind the CLI's guards) -> done (report and metrics).
 */
import { ListUsersCommand, type CognitoIdentityProviderClient, type ListUsersCommandOutput } from "@aws-sdk/client-cognito-identity-provider";
import type { AttributeValue, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { SFNClient } from "@aws-sdk/client-sfn";
import { statusesWithRows } from "../row-fields";
import type { RowMapping } from "../user-record";
import { rowWriterFor, type RowWriter } from "../row-writer";
import type { AmplifyApiTarget } from "../function-env";
import { BloomFilter } from "./bloom";
import { earlierRunningExecution } from "./guard";
import { pruneOne, pruneRefusal, scanRows, userExists } from "./orphans";
import { RateLimiter, realSleep, type Sleep } from "./pacing";
import { preflight } from "./preflight";
import { newReport, type ReconcileReport } from "./report";
import { ScratchStore } from "./scratch";
import { sendCounted, syncUsers, tallyPage, type SyncContext } from "./sync-users";

export type Phase = "users" | "scan" | "verify" | "prune" | "done" | "already-running";

/** What one step hands the next: small, whatever the pool's size. */
export interface RunState {
  readonly runId: string;
  readonly phase: Phase;
  readonly startedAt: number;
  /** Steps taken so far. */
  readonly steps: number;
  /** ListUsers' PaginationToken. */
  readonly token?: string;
  /** Bloom filter parts written (one per users step). */
  readonly bloomParts: number;
  /** The table scan's LastEvaluatedKey. */
  readonly scanKey?: Record<string, AttributeValue>;
  readonly candidateParts: number;
  /** Candidates seen, stored or not. */
  readonly candidates: number;
  /** Position in the candidate list (verify) or the orphan list (prune). */
  readonly offset: number;
  readonly orphanParts: number;
  /** Counts so far; failures and orphan ids are samples, the full lists live in the scratch table. */
  readonly report: ReconcileReport;
  /** Set when another run was going: the one this run gave way to. */
  readonly runningExecution?: string;
}

/** The state machine's input to a step. */
export interface StepInput {
  readonly state?: RunState | { readonly phase: "start"; readonly runId?: undefined };
  /** $$.Execution.Id, $$.StateMachine.Id, $$.Execution.StartTime */
  readonly execution?: string;
  readonly stateMachine?: string;
  readonly startTime?: string;
}

export interface WorkerSettings extends RowMapping {
  readonly userPoolId: string;
  readonly tableName: string;
  /** Rows are written through the app's AppSync API. @default the table */
  readonly amplifyApi?: AmplifyApiTarget;
  readonly scratchTableName: string;
  /** Cognito requests per second. */
  readonly rate: number;
  /** How long one step works before it hands over. */
  readonly sliceMs: number;
  readonly prune: boolean;
  readonly maxPrune?: number;
  readonly includeUnconfirmed?: boolean;
  /** The function the pool's PostConfirmation should run. @default no check */
  readonly postConfirmationFunction?: string;
}

export interface WorkerContext {
  readonly cognito: Pick<CognitoIdentityProviderClient, "send">;
  readonly dynamodb: Pick<DynamoDBClient, "send">;
  /** Writes rows: the table or the app's AppSync API. @default the table, unless the settings name an API (then a writer must be given) */
  readonly writer?: RowWriter;
  readonly sfn: Pick<SFNClient, "send">;
  readonly settings: WorkerSettings;
  /** The invocation's remaining time (Lambda's context). */
  readonly remainingMs: () => number;
  readonly sleep?: Sleep;
  readonly now?: () => number;
  /** Where the final metrics go. @default none */
  readonly onDone?: (report: ReconcileReport) => void;
}

/** Kept back from the Lambda timeout to finish in-flight work and write state. */
const HANDOVER_MARGIN_MS = 60_000;
/** Samples kept in the state (the payload stays small). */
const SAMPLE = 20;
/** Candidates verified one by one at most (max with 10% of the rows); beyond that a table is not this pool's. */
const VERIFY_LIMIT = 1_000;
/** Candidates stored for verification. */
const CANDIDATE_CAP = 100_000;

export async function step(input: StepInput, ctx: WorkerContext): Promise<RunState> {
  const now = ctx.now ?? Date.now;
  const sleep = ctx.sleep ?? realSleep;
  const stepStarted = now();
  const deadline = stepStarted + Math.max(0, Math.min(ctx.settings.sliceMs, ctx.remainingMs() - HANDOVER_MARGIN_MS));
  const timeLeft = () => deadline - now();
  const { settings } = ctx;

  // The state machine's first step passes { phase: "start" }.
  let state = input.state?.runId ? input.state : undefined;
  if (!state) {
    const runId = (input.execution ?? `local-${now()}`).split(":").pop()!;
    const fresh: RunState = {
      runId,
      phase: "users",
      startedAt: now(),
      steps: 0,
      bloomParts: 0,
      candidateParts: 0,
      candidates: 0,
      offset: 0,
      orphanParts: 0,
      report: newReport(settings.userPoolId, settings.tableName, false),
    };
    if (input.execution && input.stateMachine && input.startTime) {
      const running = await earlierRunningExecution(ctx.sfn, { executionArn: input.execution, stateMachineArn: input.stateMachine, startTime: input.startTime });
      if (running) return { ...fresh, phase: "already-running", runningExecution: running };
    }
    state = fresh;
  }
  // The report is mutated in place by the shared helpers; the state is rebuilt around it.
  const report: ReconcileReport = structuredClone(state.report);
  const sync: SyncContext & { maxPrune?: number } = {
    cognito: ctx.cognito,
    dynamodb: ctx.dynamodb,
    writer: ctx.writer ?? rowWriterFor(settings, ctx),
    userPoolId: settings.userPoolId,
    tableName: settings.tableName,
    attributeMap: settings.attributeMap,
    amplify: settings.amplify,
    keyLayout: settings.keyLayout,
    rowsAtInvite: settings.rowsAtInvite,
    refresh: true,
    maxRetries: 8,
    writeConcurrency: 16,
    maxPrune: settings.maxPrune,
    expectedTrigger: settings.postConfirmationFunction,
    sleep,
    now,
    report,
  };
  const scratch = new ScratchStore(ctx.dynamodb, settings.scratchTableName, state.runId, now);
  const limiter = new RateLimiter(settings.rate, sleep, now);
  let next: RunState = { ...state, steps: state.steps + 1 };

  if (next.steps === 1) await preflight(sync);

  // The step's first phase always makes progress (a page, a candidate), however little of the
  // slice preflight or loading the filters left: a phase ends only when its work is done, never
  // because time ran out before it began. Later phases start only while time is left.
  const phases: Partial<Record<Phase, (s: RunState) => Promise<RunState>>> = { users: usersPhase, scan: scanPhase, verify: verifyPhase, prune: prunePhase };
  for (let first = true; phases[next.phase] && (first || timeLeft() > 0); first = false) next = await phases[next.phase]!(next);
  if (next.phase === "done" && report.listPages === 0) {
    // Unreachable by construction; a run that listed nothing must never read as a success.
    report.failed++;
    report.failures.push({ error: "the run finished without listing one page of users" });
  }

  report.durationMs = now() - next.startedAt;
  report.failures.splice(SAMPLE);
  report.orphanIds.splice(SAMPLE);
  next = { ...next, report };
  if (next.phase === "done") ctx.onDone?.(report);
  return next;

  async function usersPhase(s: RunState): Promise<RunState> {
    const expectedStatuses = statusesWithRows(settings);
    const subs: string[] = [];
    let token = s.token;
    let inFlight: Promise<void> = Promise.resolve();
    try {
      do {
        await limiter.wait();
        const page = await sendCounted<ListUsersCommandOutput>(sync, ctx.cognito, new ListUsersCommand({ UserPoolId: settings.userPoolId, Limit: 60, PaginationToken: token }));
        token = page.PaginationToken;
        const expected = tallyPage(report, page.Users ?? [], expectedStatuses, (sub) => subs.push(sub));
        await inFlight;
        inFlight = syncUsers(sync, expected);
      } while (token && timeLeft() > 0);
    } finally {
      await inFlight;
    }
    let parts = s.bloomParts;
    if (subs.length > 0) {
      const bloom = BloomFilter.forCount(subs.length, s.runId);
      for (const sub of subs) bloom.add(sub);
      await scratch.putBloom(parts++, bloom, subs.length);
    }
    return { ...s, token, bloomParts: parts, phase: token ? "users" : "scan" };
  }

  async function scanPhase(s: RunState): Promise<RunState> {
    const blooms = await scratch.blooms();
    const inPool = (sub: string) => blooms.some((b) => b.has(sub));
    const candidates: string[] = [];
    let seen = s.candidates;
    let scanKey = s.scanKey;
    do {
      const page = await scanRows(sync, scanKey);
      for (const sub of page.subs) {
        if (inPool(sub)) continue;
        if (seen++ < CANDIDATE_CAP) candidates.push(sub);
      }
      scanKey = page.lastKey;
    } while (scanKey && timeLeft() > 0);
    let parts = s.candidateParts;
    if (candidates.length > 0) await scratch.putSubs("candidates", parts++, candidates);
    return { ...s, scanKey, candidates: seen, candidateParts: parts, phase: scanKey ? "scan" : "verify", offset: 0 };
  }

  async function verifyPhase(s: RunState): Promise<RunState> {
    // So many candidates that this table is not (only) this pool's: report, and spend no Cognito calls on them.
    const limit = Math.max(VERIFY_LIMIT, Math.ceil(report.tableRows * 0.1));
    if (s.candidates > limit) {
      report.orphans = s.candidates;
      report.pruneRefused = `${s.candidates} rows of this table have no user in the pool; more than ${limit} are not verified one by one, and nothing was deleted: check the pool and the table`;
      report.failed++;
      report.failures.push({ error: report.pruneRefused });
      return { ...s, phase: "done" };
    }
    const candidates = await scratch.subs("candidates");
    const orphans: string[] = [];
    let offset = s.offset;
    for (let first = true; offset < candidates.length && (first || timeLeft() > 0); first = false) {
      await limiter.wait();
      const sub = candidates[offset++];
      if (!(await userExists(sync, sub))) {
        orphans.push(sub);
        report.orphans++;
        report.orphanIds.push(sub);
      }
    }
    let parts = s.orphanParts;
    if (orphans.length > 0) await scratch.putSubs("orphans", parts++, orphans);
    if (offset < candidates.length) return { ...s, offset, orphanParts: parts };
    return { ...s, offset: 0, orphanParts: parts, phase: settings.prune && report.orphans > 0 ? "prune" : "done" };
  }

  async function prunePhase(s: RunState): Promise<RunState> {
    const orphans = await scratch.subs("orphans");
    if (s.offset === 0) {
      const refusal = pruneRefusal(sync, orphans.length);
      if (refusal) {
        report.pruneRefused = refusal;
        report.failed++;
        report.failures.push({ error: `prune refused: ${refusal}` });
        return { ...s, phase: "done" };
      }
    }
    // Kept a month in the scratch table; the report says how to put them back.
    const location = `user-sync restore --scratch-table ${settings.scratchTableName} --run ${s.runId}`;
    let offset = s.offset;
    for (let first = true; offset < orphans.length && (first || timeLeft() > 0); first = false) {
      await limiter.wait();
      const sub = orphans[offset++];
      await pruneOne(sync, sub, { location, write: (e) => scratch.putBackup(sub, e.tableName, e.item, e.deletedAt) });
    }
    return offset < orphans.length ? { ...s, offset } : { ...s, offset: 0, phase: "done" };
  }
}
