import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { LocalBackend, S3Backend, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import type { UserSyncConfig } from "./settings/props";
import { UserSyncOutputs } from "./outputs";
import { UserSync } from "./user-sync";

export interface UserSyncStackProps {
  /** Validated settings (see lib/settings.ts for every default). */
  readonly config: UserSyncConfig;
  /** esbuild writes `<bundleRoot>/<function>/index.mjs`. @default dist */
  readonly bundleRoot?: string;
}

/** One stage as its own stack: the provider, the state backend, one UserSync, and its outputs. */
export class UserSyncStack extends TerraformStack {
  readonly userSync: UserSync;

  constructor(scope: Construct, id: string, props: UserSyncStackProps) {
    super(scope, id);
    const { config } = props;

    new AwsProvider(this, "aws", {
      region: config.region,
      defaultTags: Object.keys(config.tags).length > 0 ? [{ tags: { ...config.tags } }] : undefined,
      ...(config.offlinePlan
        ? { skipCredentialsValidation: true, skipRequestingAccountId: true, skipMetadataApiCheck: "true" }
        : {}),
    });

    // An offline plan cannot reach the state bucket; it plans against empty local state.
    if (config.backend && !config.offlinePlan) {
      const { bucket, key, region, lock } = config.backend;
      const backend = new S3Backend(this, {
        bucket,
        key,
        region,
        encrypt: true,
        ...(lock === "lockfile" ? {} : { dynamodbTable: lock }),
      });
      if (lock === "lockfile") backend.addOverride("use_lockfile", true);
    } else {
      // cdktf's default is an absolute path; this one is relative to cdktf.out/stacks/<stack>,
      // so the state sits in the project root and the JSON is the same on every machine.
      new LocalBackend(this, { path: `../../../terraform.${id}.tfstate` });
    }

    // "Default" keeps the construct out of resource addresses: they stay as version 0.1 deployed them.
    const sync = (this.userSync = new UserSync(this, "Default", { ...config, bundleRoot: props.bundleRoot }));

    // The names the CLI reads its defaults from (user-sync.outputs.json).
    new UserSyncOutputs(this, "outputs", { userSync: sync });
  }
}
