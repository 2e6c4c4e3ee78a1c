import { Testing } from "cdktf";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../lib/settings";
import { UserSyncStack } from "../../lib/user-sync-stack";

export interface Synthesized {
  readonly json: any;
  readonly text: string;
  /** The only resource of a type (fails if there are none or several). */
  one(type: string): any;
  oneData(type: string): any;
  /** `${type.name.attr}` reference to the only resource of a type. */
  ref(type: string, attribute: string): string;
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
  const pickOne = (block: any, type: string) => {
    const entries = Object.entries(block?.[type] ?? {});
    if (entries.length !== 1) throw new Error(`expected exactly one ${type}, found ${entries.length}`);
    return entries[0];
  };
  return {
    json,
    text,
    one: (type) => pickOne(json.resource, type)[1],
    oneData: (type) => pickOne(json.data, type)[1],
    ref: (type, attribute) => `\${${type}.${pickOne(json.resource, type)[0]}.${attribute}}`,
  };
}
