import { Testing } from "cdktf";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../lib/settings";
import { UserSyncStack } from "../../lib/user-sync-stack";

export interface Synthesized {
  readonly json: any;
  readonly text: string;
  /** The only resource of a type (whose logical id starts with `prefix`, when given); fails if there are none or several. */
  one(type: string, prefix?: string): any;
  oneData(type: string, prefix?: string): any;
  /** `${type.name.attr}` reference to that resource. */
  ref(type: string, attribute: string, prefix?: string): string;
  /** Logical ids of every resource of a type. */
  names(type: string): string[];
}

/** Synthesizes one stage from USER_SYNC_* style settings, like `npm run synth` would. */
export function synthStack(env: Record<string, string> = {}): Synthesized {
  const config = loadConfig({ env, file: undefined });
  const app = Testing.app();
  const stack = new UserSyncStack(app, "test-stack", {
    config,
    bundleRoot: mkdtempSync(join(tmpdir(), "user-sync-bundle-")),
  });
  const text = Testing.synth(stack);
  const json = JSON.parse(text);
  const pickOne = (block: any, type: string, prefix?: string) => {
    const entries = Object.entries(block?.[type] ?? {}).filter(([name]) => !prefix || name.startsWith(prefix));
    if (entries.length !== 1) throw new Error(`expected exactly one ${type}${prefix ? ` named ${prefix}*` : ""}, found ${entries.length}`);
    return entries[0];
  };
  return {
    json,
    text,
    one: (type, prefix) => pickOne(json.resource, type, prefix)[1],
    oneData: (type, prefix) => pickOne(json.data, type, prefix)[1],
    ref: (type, attribute, prefix) => `\${${type}.${pickOne(json.resource, type, prefix)[0]}.${attribute}}`,
    names: (type) => Object.keys(json.resource?.[type] ?? {}),
  };
}
