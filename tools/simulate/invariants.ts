/**
 * What a user relies on, checked after every step and at quiescence:
 * 1. a live user's row is never erased, tombstoned or deleted;
 * 2. at quiescence (everything delivered, one full reconcile) each user in a
 *    status with rows has one row whose sync-owned fields are Cognito's, and
 *    each deleted user's row is what onUserDeleted says, once its delete was
 *    processed;
 * 3. app-owned fields and createdAt are never changed by sync; other pools'
 *    rows and other entities are never written or deleted;
 * 4. a reconcile that reports success listed every page and scanned every row;
 * 5. every pruned row is in its run's backup, and restore puts it back exactly;
 * 6. every sync write is true to Cognito and to AppSync, and says what it did:
 *    a row stamped with Cognito's last-modified time holds the user as they
 *    were at that time, and that stamp never goes back; under conflict
 *    detection each write adds exactly 1 to `_version` and moves
 *    `_lastChangedAt` on, and a soft delete has `_deleted: true` and its TTL;
 *    the outcome a function reports (created, refreshed, erased, deleted, or
 *    one that writes nothing) is what happened to the table.
 */
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { isDeepStrictEqual } from "node:util";
import { DEFAULT_ATTRIBUTE_MAP, statusesWithRows } from "../../core/row-fields";
import { subOfKey } from "../../core/row-key";
import type { ReconcileReport } from "../../core/reconcile/report";
import { ScratchStore } from "../../core/reconcile/scratch";
import type { RunState } from "../../core/reconcile/worker";
import type { ModelUser } from "./cognito-model";
import { TOMBSTONE_TTL_SECONDS } from "../../core/user-store";
import { InvariantViolation, POOL, SCRATCH, type PendingTrigger, type SyncWrite } from "./config";
import type { SimEvent } from "./events";
import type { World } from "./world";

const violation = (n: number, message: string): never => {
  throw new InvariantViolation(`invariant ${n}: ${message}`);
};

const PERSONAL_MARKER = "username";

export async function afterStep(w: World, label: string): Promise<void> {
  checkWrites(w, label, w.syncWrites.splice(0));
  const items = await w.items();
  const byKey = new Map(items.map((i) => [w.keyString(i), i]));
  for (const [key, item] of w.foreign) {
    if (!isDeepStrictEqual(byKey.get(key), item)) violation(3, `after "${label}", an item that is not this pool's row changed: ${key}`);
  }
  for (const u of w.cognito.users()) {
    const item = byKey.get(w.keyString(w.keyOf(u.sub)));
    if (!item) {
      if (w.rowsOfLiveUsers.has(u.sub)) violation(1, `after "${label}", the row of live user ${u.username} (${u.sub}) was deleted`);
      continue;
    }
    w.rowsOfLiveUsers.add(u.sub);
    const row = unmarshall(item);
    if (row.deletedAt !== undefined || row._deleted !== undefined) violation(1, `after "${label}", live user ${u.username} (${u.sub}) has a tombstone: ${JSON.stringify(row)}`);
    if (row[PERSONAL_MARKER] === undefined) violation(1, `after "${label}", live user ${u.username} (${u.sub}) lost personal fields: ${JSON.stringify(row)}`);
  }
  for (const item of items) {
    const key = w.keyString(item);
    if (w.foreign.has(key)) continue;
    const row = unmarshall(item);
    const app = w.appFields.get(key);
    if (app && (row.bio !== app.bio || row.postCount !== app.postCount)) violation(3, `after "${label}", app-owned fields of ${key} changed: ${JSON.stringify(app)} -> ${JSON.stringify({ bio: row.bio, postCount: row.postCount })}`);
    const created = w.createdAt.get(key);
    if (created === undefined) {
      if (row.createdAt !== undefined) w.createdAt.set(key, row.createdAt);
    } else if (row.createdAt !== created) {
      violation(3, `after "${label}", createdAt of ${key} changed: ${created} -> ${row.createdAt}`);
    }
  }
}

/** A reconcile that says it succeeded saw the whole pool and the whole table (4), and backed up what it pruned (5). */
async function checkRun(w: World, report: ReconcileReport, run: string, start: { listings: number; scans: number }) {
  const succeeded = report.failed === 0 && !report.orphanPhaseError && !report.interrupted;
  if (succeeded) {
    const listings = w.cognito.listings.slice(start.listings);
    if (!listings.some((l) => l.finished && l.users === report.scanned)) {
      violation(4, `${run} reported success having listed ${report.scanned} users, but no listing reached its last page with that many (${JSON.stringify(listings)})`);
    }
    if (w.fullScansFinished <= start.scans) violation(4, `${run} reported success without scanning the table to its end`);
  }
  const deletions = w.pruned.filter((p) => p.run === run);
  if (deletions.length === 0) return;
  const engine = w.engineBackups.get(run);
  const entries = engine ? engine.entries : await new ScratchStore(w.raw, SCRATCH, run).backups();
  for (const d of deletions) {
    if (!entries.some((e) => isDeepStrictEqual(e.item, d.item))) violation(5, `${run} deleted ${JSON.stringify(d.key)} without the row in its backup`);
  }
}

export async function afterEngineRun(w: World, r: { report: ReconcileReport; run: string; listings: number; scans: number }): Promise<void> {
  await checkRun(w, r.report, r.run, r);
}

export async function afterWorkerStep(w: World, state: RunState): Promise<void> {
  if (state.phase === "done") await checkRun(w, state.report, state.runId, w.runStart!);
  else if (w.pruned.some((p) => p.run === state.runId)) await checkRun(w, { ...state.report, failed: 1 }, state.runId, w.runStart!);
}

/** Restore puts every pruned row of the run back exactly, except where a row with that key exists again. */
export async function afterRestore(w: World, run: string): Promise<void> {
  const deletions = w.pruned.filter((p) => p.run === run);
  const present = new Set((await w.items()).map((i) => w.keyString(i)));
  const result = await w.restore(run);
  if (!result) return;
  const after = new Map((await w.items()).map((i) => [w.keyString(i), i]));
  for (const d of deletions) {
    const key = w.keyString(d.key);
    if (present.has(key)) continue;
    w.restoredKeys.add(key);
    // The last deletion of that key is the row as it was.
    const last = deletions.filter((x) => w.keyString(x.key) === key).pop()!;
    if (!isDeepStrictEqual(after.get(key), last.item)) violation(5, `restore of ${run} did not put ${key} back exactly: ${JSON.stringify(after.get(key))} vs ${JSON.stringify(last.item)}`);
  }
  await afterStep(w, `restore ${run}`);
}

const MAPPED = Object.entries(DEFAULT_ATTRIBUTE_MAP);

/** What the row of a live user must hold: an oracle written from the README, not from the code. */
function expectedProblems(w: World, u: ModelUser, row: Record<string, any>): string[] {
  const problems: string[] = [];
  const expect = (field: string, value: unknown) => {
    if (!isDeepStrictEqual(row[field], value)) problems.push(`${field} is ${JSON.stringify(row[field])}, Cognito says ${JSON.stringify(value)}`);
  };
  const a = u.attributes;
  expect("username", u.username);
  expect("userPoolId", POOL);
  expect("email", a.email);
  expect("emailVerified", a.email_verified === undefined ? undefined : a.email_verified === "true");
  for (const [attribute, field] of MAPPED) expect(field, a[attribute]);
  if ((row.enabled ?? true) !== u.enabled) problems.push(`enabled is ${row.enabled}, Cognito says ${u.enabled}`);
  if (w.config.rowsAtInvite) expect("invited", u.status === "FORCE_CHANGE_PASSWORD" ? true : undefined);
  if (w.config.amplify !== "off") {
    expect("__typename", "User");
    expect("owner", `${u.sub}::${u.username}`);
  }
  for (const f of ["deletedAt", "_deleted", "_ttl"]) expect(f, undefined);
  return problems;
}

/** Invariant 2, once everything is delivered and one full reconcile has run. */
export async function atQuiescence(w: World): Promise<void> {
  const withRows = statusesWithRows(w.config);
  for (const u of w.cognito.users()) {
    if (!withRows.has(u.status)) continue;
    const row = await w.row(u.sub);
    if (!row) violation(2, `at quiescence, ${u.status} user ${u.username} (${u.sub}) has no row`);
    const problems = expectedProblems(w, u, row!);
    if (problems.length) violation(2, `at quiescence, the row of ${u.username} (${u.sub}) is not Cognito's: ${problems.join("; ")}`);
  }
  for (const sub of w.deleteProcessed) {
    // A restore undoes a prune as it was, on the operator's word: it does not re-apply deletions.
    if (w.cognito.bySub(sub) || w.restoredKeys.has(w.keyString(w.keyOf(sub)))) continue;
    const row = await w.row(sub);
    if (!row) continue;
    if (w.config.onUserDeleted === "keep") {
      if (row.username === undefined || row.deletedAt !== undefined) violation(2, `at quiescence, deleted user ${sub}'s row was erased although onUserDeleted is keep: ${JSON.stringify(row)}`);
      continue;
    }
    const personal = ["username", "email", "emailVerified", ...MAPPED.map(([, f]) => f), ...(w.config.amplify !== "off" ? ["owner"] : [])].filter((f) => row[f] !== undefined);
    const tombstone = w.config.onUserDeleted === "delete" && w.config.amplify === "conflict-detection";
    if (w.config.onUserDeleted === "delete" && !tombstone) violation(2, `at quiescence, deleted user ${sub}'s row is still there (onUserDeleted: delete): ${JSON.stringify(row)}`);
    if (personal.length > 0 || row.deletedAt === undefined) violation(2, `at quiescence, deleted user ${sub}'s row is not erased: ${JSON.stringify(row)}`);
    if (tombstone && row._deleted !== true) violation(2, `at quiescence, deleted user ${sub}'s row has no AppSync tombstone: ${JSON.stringify(row)}`);
  }
  // Every row is keyed by a user this pool has or had (never by a malformed or forged sub).
  const known = new Set([...w.cognito.users().map((u) => u.sub), ...w.deletedSubs]);
  for (const item of await w.items()) {
    if (w.foreign.has(w.keyString(item))) continue;
    const sub = subOfKey(w.layout, unmarshall(item));
    if (sub === undefined || !known.has(sub)) violation(3, `a row keyed by no user of this pool appeared: ${JSON.stringify(unmarshall(item))}`);
  }
}

/** Invariant 6, for each write the sync made. */
function checkWrites(w: World, label: string, writes: SyncWrite[]): void {
  const amplifyVersions = w.config.amplify === "conflict-detection";
  for (const write of writes) {
    const before = write.before && unmarshall(write.before);
    const after = write.after && unmarshall(write.after);
    const what = `after "${label}", ${write.actor}'s ${write.command} of ${write.key}`;
    if (!after) {
      if (write.actor === "events" && !(w.config.onUserDeleted === "delete" && !amplifyVersions)) violation(6, `${what} deleted the row although onUserDeleted is ${w.config.onUserDeleted}${amplifyVersions ? " under conflict detection (a soft delete)" : ""}`);
      continue;
    }
    const [was, is] = [before?.cognitoModifiedAt, after.cognitoModifiedAt];
    if (was !== undefined && (is === undefined || is < was)) violation(6, `${what} took the row back to older Cognito data: cognitoModifiedAt ${was} -> ${is}`);
    if (is !== undefined && after.deletedAt === undefined) {
      const sub = subOfKey(w.layout, after)!;
      const version = w.cognito.version(sub, Date.parse(is));
      if (!version) violation(6, `${what} stamped the row with ${is}, a time Cognito never modified ${sub} at`);
      const problems = expectedProblems(w, version!, after);
      if (problems.length) violation(6, `${what} does not hold Cognito's data as of ${is}, the time it is stamped with: ${problems.join("; ")}`);
    }
    if (!amplifyVersions) {
      if (after._version !== before?._version) violation(6, `${what} wrote _version without conflict detection: ${JSON.stringify(after)}`);
      continue;
    }
    if (after._version !== (before?._version ?? 0) + 1) violation(6, `${what} moved _version ${before?._version} -> ${after._version}; AppSync adds exactly 1 per write`);
    if (typeof after._lastChangedAt !== "number" || (before?._lastChangedAt !== undefined && after._lastChangedAt <= before._lastChangedAt)) {
      violation(6, `${what} did not move _lastChangedAt on (epoch ms): ${before?._lastChangedAt} -> ${after._lastChangedAt}`);
    }
    if (after._deleted !== undefined && (after._deleted !== true || after._ttl !== Math.floor(after._lastChangedAt / 1000) + TOMBSTONE_TTL_SECONDS)) {
      violation(6, `${what} left a soft delete AppSync would not: _deleted ${after._deleted}, _ttl ${after._ttl} for _lastChangedAt ${after._lastChangedAt}`);
    }
  }
}

const WRITES_NOTHING = new Set(["filtered", "ignored", "malformed", "present", "unchanged", "kept", "no-row", "other-pool", "unknown-user", "unidentified", "superseded", "exists"]);

/** Invariant 6: the outcome a function reports is what its writes did. */
async function checkOutcome(w: World, who: string, result: { outcome: string; sub?: string }, writes: SyncWrite[]): Promise<void> {
  const { outcome, sub } = result;
  const what = `${who} reported "${outcome}"${sub ? ` for ${sub}` : ""}`;
  if (WRITES_NOTHING.has(outcome)) {
    if (writes.length) violation(6, `${what} but wrote ${writes.map((x) => `${x.command} ${x.key}`).join(", ")}`);
    return;
  }
  const key = sub && w.keyString(w.keyOf(sub));
  const mine = writes.filter((x) => x.key === key);
  if (mine.length !== writes.length || mine.length > 1) violation(6, `${what} but its writes were ${writes.map((x) => `${x.command} ${x.key}`).join(", ") || "none"}`);
  const [write] = mine;
  const after = write?.after && unmarshall(write.after);
  const ok =
    outcome === "created" ? write?.command === "PutItemCommand" && !write.before && after !== undefined
    : outcome === "refreshed" ? write?.command === "UpdateItemCommand" && write.before !== undefined && after?.deletedAt === undefined
    : outcome === "erased" ? (write ? write.command === "UpdateItemCommand" && after?.deletedAt !== undefined && after._deleted === undefined : (await w.row(sub!))?.deletedAt !== undefined)
    : outcome === "deleted" ? (write ? (write.command === "DeleteItemCommand" && !after) || (write.command === "UpdateItemCommand" && after?._deleted === true) : ((r) => r?._deleted === true && r.deletedAt !== undefined)(await w.row(sub!)))
    : false;
  if (!ok) violation(6, `${what} but the table says otherwise: ${JSON.stringify(write ? { command: write.command, before: write.before && unmarshall(write.before), after } : "no write")}`);
}

/** The user-events function handles one delivery; its outcome is checked (6). Throws when Lambda would retry. */
export async function deliverEvent(w: World, event: SimEvent, who = "the user-events function"): Promise<string> {
  const start = w.syncWrites.length;
  const result = await w.runEvent(event);
  await checkOutcome(w, who, result, w.syncWrites.slice(start));
  return result.outcome;
}

/** The PostConfirmation trigger runs; its outcome is checked (6). */
export async function deliverTrigger(w: World, t: PendingTrigger): Promise<string> {
  const start = w.syncWrites.length;
  const outcome = await w.runTrigger(t);
  await checkOutcome(w, "the trigger", { outcome, sub: t.sub }, w.syncWrites.slice(start));
  return outcome;
}
