/**
 * A deployed stage's outputs (lib/names.ts STACK_OUTPUTS), as `cdktf deploy
 * --outputs-file user-sync.outputs.json` saves them: `user-sync deploy` does
 * that in this repository, a team runs it in its own project. The other
 * commands take their defaults from the file, so no id is copied by hand.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { STACK_OUTPUTS, type StackOutputName } from "../lib/names";

/** Where the outputs are saved (relative to the working directory). */
export const OUTPUTS_FILE = "user-sync.outputs.json";

export type StackOutputs = Partial<Record<StackOutputName, string>> & { readonly [name: string]: string | undefined };

function readFile(dir: string): Record<string, StackOutputs> | undefined {
  const file = join(dir, OUTPUTS_FILE);
  if (!existsSync(file)) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(file, "utf8"));
    return typeof parsed === "object" && parsed !== null ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** The outputs of one stack, or {} when it was not deployed from here. */
export function stackOutputs(stack: string, dir: string = process.cwd()): StackOutputs {
  return readFile(dir)?.[stack] ?? {};
}

/**
 * A team's stack: the one named, or the only stack in the file that has
 * UserSync's outputs. `problem` says why there is none (for the error that follows).
 */
export function projectOutputs(stack: string | undefined, dir: string = process.cwd()): { outputs: StackOutputs; problem?: string } {
  const all = readFile(dir);
  if (!all) return { outputs: {}, problem: `no ${OUTPUTS_FILE} here (\`npx cdktf deploy --outputs-file ${OUTPUTS_FILE}\` writes it)` };
  if (stack) return all[stack] ? { outputs: all[stack] } : { outputs: {}, problem: `${OUTPUTS_FILE} has no stack ${JSON.stringify(stack)} (it has ${Object.keys(all).join(", ") || "none"})` };
  const withUserSync = Object.entries(all).filter(([, o]) => o && typeof o === "object" && (o.user_pool_id || o.users_table_name || o.function_name));
  if (withUserSync.length === 1) return { outputs: withUserSync[0][1] };
  if (withUserSync.length === 0) return { outputs: {}, problem: `no stack in ${OUTPUTS_FILE} has UserSync's outputs (add \`new UserSyncOutputs(this, "user-sync-outputs", { userSync })\` to your stack)` };
  return { outputs: {}, problem: `${OUTPUTS_FILE} holds several stacks with UserSync's outputs (${withUserSync.map(([n]) => n).join(", ")}): name one with --stack` };
}

/** The README's table of outputs (a test compares). */
export function outputsTable(): string {
  return ["| Output | What it names |", "| --- | --- |", ...Object.entries(STACK_OUTPUTS).map(([name, what]) => `| \`${name}\` | ${what.charAt(0).toUpperCase()}${what.slice(1)}. |`)].join("\n");
}
