/** `user-sync plan` (npm run plan) and `user-sync plan-summary` (npm run plan:summary). */
import type { Command } from "commander";
import type { Register } from "../command-helpers";

async function runPlanCommand(flags: { offline?: boolean; stage?: string }): Promise<number> {
  const { runPlan, hasAwsCredentials } = await import("./plan");
  const env = { ...process.env };
  if (flags.stage) env.USER_SYNC_STAGE = flags.stage;
  try {
    const offline = flags.offline || !hasAwsCredentials(env);
    if (!offline) {
      // An online plan reads the account: check the credentials first, and say where it plans.
      const [{ checkAwsTarget, PreflightError }, { loadConfig }] = await Promise.all([import("../deploy/preflight"), import("../../lib/settings")]);
      const region = loadConfig({ env }).region;
      try {
        const target = await checkAwsTarget(region, env);
        process.stderr.write(`plan: account ${target.account} as ${target.arn}, region ${region}\n`);
      } catch (err) {
        if (!(err instanceof PreflightError)) throw err;
        process.stderr.write(`user-sync plan: ${err.message} (or plan without AWS: --offline)\n`);
        return 1;
      }
    }
    const result = runPlan({ offline: flags.offline ? true : undefined, env, notes: offline ? [] : await onlineNotes(env) });
    process.stdout.write(`${result.summary.markdown}\n`);
    process.stderr.write(`Plan: ${result.planFile}\nPlan JSON: ${result.planJsonFile}\nSummary: ${result.summaryFile}\n`);
    return 0;
  } catch (err) {
    if ((err as Error).name !== "PlanError" && (err as Error).name !== "ConfigError") throw err;
    process.stderr.write(`\nPLAN FAILED: ${(err as Error).message}\n`);
    return 1;
  }
}

/** Online only: whether an existing pool's trigger is this stage's function. */
async function onlineNotes(env: NodeJS.ProcessEnv): Promise<string[]> {
  const [{ loadConfig }, { resourceNames }, { BATCH_CLIENT, createCognitoClient }, { triggerDriftNote }] = await Promise.all([
    import("../../lib/settings"),
    import("../../lib/names"),
    import("../../core/clients"),
    import("../attach/drift"),
  ]);
  const config = loadConfig({ env });
  if (!config.userPool.existing) return [];
  const cognito = createCognitoClient(BATCH_CLIENT, { region: env.AWS_REGION ?? config.region });
  try {
    const note = await triggerDriftNote(cognito, config.userPool.existing, resourceNames(config).postConfirmation.function);
    return note ? [note] : [];
  } finally {
    cognito.destroy();
  }
}

async function runSummary(file: string | undefined, flags: { out?: string }): Promise<number> {
  const [{ existsSync, readFileSync, writeFileSync }, { basename, dirname, join }, { summarizePlan }, { resourceNames }, { loadConfig }, { PLAN_META_FILE }, { PROJECT_ROOT }] = await Promise.all([
    import("node:fs"),
    import("node:path"),
    import("./plan-summary"),
    import("../../lib/names"),
    import("../../lib/settings"),
    import("./plan"),
    import("../../lib/project-root"),
  ]);
  const config = loadConfig();
  const names = resourceNames(config);
  const path = file ?? join(process.env.CDKTF_OUTDIR ?? join(PROJECT_ROOT, "cdktf.out"), "stacks", names.stack, "plan.json");
  let plan: unknown;
  try {
    plan = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    process.stderr.write(`cannot read ${path} as a plan JSON (${(err as Error).message}); run user-sync plan first, or pass the file written by terraform show -json\n`);
    return 1;
  }
  // The notes and names user-sync plan made this summary with; else the current configuration's.
  const metaFile = join(dirname(path), PLAN_META_FILE);
  const meta = existsSync(metaFile)
    ? JSON.parse(readFileSync(metaFile, "utf8"))
    : { title: basename(dirname(path)), notes: [], names: { postConfirmationFunction: names.postConfirmation.function, scratchTable: names.scratchTable } };
  let markdown: string;
  try {
    markdown = summarizePlan(plan, meta).markdown;
  } catch (err) {
    process.stderr.write(`${path}: ${(err as Error).message}\n`);
    return 1;
  }
  if (flags.out) writeFileSync(flags.out, markdown);
  process.stdout.write(`${markdown}\n`);
  return 0;
}

export const registerPlan: Register = (program: Command, run) => {
  program
    .command("plan")
    .description("Synth one stage, then terraform init/validate/plan, the plan JSON and a reviewer summary (Markdown on stdout)")
    .option("--offline", "no AWS account or network: provider checks skipped, hashicorp/aws from the local mirror (default when no AWS credentials are found)")
    .option("--stage <name>", "the stage to plan (default: USER_SYNC_STAGE, else the config's)")
    .action(run((flags) => runPlanCommand(flags)));

  program
    .command("plan-summary")
    .description("The reviewer summary of a plan JSON (default: the last plan of the configured stage)")
    .argument("[plan.json]", "a file written by terraform show -json")
    .option("--out <file>", "also write the Markdown to this file")
    .action(run((file: string | undefined, flags) => runSummary(file, flags)));
};
