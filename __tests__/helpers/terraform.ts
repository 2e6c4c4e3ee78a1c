/**
 * Plan tests need terraform and a provider mirror holding the hashicorp/aws
 * version @cdktf/provider-aws targets. Without them: one loud SKIPPED line,
 * except under CI=true, where a skip would hide a missing tool and so fails.
 */
import { spawnSync } from "node:child_process";
import { mirrorHasProvider, offlineCliConfig } from "../../tools/plan/plan";

export const TERRAFORM = process.env.TERRAFORM ?? "terraform";
/** The hashicorp/aws version the provider bindings were generated for. */
export const AWS_PROVIDER_VERSION: string = require("@cdktf/provider-aws/package.json").cdktf.provider.version;

/** Why plan tests cannot run here, or undefined when they can. */
export function planToolsMissing(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (spawnSync(TERRAFORM, ["version"]).error) return `${TERRAFORM} is not on PATH (install Terraform >= 1.10, or set TERRAFORM)`;
  let mirror: string;
  try {
    mirror = offlineCliConfig(env).mirror;
  } catch (err) {
    return (err as Error).message;
  }
  if (!mirrorHasProvider(mirror, AWS_PROVIDER_VERSION)) {
    return `the provider mirror ${mirror} has no hashicorp/aws ${AWS_PROVIDER_VERSION} (set USER_SYNC_TF_MIRROR; terraform providers mirror <dir> creates one)`;
  }
  return undefined;
}

/** describe() when terraform and the mirror are here; otherwise SKIPPED, or a failing test under CI=true. */
export function describeWithTerraform(name: string, body: () => void): void {
  const why = planToolsMissing();
  if (!why) return describe(name, body);
  if (process.env.CI === "true") {
    describe(name, () => {
      test("can run: terraform and a provider mirror with hashicorp/aws are present (under CI=true a skip is a failure)", () => {
        throw new Error(`cannot run ${name}: ${why}`);
      });
    });
    return;
  }
  console.warn(`SKIPPED: ${name}, because ${why}`);
  describe.skip(name, body);
}
