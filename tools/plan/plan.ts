/**
 * `npm run plan [-- --offline] [--stage <name>]`: synth one stage, then
 * terraform init, validate, plan -out, show -json, and a reviewer summary.
 *
 * Offline (the flag, or no AWS credentials): the provider skips its AWS checks,
 * dummy credentials exist only in Terraform's environment, hashicorp/aws comes
 * from a filesystem mirror through a CLI config file, and the function is
 * zipped at synth because the mirror has no hashicorp/archive.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { resourceNames } from "../../lib/names";
import { PROJECT_ROOT } from "../../lib/project-root";
import { loadConfig } from "../../lib/settings";
import { synthStage } from "../synth/synth-stage";
import { summarizePlan, type PlanSummary, type StageNames } from "./plan-summary";


/** The CLI config kept in the repo for offline plans. */
export const DEFAULT_CLI_CONFIG = join(PROJECT_ROOT, "terraform/offline.tfrc");

export class PlanError extends Error {
  name = "PlanError";
}

export interface PlanOptions {
  /** Plan without touching AWS. @default true when no AWS credentials are found */
  readonly offline?: boolean;
  /** Environment for config and Terraform. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Where cdktf writes stacks. @default <project>/cdktf.out */
  readonly outdir?: string;
  /** Progress messages. @default console.error */
  readonly log?: (line: string) => void;
  /** More notes for the summary (e.g. trigger drift, checked online). @default none */
  readonly notes?: readonly string[];
}

export interface PlanResult {
  readonly stackDir: string;
  readonly planFile: string;
  readonly planJsonFile: string;
  readonly summaryFile: string;
  readonly plan: any;
  readonly summary: PlanSummary;
  readonly offline: boolean;
}

/** Any of the standard places the AWS SDK and Terraform look for credentials. */
export function hasAwsCredentials(env: NodeJS.ProcessEnv): boolean {
  return Boolean(
    env.AWS_ACCESS_KEY_ID ||
      env.AWS_PROFILE ||
      env.AWS_WEB_IDENTITY_TOKEN_FILE ||
      env.AWS_CONTAINER_CREDENTIALS_FULL_URI ||
      env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI ||
      existsSync(env.AWS_SHARED_CREDENTIALS_FILE ?? join(homedir(), ".aws/credentials")),
  );
}

/** True when the mirror holds hashicorp/aws at this version, packed or unpacked. */
export function mirrorHasProvider(mirror: string, version: string): boolean {
  const dir = join(mirror, "registry.terraform.io/hashicorp/aws");
  if (existsSync(join(dir, version))) return true;
  return existsSync(dir) && readdirSync(dir).some((f) => f.startsWith(`terraform-provider-aws_${version}_`) && f.endsWith(".zip"));
}

/** The CLI config to use offline, and the mirror it points at. */
export function offlineCliConfig(env: NodeJS.ProcessEnv): { file: string; mirror: string } {
  const file = env.USER_SYNC_TF_CLI_CONFIG ?? DEFAULT_CLI_CONFIG;
  if (!existsSync(file)) {
    throw new PlanError(`Terraform CLI config ${file} (USER_SYNC_TF_CLI_CONFIG) does not exist; point USER_SYNC_TF_CLI_CONFIG at a file with a filesystem_mirror block`);
  }
  const text = readFileSync(file, "utf8");
  const configured = /filesystem_mirror\s*\{[^}]*path\s*=\s*"([^"]+)"/s.exec(text)?.[1];
  const mirror = env.USER_SYNC_TF_MIRROR ?? configured;
  if (!mirror) throw new PlanError(`${file} has no filesystem_mirror path; add one or set USER_SYNC_TF_MIRROR`);
  if (!env.USER_SYNC_TF_MIRROR || env.USER_SYNC_TF_MIRROR === configured) return { file, mirror };
  // Same file, another mirror: a derived copy so the repo file stays as committed.
  const derived = join(mkdtempSync(join(tmpdir(), "user-sync-tfrc-")), "offline.tfrc");
  writeFileSync(derived, text.replace(/(filesystem_mirror\s*\{[^}]*path\s*=\s*)"[^"]+"/s, (_match, head: string) => `${head}${JSON.stringify(mirror)}`));
  return { file: derived, mirror };
}

/** Credentials Terraform must not see offline. */
const OFFLINE_DROPPED = ["AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN"];

/** Terraform's environment for an offline plan: mirror-only providers and dummy credentials. */
export function offlineTerraformEnv(baseEnv: NodeJS.ProcessEnv): { env: NodeJS.ProcessEnv; mirror: string; file: string } {
  const { file, mirror } = offlineCliConfig(baseEnv);
  const env: NodeJS.ProcessEnv = { ...baseEnv, TF_IN_AUTOMATION: "1", TF_INPUT: "0" };
  for (const k of OFFLINE_DROPPED) delete env[k];
  Object.assign(env, {
    TF_CLI_CONFIG_FILE: file,
    AWS_ACCESS_KEY_ID: "offline-plan-dummy",
    AWS_SECRET_ACCESS_KEY: "offline-plan-dummy",
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
    AWS_CONFIG_FILE: "/dev/null",
  });
  return { env, mirror, file };
}

function run(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; what: string; hint?: (output: string) => string | undefined }) {
  const res = spawnSync(command, args, { cwd: options.cwd, env: options.env, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  if (res.error) {
    if ((res.error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new PlanError(`${command} is not on PATH: install Terraform >= 1.10 and put it on PATH, or set TERRAFORM to its full path`);
    }
    throw new PlanError(`${options.what} could not run: ${res.error.message}`);
  }
  if (res.status !== 0) {
    const output = `${res.stdout}\n${res.stderr}`.trim();
    const hint = options.hint?.(output);
    throw new PlanError(`${options.what} failed (exit ${res.status}):\n${output}${hint ? `\n\nHow to fix: ${hint}` : ""}`);
  }
  return res.stdout;
}

export function runPlan(options: PlanOptions = {}): PlanResult {
  const baseEnv = options.env ?? process.env;
  const log = options.log ?? ((line: string) => console.error(line));
  const terraform = baseEnv.TERRAFORM ?? "terraform";
  const offline = options.offline ?? !hasAwsCredentials(baseEnv);
  if (options.offline === undefined && offline) log("No AWS credentials found in the environment: planning offline.");

  const versionOut = run(terraform, ["version", "-json"], { cwd: PROJECT_ROOT, env: baseEnv, what: "terraform version" });
  log(`terraform ${JSON.parse(versionOut).terraform_version}`);

  const synthEnv: NodeJS.ProcessEnv = { ...baseEnv };
  let tfEnv: NodeJS.ProcessEnv = { ...baseEnv, TF_IN_AUTOMATION: "1", TF_INPUT: "0" };
  let mirrorDir: string | undefined;
  if (offline) {
    const offlineEnv = offlineTerraformEnv(baseEnv);
    Object.assign(synthEnv, { USER_SYNC_OFFLINE_PLAN: "true", USER_SYNC_PACKAGING: "asset" });
    tfEnv = offlineEnv.env;
    mirrorDir = offlineEnv.mirror;
    log(`Offline plan: hashicorp/aws from the mirror ${offlineEnv.mirror} (CLI config ${offlineEnv.file}); no AWS API is called.`);
    log("Offline plan: the function is zipped at synth (packaging=asset) because the mirror has no hashicorp/archive.");
  }

  const config = loadConfig({ env: synthEnv });
  const stack = resourceNames(config).stack;
  log(`Synthesizing stage ${config.stage} (stack ${stack})...`);
  const synth = synthStage({ env: synthEnv, outdir: options.outdir, output: "pipe" });
  if (!synth.ok) throw new PlanError(`cdktf synth failed:\n${synth.output.trim()}`);
  const stackDir = join(synth.outdir, "stacks", stack);
  const notes = [
    ...(offline ? ["Offline plan: no AWS credentials used, provider checks skipped, state not refreshed; the function is zipped at synth (no archive provider)."] : []),
    ...adoptionNotes(config),
    ...userEventsNotes(config),
    ...(options.notes ?? []),
  ];
  const names = resourceNames(config);
  const stageNames = { postConfirmationFunction: names.postConfirmation.function, scratchTable: names.scratchTable };
  const result = planStackDir(stackDir, { terraform, tfEnv, offline, mirror: mirrorDir, log, title: stack, notes, names: stageNames });
  return { stackDir, ...result, offline };
}

/** Whether deletes and changes reach the table within seconds, and what that depends on. */
export function userEventsNotes(config: ReturnType<typeof loadConfig>): string[] {
  if (!config.userEvents) return ["User events are off (userEvents: false): deletes and profile changes reach the table only at the next scheduled reconcile."];
  if (config.cloudTrail === "create") return [`User events: this plan creates a trail (${resourceNames(config).trail}, write-only management events) so EventBridge sees Cognito's API calls in ${config.region}.`];
  return [
    `User events need a CloudTrail trail that logs management events in ${config.region} (cloudTrail: existing; check with \`aws cloudtrail describe-trails --region ${config.region}\`). ` +
      "Without one, EventBridge never sees Cognito's API calls: deletes and profile changes wait for the scheduled reconcile. Set cloudTrail to create for a minimal trail.",
  ];
}

/** What the plan does not show because this stack does not manage it. */
export function adoptionNotes(config: ReturnType<typeof loadConfig>): string[] {
  const notes: string[] = [];
  if (config.table.existing) {
    notes.push(`The Users table ${config.table.existing} is not managed by this stack (table.existing): no table resource; the grants name its ARN. Its backups, encryption and protection are its owner's.`);
  }
  if (config.userPool.existing) {
    notes.push(
      `The user pool ${config.userPool.existing} is not managed by this stack (userPool.existing): its PostConfirmation trigger is set by user-sync attach, not by this plan.`,
    );
  }
  return notes;
}

export interface StackPlanOptions {
  readonly terraform: string;
  readonly tfEnv: NodeJS.ProcessEnv;
  readonly offline: boolean;
  /** Offline: the provider mirror, checked before terraform runs. */
  readonly mirror?: string;
  readonly log: (line: string) => void;
  readonly title: string;
  /** The stage's names, for the summary's rules about one resource. */
  readonly names?: StageNames;
  readonly notes: readonly string[];
}

/** Beside plan.json: the title, notes and names its summary was made with. */
export const PLAN_META_FILE = "plan-summary.json";

export interface PlanMeta {
  readonly title: string;
  readonly notes: readonly string[];
  readonly names?: StageNames;
}

/** The committed provider lock (hashes pinned); see README "Reviewing a plan". */
export const LOCK_FILE = join(PROJECT_ROOT, "terraform/.terraform.lock.hcl");

/** Puts the committed provider lock into a synthesized stack, so init verifies providers against it. */
export function installLockFile(stackDir: string): void {
  if (existsSync(LOCK_FILE)) copyFileSync(LOCK_FILE, join(stackDir, ".terraform.lock.hcl"));
}

/** terraform init, validate, plan, show -json and the summary, in a synthesized stack directory. */
export function planStackDir(stackDir: string, options: StackPlanOptions): Omit<PlanResult, "stackDir" | "offline"> {
  const { terraform, tfEnv, offline, log } = options;
  const synthesized = JSON.parse(readFileSync(join(stackDir, "cdk.tf.json"), "utf8"));
  const awsVersion: string = synthesized.terraform?.required_providers?.aws?.version;
  if (offline && options.mirror && !mirrorHasProvider(options.mirror, awsVersion)) {
    throw new PlanError(
      `the provider mirror ${options.mirror} has no registry.terraform.io/hashicorp/aws/${awsVersion}; ` +
        `set USER_SYNC_TF_MIRROR to a mirror that has it (terraform providers mirror <dir> on a connected machine creates one)`,
    );
  }
  installLockFile(stackDir);

  log("terraform init...");
  run(terraform, ["init", "-input=false", "-no-color"], {
    cwd: stackDir,
    env: tfEnv,
    what: "terraform init",
    hint: (out) =>
      /checksum|lock file/i.test(out)
        ? `the provider does not match the hashes in ${LOCK_FILE}; if you meant to change providers, update that file (README: "Reviewing a plan")`
        : /provider|registry/i.test(out)
          ? offline
            ? `the offline mirror must hold hashicorp/aws ${awsVersion} and nothing else is available offline (check USER_SYNC_TF_MIRROR)`
            : "check network access to the provider registry, or run with --offline"
          : /backend|bucket|S3/i.test(out)
            ? "check the USER_SYNC_BACKEND_* settings and that your credentials can read the state bucket"
            : undefined,
  });
  log("terraform validate...");
  run(terraform, ["validate", "-no-color"], { cwd: stackDir, env: tfEnv, what: "terraform validate" });
  log("terraform plan...");
  const planArgs = ["plan", "-input=false", "-no-color", "-out=tfplan"];
  // Offline there is no account to refresh against or lock in.
  if (offline) planArgs.push("-refresh=false", "-lock=false");
  const planText = run(terraform, planArgs, {
    cwd: stackDir,
    env: tfEnv,
    what: "terraform plan",
    hint: (out) => (/credential|token|auth/i.test(out) ? "check your AWS credentials, or run with --offline" : undefined),
  });
  const planJsonFile = join(stackDir, "plan.json");
  const planJson = run(terraform, ["show", "-json", "tfplan"], { cwd: stackDir, env: tfEnv, what: "terraform show -json" });
  writeFileSync(planJsonFile, planJson);
  const plan = JSON.parse(planJson);
  const meta: PlanMeta = { title: options.title, notes: options.notes, names: options.names };
  const summary = summarizePlan(plan, meta);
  // What the summary was made with, so plan-summary prints the same one again.
  writeFileSync(join(stackDir, PLAN_META_FILE), `${JSON.stringify(meta, null, 2)}\n`);
  const summaryFile = join(stackDir, "plan-summary.md");
  writeFileSync(summaryFile, summary.markdown);
  log(planText.split("\n").filter((l) => /^Plan:|No changes/.test(l)).join("\n"));
  return { planFile: join(stackDir, "tfplan"), planJsonFile, summaryFile, plan, summary };
}
