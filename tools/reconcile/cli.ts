/**
 * npm run reconcile -- --user-pool-id <id> --table <name> [--region <r>] [--dry-run]
 *   [--include-unconfirmed] [--prune-orphans] [--rate <requests/s>] [--json]
 *
 * Exit 0 only when nothing failed. With --json, stdout holds only the report.
 */
import { DescribeUserPoolCommand, type CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import { parseArgs } from "node:util";
import { BATCH_CLIENT, createCognitoClient, createDynamoDBClient } from "../../core/clients";
import { EXPECTED_STATUSES, reconcile, UNCONFIRMED_STATUSES, type ReconcileProgress, type ReconcileReport } from "../../core/reconcile/engine";
import { ConfigError, loadConfig } from "../../lib/settings";

const USAGE = `usage: npm run reconcile -- --user-pool-id <id> --table <name> [options]
  --user-pool-id <id>      the Cognito user pool (required)
  --table <name>           the Users table (required)
  --region <region>        AWS region (default: AWS_REGION, else the config's region)
  --dry-run                report only: write and delete nothing
  --include-unconfirmed    also expect rows for ${UNCONFIRMED_STATUSES.join(" and ")} users
  --prune-orphans          delete rows whose user is gone (listed first; not with --dry-run)
  --rate <requests/s>      Cognito request rate, 1-30 (default 20; ListUsers allows ~30/s per account)
  --json                   print only the JSON report on stdout
Rows are expected for users in ${EXPECTED_STATUSES.join(", ")}.`;

class UsageError extends Error {}

function parse(argv: string[]) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        "user-pool-id": { type: "string" },
        table: { type: "string" },
        region: { type: "string" },
        "dry-run": { type: "boolean" },
        "include-unconfirmed": { type: "boolean" },
        "prune-orphans": { type: "boolean" },
        rate: { type: "string" },
        json: { type: "boolean" },
        help: { type: "boolean" },
      },
    }).values;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (parsed.help) return undefined;
  if (!parsed["user-pool-id"]) throw new UsageError("--user-pool-id is required: the id of the user pool, e.g. us-east-1_AbC123");
  if (!/^[\w-]+_[0-9a-zA-Z]+$/.test(parsed["user-pool-id"])) {
    throw new UsageError(`--user-pool-id: ${JSON.stringify(parsed["user-pool-id"])} is not a user pool id (<region>_<id>, e.g. us-east-1_AbC123)`);
  }
  if (!parsed.table) throw new UsageError("--table is required: the name of the Users table (the stack's users_table_name output)");
  const rate = parsed.rate === undefined ? 20 : Number(parsed.rate);
  if (!(rate >= 1 && rate <= 30)) throw new UsageError(`--rate: ${JSON.stringify(parsed.rate)} must be a number from 1 to 30 requests/s (Cognito's ListUsers quota is ~30/s per account)`);
  return { ...parsed, rate };
}

/** One terminal line; a bar when the pool's estimated size is known, counts alone otherwise. */
function progressLine(p: ReconcileProgress, estimatedUsers: number | undefined): string {
  const counts = `${p.scanned} scanned, ${p.present} present, ${p.created} created, ${p.failed} failed`;
  if (p.phase === "orphans") return `\r[${"#".repeat(24)}] users done (${counts}); orphans checked `;
  if (!estimatedUsers) return `\rscanning users: ${counts} `;
  const done = Math.min(24, Math.floor((24 * p.scanned) / estimatedUsers));
  return `\r[${"#".repeat(done)}${"-".repeat(24 - done)}] ${Math.min(100, Math.floor((100 * p.scanned) / estimatedUsers))}% ${counts} `;
}

/** Cognito's own estimate of the pool size, if this identity may read it. */
async function estimatedUsers(cognito: CognitoIdentityProviderClient, userPoolId: string): Promise<number | undefined> {
  try {
    const res = await cognito.send(new DescribeUserPoolCommand({ UserPoolId: userPoolId }));
    return res.UserPool?.EstimatedNumberOfUsers || undefined;
  } catch {
    return undefined;
  }
}

function humanReport(r: ReconcileReport): string {
  const statuses = Object.entries(r.byStatus)
    .map(([s, n]) => `${s} ${n}`)
    .join(", ");
  const lines = [
    `Reconciled user pool ${r.userPoolId} with table ${r.tableName}${r.dryRun ? " (dry run: nothing written or deleted)" : ""} in ${(r.durationMs / 1000).toFixed(1)} s`,
    `  users scanned    ${r.scanned}${statuses ? ` (${statuses})` : ""}`,
    `  expected rows    ${r.expected}`,
    `  rows present     ${r.present}`,
    `  rows missing     ${r.missing}`,
    `  rows created     ${r.created}${r.dryRun ? ` (would create ${r.missing})` : ""}`,
    `  failed           ${r.failed}`,
    `  orphan rows      ${r.orphans}${r.orphans && !r.pruned ? (r.dryRun ? "" : " (delete with --prune-orphans)") : ""}`,
    `  orphans pruned   ${r.pruned}`,
  ];
  if (r.retried) lines.push(`  retried          ${r.retried} (throttled or transient; the SDK backed off and retried)`);
  if (r.orphanIds.length) lines.push("", "Orphan rows (no such sub in the pool):", ...r.orphanIds.map((id) => `  ${id}`));
  if (r.failures.length) lines.push("", "Failures:", ...r.failures.map((f) => `  ${f.sub ?? "-"} (${f.username ?? "-"}): ${f.error}`));
  return lines.join("\n");
}

async function main(): Promise<number> {
  let args;
  try {
    args = parse(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`${err.message}\n\n${USAGE}`);
    return 2;
  }
  if (!args) {
    console.log(USAGE);
    return 0;
  }
  const config = loadConfig();
  const region = args.region ?? process.env.AWS_REGION ?? config.region;
  // Standard endpoint variables (AWS_ENDPOINT_URL_*) reach local stand-ins.
  const cognito = createCognitoClient(BATCH_CLIENT, { region });
  const dynamodb = createDynamoDBClient(BATCH_CLIENT, { region });
  const showProgress = !args.json && process.stderr.isTTY;
  try {
    const estimate = showProgress ? await estimatedUsers(cognito, args["user-pool-id"]!) : undefined;
    const report = await reconcile({
      cognito,
      dynamodb,
      userPoolId: args["user-pool-id"]!,
      tableName: args.table!,
      attributeMap: config.attributeMap,
      amplifyTypename: config.amplifyTypename,
      dryRun: args["dry-run"],
      includeUnconfirmed: args["include-unconfirmed"],
      pruneOrphans: args["prune-orphans"],
      rate: args.rate,
      onProgress: showProgress ? (p) => process.stderr.write(progressLine(p, estimate)) : undefined,
      onOrphans: (ids) => {
        if (args.json || ids.length === 0 || !args["prune-orphans"] || args["dry-run"]) return;
        process.stderr.write(`\nDeleting ${ids.length} orphan row(s):\n${ids.map((id) => `  ${id}`).join("\n")}\n`);
      },
    });
    if (showProgress) process.stderr.write("\n");
    console.log(args.json ? JSON.stringify(report, null, 2) : humanReport(report));
    return report.failed === 0 ? 0 : 1;
  } finally {
    cognito.destroy();
    dynamodb.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof ConfigError ? err.message : `reconcile failed: ${(err as Error).name}: ${(err as Error).message}`);
    process.exit(1);
  },
);
