/**
 * Where the CLI runs: this repository (a checkout: its config names the
 * stage, `user-sync deploy` saves the outputs) or a team's project that
 * installed the package (no config of ours: the team's own stack and its
 * outputs). Defaults and hints come from the right one, so every command a
 * message names exists where it is printed.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "../lib/project-root";
import type { StackOutputName } from "../lib/names";
import { OUTPUTS_FILE, projectOutputs, stackOutputs, type StackOutputs } from "./outputs";

/** Installed from the npm package (build/cli.js), not run from a checkout. */
export const PACKAGED = !existsSync(join(PROJECT_ROOT, "tools"));

export interface ProjectDefaults {
  readonly outputs: StackOutputs;
  /** This repository's stage's names (checkout only). */
  readonly stage?: { readonly postConfirmationFunction: string; readonly existingPool?: string; readonly region: string };
  /** Why the outputs are missing, for the error that follows. */
  readonly problem?: string;
}

/** The deployed stage's outputs and (in a checkout) the config's names. */
export async function projectDefaults(stack?: string): Promise<ProjectDefaults> {
  if (PACKAGED) return projectOutputs(stack);
  const [{ loadConfig }, { resourceNames }] = await Promise.all([import("../lib/settings"), import("../lib/names")]);
  const config = loadConfig();
  const names = resourceNames(config);
  return {
    outputs: stackOutputs(stack ?? names.stack),
    stage: { postConfirmationFunction: names.postConfirmation.function, existingPool: config.userPool.existing, region: config.region },
  };
}

/** A command as it is typed where the CLI runs: `npm run attach -- …` here, `npx user-sync attach …` installed. */
export function commandLine(command: string, args = ""): string {
  if (PACKAGED) return `npx user-sync ${command}${args ? ` ${args}` : ""}`;
  return `npm run ${command}${args ? ` -- ${args}` : ""}`;
}

/** How to get one output into the defaults file, said for where the CLI runs. */
export function outputHint(output: StackOutputName, problem?: string): string {
  if (!PACKAGED) return `the stack's ${output} output; \`user-sync deploy\` saves it to ${OUTPUTS_FILE}, read by default`;
  return `your stack's ${output} output (UserSyncOutputs); \`npx cdktf deploy --outputs-file ${OUTPUTS_FILE}\` saves it, read by default${problem ? `: ${problem}` : ""}`;
}

/**
 * The row mapping (attribute map, key layout, Amplify fields, rowsAtInvite) a
 * deployed UserSync writes with, read from its PostConfirmation function's
 * environment: in a team's project the settings live in its code, and the
 * function is where they were deployed to. Needs lambda:GetFunctionConfiguration.
 */
export async function deployedMapping(functionName: string, region: string): Promise<import("../core/function-env").FunctionSettings> {
  const [{ GetFunctionConfigurationCommand, LambdaClient }, { clientConfig }, { readFunctionSettings }, { TOOL_CLIENT, watched }] = await Promise.all([
    import("@aws-sdk/client-lambda"),
    import("../core/clients"),
    import("../core/function-env"),
    import("./aws"),
  ]);
  const lambda = watched(new LambdaClient(clientConfig(TOOL_CLIENT, { region })), { name: "Lambda", env: "LAMBDA", region });
  try {
    const fn = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
    return readFunctionSettings(fn.Environment?.Variables ?? {});
  } finally {
    lambda.destroy();
  }
}
