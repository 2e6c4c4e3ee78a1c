/**
 * A deployed stage's outputs, as `user-sync deploy` saves them
 * (user-sync.outputs.json, cdktf's --outputs-file): the other commands take
 * their defaults from it, so no id is copied by hand.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** Where `user-sync deploy` writes the outputs (relative to the working directory). */
export const OUTPUTS_FILE = "user-sync.outputs.json";

export interface StackOutputs {
  readonly user_pool_id?: string;
  readonly users_table_name?: string;
  readonly function_name?: string;
  readonly [name: string]: string | undefined;
}

/** The outputs of one stack, or {} when it was not deployed from here. */
export function stackOutputs(stack: string, dir: string = process.cwd()): StackOutputs {
  const file = join(dir, OUTPUTS_FILE);
  if (!existsSync(file)) return {};
  try {
    return (JSON.parse(readFileSync(file, "utf8"))[stack] ?? {}) as StackOutputs;
  } catch {
    return {};
  }
}
