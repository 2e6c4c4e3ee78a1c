import { Fn } from "cdktf";
import { Construct } from "constructs";
import { deletedRow } from "../core/user-events/deletion";
import { appSyncApiAddress } from "../core/appsync-address";
import { amplifyModelNames } from "../core/appsync-writer";
import { Alarms } from "./alarms";
import { AmplifyApi, type RowWriteTarget } from "./amplify-api";
import { CloudTrailLog } from "./cloud-trail";
import { ExistingUserPool } from "./existing-user-pool";
import { NodeFunction } from "./function/node-function";
import { resourceNames } from "./names";
import { ScheduledReconcile, type StackLocation } from "./scheduled-reconcile";
import { parseSettings } from "./settings/load";
import type { UserSyncConfig, UserSyncSettings } from "./settings/props";
import { postConfirmationSpec, reconcileWorkerSpec, userEventsSpec, userPoolSpec, usersTableSpec } from "./specs";
import { UserPool } from "./user-pool";
import { UserEvents } from "./user-events";
import { UsersTable } from "./users-table";

export interface UserSyncProps extends UserSyncSettings {
  /** esbuild writes `<bundleRoot>/<function>/index.mjs` (source checkouts only; the package ships prebuilt bundles). @default dist */
  readonly bundleRoot?: string;
}

/** The account (field 5) and partition (field 2) of an ARN we own, without an API-calling data source. */
const accountOf = (arn: string) => Fn.element(Fn.split(":", arn), 4);
const partitionOf = (arn: string) => Fn.element(Fn.split(":", arn), 1);

/**
 * user-sync in your own CDKTF stack: the Users table (or yours), the
 * PostConfirmation trigger, the user pool (or yours), the scheduled reconcile
 * and the alarms. It adds no provider or backend of its own (the archive
 * provider once per stack, if the packaging needs it); give each instance its
 * own `namePrefix`/`stage`. Settings are the same as user-sync.config.json's,
 * validated the same way (see the README's table for every default).
 */
export class UserSync extends Construct {
  readonly config: UserSyncConfig;
  readonly table: UsersTable;
  /** The app's AppSync API rows are written through (the amplifyApi setting); undefined: they are written to the table. */
  readonly amplifyApi?: AmplifyApi;
  readonly postConfirmation: NodeFunction;
  /** The pool this stack created; undefined when `userPool.existing` is set. */
  readonly userPool?: UserPool;
  readonly userPoolId: string;
  readonly userPoolArn: string;
  /** The app client of a pool this stack created. */
  readonly userPoolClientId?: string;
  readonly reconcile: ScheduledReconcile;
  /** Deletes and changes within seconds; undefined when `userEvents` is false. */
  readonly userEvents?: UserEvents;
  /** The trail this stack created (`cloudTrail: "create"`). */
  readonly cloudTrail?: CloudTrailLog;
  readonly alarms: Alarms;

  constructor(scope: Construct, id: string, props: UserSyncProps = {}) {
    super(scope, id);
    const { bundleRoot, ...settings } = props;
    const config = (this.config = parseSettings(settings));
    const names = resourceNames(config);
    const functionOptions = { logRetentionDays: config.logRetentionDays, packaging: config.packaging, bundleRoot };

    // The trigger's role comes first: its ARN gives the account and partition every other ARN is
    // built from (no API-calling data source, so synth and an offline plan need no AWS access).
    this.postConfirmation = new NodeFunction(this, "post-confirmation", { ...postConfirmationSpec(config), ...functionOptions });
    const location: StackLocation = { partition: partitionOf(this.postConfirmation.role.arn), region: config.region, account: accountOf(this.postConfirmation.role.arn) };

    this.table = new UsersTable(this, "users-table", { spec: usersTableSpec(config), location });
    if (config.amplifyApi && config.amplifyTypename) {
      const api = appSyncApiAddress(config.amplifyApi, config.region);
      this.amplifyApi = new AmplifyApi(this, "amplify-api", {
        apiId: api.apiId,
        model: { ...amplifyModelNames(config.amplifyTypename), ...config.amplifyModelNames },
        location: { ...location, region: api.region },
      });
    }
    // Every write goes one way: to the table, or through the API (never both).
    const rows: RowWriteTarget = this.amplifyApi ?? this.table;
    this.postConfirmation.addToRolePolicy(...rows.grantWrites("create"));

    const trigger = { functionName: this.postConfirmation.function.functionName, functionArn: this.postConfirmation.function.arn };
    if (config.userPool.existing) {
      const pool = new ExistingUserPool(this, "existing-user-pool", {
        userPoolId: config.userPool.existing,
        postConfirmation: trigger,
        partition: location.partition,
        region: location.region,
        sourceAccount: location.account,
      });
      this.userPoolId = pool.id;
      this.userPoolArn = pool.arn;
    } else {
      this.userPool = new UserPool(this, "user-pool", { spec: userPoolSpec(config), postConfirmation: trigger, sourceAccount: location.account });
      this.userPoolId = this.userPool.pool.id;
      this.userPoolArn = this.userPool.pool.arn;
      this.userPoolClientId = this.userPool.client.id;
    }
    const userPool = { id: this.userPoolId, arn: this.userPoolArn };

    this.reconcile = new ScheduledReconcile(this, "reconcile", {
      ...functionOptions,
      worker: reconcileWorkerSpec(config, this.userPoolId),
      table: this.table,
      rows,
      userPool,
      names: { stateMachine: names.reconcileStateMachine, stateMachineRole: names.reconcileStateMachineRole, schedule: names.reconcileSchedule, schedulerRole: names.reconcileSchedulerRole, scratchTable: names.scratchTable },
      location,
      prune: config.reconcilePrune,
      schedule: config.reconcileSchedule === "off" ? undefined : { expression: config.reconcileSchedule, timezone: config.reconcileScheduleTimezone },
      kmsKeyArn: config.kmsKeyArn,
    });

    if (config.userEvents) {
      this.userEvents = new UserEvents(this, "user-events", {
        ...functionOptions,
        fn: userEventsSpec(config, this.userPoolId),
        table: this.table,
        rows,
        userPool,
        names: { rule: names.userEventsRule, deadLetterQueue: names.userEventsDeadLetterQueue },
        rowsAtInvite: config.rowsAtInvite,
        deletedRow: deletedRow(config.onUserDeleted, Boolean(config.amplifyTypename && config.amplifyConflictDetection)),
      });
      if (config.cloudTrail === "create") {
        this.cloudTrail = new CloudTrailLog(this, "cloud-trail", { trailName: names.trail, bucketPrefix: names.trailBucketPrefix, ...location });
      }
    }

    this.alarms = new Alarms(this, "alarms", {
      namePrefix: names.stack,
      postConfirmationFunction: this.postConfirmation.function.functionName,
      reconcile: { stateMachineArn: this.reconcile.stateMachine.arn, workerFunction: this.reconcile.worker.function.functionName },
      userEvents: this.userEvents ? { deadLetterQueueName: this.userEvents.deadLetterQueue.name, functionName: this.userEvents.function.function.functionName } : undefined,
      alarmEmail: config.alarmEmail,
      alarmTopicName: names.alarmTopic,
      alarmTopicArn: config.alarmTopicArn,
    });
  }
}
