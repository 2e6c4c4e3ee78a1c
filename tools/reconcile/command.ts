/**
 * `user-sync reconcile` (npm run reconcile) and `user-sync restore`.
 * With --json, stdout holds exactly one JSON document; everything else goes to stderr.
 */
import type { Command } from "commander";
import { EXPECTED_STATUSES, UNCONFIRMED_STATUSES } from "../../core/row-fields";
import { integerIn, UsageError, type Register } from "../command-helpers";
import { commandLine, deployedMapping, outputHint, PACKAGED, projectDefaults } from "../project";

const POOL_ID = /^[\w-]+_[0-9a-zA-Z]+$/;

interface ReconcileFlags {
  userPoolId?: string;
  table?: string;
  stack?: string;
  functionName?: string;
  region?: string;
  dryRun?: boolean;
  refresh: boolean;
  includeUnconfirmed?: boolean;
  pruneOrphans?: boolean;
  maxPrune?: number;
  backupFile?: string;
  allowForeignTable?: boolean;
  triggerCheck?: boolean;
  rate: number;
  timeout: number;
  json?: boolean;
}

function rate(value: string): number {
  const n = Number(value);
  if (!(n >= 1 && n <= 30)) throw new UsageError(`--rate: ${JSON.stringify(value)} must be a number from 1 to 30 requests/s (Cognito's ListUsers quota is ~30/s per account)`);
  return n;
}

function checkRequired(flags: ReconcileFlags, problem?: string): { userPoolId: string; table: string } {
  if (!flags.userPoolId) throw new UsageError(`--user-pool-id is required: the id of the user pool, e.g. us-east-1_AbC123 (${outputHint("user_pool_id", problem)})`);
  if (!POOL_ID.test(flags.userPoolId)) {
    throw new UsageError(`--user-pool-id: ${JSON.stringify(flags.userPoolId)} is not a user pool id (<region>_<id>, e.g. us-east-1_AbC123)`);
  }
  if (!flags.table) throw new UsageError(`--table is required: the name of the Users table (${outputHint("users_table_name", problem)})`);
  return { userPoolId: flags.userPoolId, table: flags.table };
}

const defaultBackupFile = (table: string, at: Date) => `reconcile-pruned-${table}-${at.toISOString().replace(/[:.]/g, "-")}.jsonl`;

/** Defaults from the deployed stage: its saved outputs (and in this repository, the config). */
async function withDefaults(flags: ReconcileFlags): Promise<ReconcileFlags & { problem?: string; region: string; trigger?: string }> {
  const { outputs, stage, problem } = await projectDefaults(flags.stack);
  return {
    ...flags,
    userPoolId: flags.userPoolId ?? stage?.existingPool ?? outputs.user_pool_id,
    table: flags.table ?? outputs.users_table_name,
    functionName: flags.functionName ?? outputs.function_name ?? stage?.postConfirmationFunction,
    region: flags.region ?? process.env.AWS_REGION ?? outputs.region ?? stage?.region ?? "us-east-1",
    trigger: stage?.postConfirmationFunction ?? outputs.function_name,
    problem,
  };
}

/** The rows' mapping: this repository's config, or (installed) what the deployed function runs with. */
async function mappingFor(flags: { functionName?: string; region: string; problem?: string }) {
  if (!PACKAGED) {
    const [{ loadConfig }, { rowMapping, amplifyApiTarget }, { layoutIsDistinctive }] = await Promise.all([import("../../lib/settings"), import("../../lib/specs"), import("../../core/row-key")]);
    const config = loadConfig();
    return { ...rowMapping(config), amplifyApi: amplifyApiTarget(config), userRowsAmbiguous: config.table.shared && !layoutIsDistinctive(rowMapping(config).keyLayout!) };
  }
  if (!flags.functionName) {
    throw new UsageError(`--function-name is required: reconcile writes rows as your UserSync does, and reads how from its PostConfirmation function's settings (${outputHint("function_name", flags.problem)})`);
  }
  const { attributeMap, keyLayout, amplify, rowsAtInvite, amplifyApi } = await deployedMapping(flags.functionName, flags.region);
  return { attributeMap, keyLayout, amplify, rowsAtInvite, amplifyApi };
}

async function runReconcile(given: ReconcileFlags): Promise<number> {
  const flags = await withDefaults(given);
  const { userPoolId, table } = checkRequired(flags, flags.problem);
  const [{ createCognitoClient, createDynamoDBClient }, { rowWriterFor }, { reconcile, ReconcileError }, { reportFailed }, format, { backupFile }, { checkCredentials, TOOL_CLIENT, watched }] = await Promise.all([
    import("../../core/clients"),
    import("../../core/row-writer"),
    import("../../core/reconcile/engine"),
    import("../../core/reconcile/report"),
    import("./format"),
    import("./backup-file"),
    import("../aws"),
  ]);
  const region = flags.region;
  await checkCredentials(region);
  const mapping = await mappingFor(flags);
  // Standard endpoint variables (AWS_ENDPOINT_URL_*) reach local stand-ins.
  const cognito = watched(createCognitoClient(TOOL_CLIENT, { region }), { name: "Cognito", env: "COGNITO_IDENTITY_PROVIDER", region });
  const dynamodb = watched(createDynamoDBClient(TOOL_CLIENT, { region }), { name: "DynamoDB", env: "DYNAMODB", region });
  // Rows are written the way the functions write them: the table, or the app's AppSync API (signed with these credentials).
  const writer = rowWriterFor({ tableName: table, ...mapping }, { dynamodb, credentials: dynamodb.config.credentials, region });
  const backup = flags.pruneOrphans && !flags.dryRun ? backupFile(flags.backupFile ?? defaultBackupFile(table, new Date())) : undefined;

  // First signal: finish what is in flight and report. Second: abort it. The deadline aborts too.
  const stop = new AbortController();
  const deadline = new AbortController();
  let signalled: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) return deadline.abort();
    signalled = signal;
    process.stderr.write(`\n${signal}: finishing what is in flight, then reporting (again to abort it)\n`);
    stop.abort();
  };
  process.on("SIGINT", onSignal).on("SIGTERM", onSignal);
  const timer = setTimeout(() => deadline.abort(), flags.timeout * 1000);
  const showProgress = !flags.json && process.stderr.isTTY;
  let lastPhase: string | undefined;
  const print = (report: object) => {
    if (showProgress) process.stderr.write("\n");
    if (flags.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else process.stdout.write(`${format.humanReport(report as never)}\n`);
  };
  try {
    const report = await reconcile({
      cognito,
      dynamodb,
      writer,
      userPoolId,
      tableName: table,
      ...mapping,
      dryRun: flags.dryRun,
      refresh: flags.refresh,
      includeUnconfirmed: flags.includeUnconfirmed,
      pruneOrphans: flags.pruneOrphans,
      maxPrune: flags.maxPrune,
      backup,
      allowForeignTable: flags.allowForeignTable,
      expectedTrigger: flags.triggerCheck === false ? undefined : flags.trigger,
      rate: flags.rate,
      stop: stop.signal,
      deadline: deadline.signal,
      onProgress: showProgress
        ? (p) => process.stderr.write(format.progressLine(p))
        : (p) => {
            if (p.phase === lastPhase) return;
            lastPhase = p.phase;
            process.stderr.write(format.phaseLine(p));
          },
      onOrphans: (ids) => {
        if (ids.length === 0 || !flags.pruneOrphans || flags.dryRun) return;
        process.stderr.write(`\nOrphan rows to delete (each written to ${backup!.location} first):\n${ids.map((id) => `  ${id}`).join("\n")}\n`);
      },
    });
    print(report);
    if (report.triggerDrift) {
      const { actual, expected } = report.triggerDrift;
      process.stderr.write(
        `warning: user pool ${userPoolId} runs ${actual ?? "no function"} on PostConfirmation, not ${expected}: new sign-ups get no row until the next reconcile. ` +
          `Fix: ${commandLine("attach", `--user-pool-id ${userPoolId}`)} (see README "Troubleshooting"; --no-trigger-check silences this)\n`,
      );
    }
    if (report.interrupted === "deadline") process.stderr.write(`reconcile stopped: --timeout ${flags.timeout} s reached\n`);
    if (signalled) return signalled === "SIGINT" ? 130 : 143;
    return reportFailed(report) ? 1 : 0;
  } catch (err) {
    if (err instanceof ReconcileError) {
      print(err.report);
      process.stderr.write(`reconcile failed: ${err.name}: ${err.message}\n`);
      return signalled ? (signalled === "SIGINT" ? 130 : 143) : 1;
    }
    // A second Ctrl-C aborted what was in flight: that is a stop, not a failure.
    if (signalled) return signalled === "SIGINT" ? 130 : 143;
    if (deadline.signal.aborted && !signalled) {
      process.stderr.write(`reconcile stopped: --timeout ${flags.timeout} s reached before the run could start (${(err as Error).message})\n`);
      return 1;
    }
    if ((err as Error).name === "PreflightError") {
      process.stderr.write(`reconcile cannot start: ${(err as Error).message}\n`);
      return 1;
    }
    throw err;
  } finally {
    clearTimeout(timer);
    process.off("SIGINT", onSignal).off("SIGTERM", onSignal);
    await backup?.close();
    cognito.destroy();
    dynamodb.destroy();
  }
}

async function runRestore(flags: { file?: string; scratchTable?: string; run?: string; table?: string; userPoolId?: string; region?: string; json?: boolean }): Promise<number> {
  if (!flags.file === !(flags.scratchTable && flags.run)) {
    throw new UsageError("restore: give --file <backup file> (a CLI prune), or --scratch-table <name> and --run <run id> (a scheduled prune)");
  }
  if (flags.userPoolId && !POOL_ID.test(flags.userPoolId)) throw new UsageError(`--user-pool-id: ${JSON.stringify(flags.userPoolId)} is not a user pool id (<region>_<id>, e.g. us-east-1_AbC123)`);
  const [{ createDynamoDBClient }, { restoreRows, RestoreError }, { checkCredentials, TOOL_CLIENT, watched }] = await Promise.all([import("../../core/clients"), import("./restore"), import("../aws")]);
  const { outputs, stage } = await projectDefaults();
  const region = flags.region ?? process.env.AWS_REGION ?? outputs.region ?? stage?.region ?? "us-east-1";
  await checkCredentials(region);
  const dynamodb = watched(createDynamoDBClient(TOOL_CLIENT, { region }), { name: "DynamoDB", env: "DYNAMODB", region });
  const print = (result: { restored: number; skipped: number; refused: number; tables: string[] }) => {
    if (flags.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else process.stdout.write(`Restored ${result.restored} row(s) into ${result.tables.join(", ") || "-"}; ${result.skipped} skipped (a row with that key exists again); ${result.refused} refused.\n`);
  };
  try {
    print(await restoreRows(dynamodb, flags.file ? { file: flags.file } : { scratchTable: flags.scratchTable!, runId: flags.run! }, { table: flags.table, userPoolId: flags.userPoolId }));
    return 0;
  } catch (err) {
    if (!(err instanceof RestoreError)) throw err;
    print(err.result);
    process.stderr.write(`restore: ${err.message}\n`);
    return 1;
  } finally {
    dynamodb.destroy();
  }
}

export const registerReconcile: Register = (program: Command, run) => {
  program
    .command("reconcile")
    .description(
      `Make the table converge with the pool: create missing rows, refresh stale sync-owned fields, report orphans (and prune them, behind guards). ` +
        `Rows are expected for users in ${EXPECTED_STATUSES.join(", ")}.`,
    )
    .option("--user-pool-id <id>", "the Cognito user pool (default: userPool.existing, else the user_pool_id in user-sync.outputs.json)")
    .option("--table <name>", "the Users table (default: the users_table_name in user-sync.outputs.json)")
    .option("--function-name <name>", "the PostConfirmation function; installed, its settings say how rows are written (default: function_name in user-sync.outputs.json)")
    .option("--stack <name>", "which stack of user-sync.outputs.json (default: this stage's, or the only one with UserSync's outputs)")
    .option("--region <region>", "AWS region (default: AWS_REGION, else the region in user-sync.outputs.json, else the config's)")
    .option("--dry-run", "report only: write and delete nothing")
    .option("--no-refresh", "do not update stale sync-owned fields of existing rows")
    .option("--include-unconfirmed", `also expect rows for ${UNCONFIRMED_STATUSES.join(" and ")} users`)
    .option("--prune-orphans", "delete rows whose user is gone: listed first, each written whole to --backup-file before its delete (ignored with --dry-run)")
    .option("--max-prune <n>", "the most orphans one prune may delete, 1 or more (default: 5% of this pool's rows, at least 100); given, it also lets a prune run whose listing saw no users or that deletes more than half of the rows", integerIn("--max-prune", 1, Number.MAX_SAFE_INTEGER))
    .option("--backup-file <path>", "JSON-lines file for pruned rows, mode 600 (default: reconcile-pruned-<table>-<time>.jsonl); undo with user-sync restore")
    .option("--allow-foreign-table", "run even when the table holds other pools' rows and none of this one's")
    .option("--no-trigger-check", "do not warn when the pool's PostConfirmation runs another function than this stage's")
    .option("--rate <requests/s>", "Cognito request rate, 1-30 (ListUsers allows ~30/s per account, shared)", rate, 20)
    .option("--timeout <seconds>", "stop the whole run after this long (seconds) and report what was done", integerIn("--timeout", 1, 7 * 24 * 3600), 6 * 3600)
    .option("--json", "stdout holds only the JSON report")
    .action(run((flags: ReconcileFlags) => runReconcile(flags)));

  program
    .command("restore")
    .description("Put rows a prune deleted back, from its backup; a row whose key exists again is left alone")
    .option("--file <path>", "the backup file a CLI prune wrote (JSON lines)")
    .option("--scratch-table <name>", "a scheduled prune's scratch table (the stack's reconcile_scratch_table_name output)")
    .option("--run <id>", "the scheduled run (its execution name; the report's backup field names it)")
    .option("--table <name>", "put them into this table instead of the one each line names")
    .option("--user-pool-id <id>", "every row must be of this pool (default: the one pool the backup holds)")
    .option("--region <region>", "AWS region (default: AWS_REGION, else the region in user-sync.outputs.json, else the config's)")
    .option("--json", "stdout holds only the JSON result")
    .action(run((flags) => runRestore(flags)));
};
