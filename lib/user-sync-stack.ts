import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { LocalBackend, S3Backend, TerraformOutput, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { customAttributeNames, functionEnvironment, resourceNames, type UserSyncConfig } from "./config";
import { FunctionPackage } from "./function-package";
import { PostConfirmationFunction } from "./post-confirmation-function";
import { UserPool } from "./user-pool";
import { UsersTable } from "./users-table";

export interface UserSyncStackProps {
  /** Validated settings (see lib/config.ts for every default). */
  readonly config: UserSyncConfig;
  /** Where esbuild writes the bundle. @default dist/post-confirmation */
  readonly bundleDir?: string;
}

/** One stage: the Users table, the PostConfirmation function and the user pool that triggers it. */
export class UserSyncStack extends TerraformStack {
  readonly table: UsersTable;
  readonly postConfirmation: PostConfirmationFunction;
  readonly userPool: UserPool;

  constructor(scope: Construct, id: string, props: UserSyncStackProps) {
    super(scope, id);
    const { config } = props;
    const names = resourceNames(config);

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

    this.table = new UsersTable(this, "users-table", {
      tableName: names.usersTable,
      kmsKeyArn: config.kmsKeyArn,
      deletionProtection: config.deletionProtection,
      emailIndexName: config.emailIndex ? names.emailIndex : undefined,
    });

    const code = new FunctionPackage(this, "post-confirmation-package", {
      mode: config.packaging,
      bundleDir: props.bundleDir,
    });

    this.postConfirmation = new PostConfirmationFunction(this, "post-confirmation", {
      functionName: names.function,
      roleName: names.functionRole,
      policyName: names.functionPolicy,
      logGroupName: names.logGroup,
      code,
      tableArn: this.table.table.arn,
      tableKmsKeyArn: config.kmsKeyArn,
      environment: functionEnvironment(config, names.usersTable),
      logRetentionDays: config.logRetentionDays,
      memoryMb: config.functionMemoryMb,
    });

    this.userPool = new UserPool(this, "user-pool", {
      poolName: names.userPool,
      clientName: names.userPoolClient,
      adminGroupName: names.adminGroup,
      postConfirmation: {
        functionName: this.postConfirmation.function.functionName,
        functionArn: this.postConfirmation.function.arn,
      },
      sameAccountArn: this.postConfirmation.role.arn,
      deletionProtection: config.deletionProtection,
      customAttributes: customAttributeNames(config.attributeMap),
    });

    const outputs: Record<string, string> = {
      region: config.region,
      user_pool_id: this.userPool.pool.id,
      user_pool_arn: this.userPool.pool.arn,
      user_pool_client_id: this.userPool.client.id,
      users_table_name: this.table.table.name,
      users_table_arn: this.table.table.arn,
      function_name: this.postConfirmation.function.functionName,
    };
    for (const [name, value] of Object.entries(outputs)) new TerraformOutput(this, name, { value });
  }
}
