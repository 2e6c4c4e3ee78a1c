/**
 * One stage's Terraform JSON, synthesized in memory as `synth` would write it:
 * the sandbox takes its EventBridge rule from here, so the local tap matches
 * what the stack deploys, not a copy of it.
 */
import { Testing } from "cdktf";
import type { UserSyncConfig } from "./settings/props";
import { UserSyncStack } from "./user-sync-stack";

export interface TerraformJson {
  readonly resource?: Record<string, Record<string, Record<string, any>>>;
}

export function synthInMemory(config: UserSyncConfig, bundleRoot?: string): TerraformJson {
  const stack = new UserSyncStack(Testing.app(), "in-memory", { config, bundleRoot });
  return JSON.parse(Testing.synth(stack)) as TerraformJson;
}

/** The event pattern of the synthesized rule named `ruleName`; throws when the stage has no such rule. */
export function synthesizedRulePattern(json: TerraformJson, ruleName: string): Record<string, unknown> {
  const rule = Object.values(json.resource?.aws_cloudwatch_event_rule ?? {}).find((r) => r.name === ruleName);
  if (!rule) throw new Error(`the synthesized stack has no EventBridge rule named ${ruleName}`);
  return JSON.parse(rule.event_pattern) as Record<string, unknown>;
}
