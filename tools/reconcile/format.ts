/** The reconcile report and progress as a person reads them. */
import type { ReconcileProgress } from "../../core/reconcile/engine";
import type { ReconcileReport } from "../../core/reconcile/report";

/**
 * Where a run is, as one log line, printed when the phase changes (stderr that is not a
 * terminal: CI logs, pipes, a test waiting for a phase).
 */
export function phaseLine(p: ReconcileProgress): string {
  const counts = `${p.scanned} users listed, ${p.created} rows created, ${p.updated} updated, ${p.failed} failed`;
  if (p.phase === "users") return `reconcile: listing users${p.estimatedUsers ? ` (about ${p.estimatedUsers})` : ""}\n`;
  if (p.phase === "verify") return `reconcile: ${counts}; checking ${p.candidates ?? 0} orphan candidates by sub\n`;
  return `reconcile: orphans checked\n`;
}

/** One terminal line; a bar when the pool's estimated size is known, counts alone otherwise. */
export function progressLine(p: ReconcileProgress): string {
  const counts = `${p.scanned} scanned, ${p.present} present, ${p.created} created, ${p.updated} updated, ${p.failed} failed`;
  if (p.phase === "verify") return `\r[${"#".repeat(24)}] users done (${counts}); checking ${p.candidates ?? 0} orphan candidates `;
  if (p.phase === "orphans") return `\r[${"#".repeat(24)}] users done (${counts}); orphans checked `;
  if (!p.estimatedUsers) return `\rscanning users: ${counts} `;
  const done = Math.min(24, Math.floor((24 * p.scanned) / p.estimatedUsers));
  return `\r[${"#".repeat(done)}${"-".repeat(24 - done)}] ${Math.min(100, Math.floor((100 * p.scanned) / p.estimatedUsers))}% ${counts} `;
}

export function humanReport(r: ReconcileReport): string {
  const statuses = Object.entries(r.byStatus)
    .map(([s, n]) => `${s} ${n}`)
    .join(", ");
  const fields = Object.entries(r.updatedFields)
    .map(([f, n]) => `${f} ${n}`)
    .join(", ");
  const lines = [
    `Reconciled user pool ${r.userPoolId} with table ${r.tableName}${r.dryRun ? " (dry run: nothing written or deleted)" : ""} in ${(r.durationMs / 1000).toFixed(1)} s`,
  ];
  if (r.interrupted) lines.push(`  STOPPED EARLY (${r.interrupted === "deadline" ? "--timeout reached" : "signal"}): the counts below are partial`);
  lines.push(
    `  users scanned    ${r.scanned}${statuses ? ` (${statuses})` : ""}`,
    `  expected rows    ${r.expected}`,
    `  rows present     ${r.present}`,
    `  rows missing     ${r.missing}`,
    `  rows created     ${r.created}${r.dryRun ? ` (would create ${r.missing})` : ""}`,
    `  rows stale       ${r.stale}`,
    `  rows updated     ${r.updated}${r.dryRun ? ` (would update ${r.stale})` : ""}${fields ? ` (${fields})` : ""}`,
    `  failed           ${r.failed}`,
    `  table rows       ${r.tableRows} of this pool${r.foreignRows ? `, ${r.foreignRows} of other pools (never touched)` : ""}${r.otherItems ? `, ${r.otherItems} other items` : ""}`,
    `  orphan rows      ${r.orphans}${r.orphans && !r.pruned && !r.pruneRefused ? (r.dryRun ? "" : " (delete with --prune-orphans)") : ""}`,
    `  orphans pruned   ${r.pruned}${r.backup ? ` (each written to ${r.backup} first)` : ""}`,
  );
  if (r.pruneRefused) lines.push(`  PRUNE REFUSED    ${r.pruneRefused}`);
  if (r.triggerDrift) lines.push(`  TRIGGER DRIFT    PostConfirmation runs ${r.triggerDrift.actual ?? "nothing"}, not ${r.triggerDrift.expected}`);
  if (r.orphanPhaseError) lines.push(`  ORPHAN PHASE FAILED: ${r.orphanPhaseError} (the user counts above stand)`);
  if (r.vanished) lines.push(`  vanished         ${r.vanished} (listed, then gone before their row was written: a listing lags behind deletes)`);
  if (r.retried) lines.push(`  retried          ${r.retried} (throttled or transient; the SDK backed off and retried)`);
  if (r.orphanIds.length) lines.push("", "Orphan rows (no such sub in the pool):", ...r.orphanIds.map((id) => `  ${id}`));
  if (r.failures.length) lines.push("", "Failures:", ...r.failures.map((f) => `  ${f.sub ?? "-"} (${f.username ?? "-"}): ${f.error}`));
  return lines.join("\n");
}
