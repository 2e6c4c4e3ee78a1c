/**
 * One stage's Terraform JSON, synthesized in process as `synth` would write it:
 * the sandbox takes its EventBridge rule from here, so the local tap matches
 * what the stack deploys, not a copy of it.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App } from "cdktf";
import type { UserSyncConfig } from "./settings/props";
import { UserSyncStack } from "./user-sync-stack";

export interface TerraformJson {
  readonly resource?: Record<string, Record<string, Record<string, any>>>;
}

const STACK = "in-memory";

export function synthInMemory(config: UserSyncConfig, bundleRoot?: string): TerraformJson {
  // A folder of its own, removed after: cdktf's Testing.synth would leave one in the temp folder per call.
  const outdir = mkdtempSync(join(tmpdir(), "user-sync-synth-"));
  try {
    const app = new App({ outdir, stackTraces: false });
    new UserSyncStack(app, STACK, { config, bundleRoot });
    app.synth();
    return JSON.parse(readFileSync(join(outdir, "stacks", STACK, "cdk.tf.json"), "utf8")) as TerraformJson;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** The event pattern of the synthesized rule named `ruleName`; throws when the stage has no such rule. */
export function synthesizedRulePattern(json: TerraformJson, ruleName: string): Record<string, unknown> {
  const rule = Object.values(json.resource?.aws_cloudwatch_event_rule ?? {}).find((r) => r.name === ruleName);
  if (!rule) throw new Error(`the synthesized stack has no EventBridge rule named ${ruleName}`);
  return JSON.parse(rule.event_pattern) as Record<string, unknown>;
}
