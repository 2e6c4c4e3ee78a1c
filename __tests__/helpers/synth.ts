import { Testing } from "cdktf";
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

/** The bundles jest's global setup built once for the whole run. */
export const testBundleRoot = (): string => {
  if (!process.env.TEST_BUNDLE_ROOT) throw new Error("TEST_BUNDLE_ROOT is not set: run the tests through jest (its global setup bundles the functions once)");
  return process.env.TEST_BUNDLE_ROOT;
};

/** Synthesizes one stage from USER_SYNC_* style settings (and nothing else), like `npm run synth` would. */
export function synthStack(env: Record<string, string> = {}): Synthesized {
  const config = loadConfig({ env, file: false, warn: () => undefined });
  const app = Testing.app();
  const stack = new UserSyncStack(app, "test-stack", { config, bundleRoot: testBundleRoot() });
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
