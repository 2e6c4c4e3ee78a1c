import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Fn, LocalBackend, S3Backend, TerraformOutput, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { Alarms } from "./alarms";
import { NodeFunction } from "./function/node-function";
import { resourceNames } from "./names";
import { ReconcileSchedule } from "./reconcile-schedule";
import type { UserSyncConfig } from "./settings";
import { postConfirmationSpec, userPoolSpec, usersTableSpec } from "./specs";
import { UserPool } from "./user-pool";
import { UsersTable } from "./users-table";

export interface UserSyncStackProps {
  /** Validated settings (see lib/settings.ts for every default). */
  readonly config: UserSyncConfig;
  /** esbuild writes `<bundleRoot>/<function>/index.mjs`. @default dist */
  readonly bundleRoot?: string;
}

/** The account (field 5) and partition (field 2) of an ARN we own, without an API-calling data source. */
const accountOf = (arn: string) => Fn.element(Fn.split(":", arn), 4);
const partitionOf = (arn: string) => Fn.element(Fn.split(":", arn), 1);

/** One stage: the Users table, the PostConfirmation function and the user pool that triggers it. */
export class UserSyncStack extends TerraformStack {
  readonly table: UsersTable;
  readonly postConfirmation: NodeFunction;
  readonly userPool: UserPool;
  readonly reconcile: ReconcileSchedule;
  readonly alarms: Alarms;

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

    this.table = new UsersTable(this, "users-table", { spec: usersTableSpec(config) });

    this.postConfirmation = new NodeFunction(this, "post-confirmation", {
      ...postConfirmationSpec(config),
      statements: this.table.grant("create"),
      logRetentionDays: config.logRetentionDays,
      packaging: config.packaging,
      bundleRoot: props.bundleRoot,
    });

    this.userPool = new UserPool(this, "user-pool", {
      spec: userPoolSpec(config),
      postConfirmation: {
        functionName: this.postConfirmation.function.functionName,
        functionArn: this.postConfirmation.function.arn,
      },
      sourceAccount: accountOf(this.postConfirmation.role.arn),
    });

    this.reconcile = new ReconcileSchedule(this, "reconcile", {
      config,
      table: this.table,
      userPool: { id: this.userPool.pool.id, arn: this.userPool.pool.arn },
      account: accountOf(this.postConfirmation.role.arn),
      partition: partitionOf(this.postConfirmation.role.arn),
      bundleRoot: props.bundleRoot,
    });

    const names = resourceNames(config);
    this.alarms = new Alarms(this, "alarms", {
      namePrefix: names.stack,
      postConfirmationFunction: this.postConfirmation.function.functionName,
      reconcile: { stateMachineArn: this.reconcile.stateMachine.arn, workerFunction: this.reconcile.worker.function.functionName },
      alarmEmail: config.alarmEmail,
      alarmTopicName: names.alarmTopic,
      alarmTopicArn: config.alarmTopicArn,
    });

    const outputs: Record<string, string> = {
      region: config.region,
      user_pool_id: this.userPool.pool.id,
      user_pool_arn: this.userPool.pool.arn,
      user_pool_client_id: this.userPool.client.id,
      users_table_name: this.table.table.name,
      users_table_arn: this.table.table.arn,
      function_name: this.postConfirmation.function.functionName,
      reconcile_state_machine_arn: this.reconcile.stateMachine.arn,
      reconcile_scratch_table_name: this.reconcile.scratch.table.name,
    };
    for (const [name, value] of Object.entries(outputs)) new TerraformOutput(this, name, { value });
  }
}
