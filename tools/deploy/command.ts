/**
 * `user-sync deploy|diff|destroy` (npm run deploy|diff|destroy): preflight
 * (credentials and target, cdktf's telemetry call off), synth, the committed
 * provider lock, then `cdktf <command> --skip-synth`. Deploy saves the
 * outputs to user-sync.outputs.json for the other commands.
 */
import type { Command } from "commander";
import { UsageError, type Register } from "../command-helpers";
import { PROJECT_ROOT } from "../../lib/project-root";

type Kind = "deploy" | "diff" | "destroy";

interface DeployFlags {
  stage?: string;
  autoApprove?: boolean;
}

async function runCdktf(kind: Kind, flags: DeployFlags): Promise<number> {
  const [{ spawnSync }, { join }, { loadConfig }, { resourceNames }, { checkAwsTarget, PreflightError }, { installLockFile }, { OUTPUTS_FILE }, { synthStage }] = await Promise.all([
    import("node:child_process"),
    import("node:path"),
    import("../../lib/settings"),
    import("../../lib/names"),
    import("./preflight"),
    import("../plan/plan"),
    import("../outputs"),
    import("../synth/synth-stage"),
  ]);
  // CHECKPOINT_DISABLE: cdktf's telemetry lookup fails loudly without internet and tells nothing.
  const env: NodeJS.ProcessEnv = { ...process.env, CHECKPOINT_DISABLE: "1" };
  if (flags.stage) env.USER_SYNC_STAGE = flags.stage;
  const config = loadConfig({ env });
  if (config.offlinePlan) throw new UsageError(`${kind}: offlinePlan (USER_SYNC_OFFLINE_PLAN) is set; it is for plans without AWS only: unset it`);
  const stack = resourceNames(config).stack;

  let target;
  try {
    target = await checkAwsTarget(config.region, env);
  } catch (err) {
    if (!(err instanceof PreflightError)) throw err;
    process.stderr.write(`user-sync ${kind}: ${err.message}\n`);
    return 1;
  }
  process.stderr.write(`${kind}: stage ${config.stage} (stack ${stack}) in account ${target.account} as ${target.arn}, region ${config.region}\n`);
  if (env.AWS_REGION && env.AWS_REGION !== config.region) {
    process.stderr.write(`note: AWS_REGION is ${env.AWS_REGION}, but the stack deploys to the config's region ${config.region}\n`);
  }

  const { outdir, ok } = synthStage({ env });
  if (!ok) return 1;
  installLockFile(join(outdir, "stacks", stack));

  const args = [kind, stack, "--skip-synth", "--output", outdir];
  if (kind !== "diff" && flags.autoApprove) args.push("--auto-approve");
  if (kind === "deploy") args.push("--outputs-file", join(process.cwd(), OUTPUTS_FILE));
  const cdktf = spawnSync(process.execPath, [join(PROJECT_ROOT, "node_modules/.bin/cdktf"), ...args], { cwd: PROJECT_ROOT, env, stdio: "inherit" });
  if (kind === "deploy" && cdktf.status === 0) process.stderr.write(`Outputs: ${OUTPUTS_FILE} (reconcile, attach and detach read their defaults from it)\n`);
  return cdktf.status ?? 1;
}

export const registerDeploy: Register = (program: Command, run) => {
  const descriptions: Record<Kind, string> = {
    deploy: "Check credentials and the target account, synth, then cdktf deploy (outputs saved to user-sync.outputs.json)",
    diff: "Check credentials and the target account, synth, then cdktf diff",
    destroy: "Check credentials and the target account, synth, then cdktf destroy (deletion protection stops it at the table and pool)",
  };
  for (const kind of ["deploy", "diff", "destroy"] as const) {
    const command = program
      .command(kind)
      .description(descriptions[kind])
      .option("--stage <name>", "the stage (default: USER_SYNC_STAGE, else the config's)");
    if (kind !== "diff") command.option("--auto-approve", "do not ask before changing anything");
    command.action(run((flags: DeployFlags) => runCdktf(kind, flags)));
  }
};
