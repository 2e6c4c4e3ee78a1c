import { SchedulerSchedule } from "@cdktf/provider-aws/lib/scheduler-schedule";
import { SfnStateMachine } from "@cdktf/provider-aws/lib/sfn-state-machine";
import { Construct } from "constructs";
import { NodeFunction } from "./function/node-function";
import { resourceNames } from "./names";
import { reconcileDefinition } from "./reconcile-definition";
import { ScratchTable } from "./scratch-table";
import { createServiceRole } from "./service-role";
import type { UserSyncConfig } from "./settings/props";
import { reconcileWorkerSpec } from "./specs";
import type { UsersTable } from "./users-table";

export interface ReconcileScheduleProps {
  readonly config: UserSyncConfig;
  readonly table: UsersTable;
  /** The pool to read: its id and ARN. */
  readonly userPool: { readonly id: string; readonly arn: string };
  /** The account and partition of this stack's resources. */
  readonly account: string;
  readonly partition: string;
  /** esbuild writes `<bundleRoot>/<function>/index.mjs`. @default dist */
  readonly bundleRoot?: string;
}

/**
 * Continuous convergence: a Standard state machine drives the reconcile
 * worker step after step; EventBridge Scheduler starts it (unless
 * `reconcileSchedule` is "off"). Each role may do exactly its part.
 */
export class ReconcileSchedule extends Construct {
  readonly worker: NodeFunction;
  readonly stateMachine: SfnStateMachine;
  readonly scratch: ScratchTable;
  readonly schedule?: SchedulerSchedule;

  constructor(scope: Construct, id: string, props: ReconcileScheduleProps) {
    super(scope, id);
    const { config } = props;
    const names = resourceNames(config);
    // Built from its name: the worker needs it (to see other runs) and the machine needs the worker.
    const stateMachineArn = `arn:${props.partition}:states:${config.region}:${props.account}:stateMachine:${names.reconcileStateMachine}`;

    this.scratch = new ScratchTable(this, "scratch", { tableName: names.scratchTable, kmsKeyArn: config.kmsKeyArn });

    const spec = reconcileWorkerSpec(config, props.userPool.id);
    this.worker = new NodeFunction(this, "worker", {
      ...spec,
      statements: [
        ...props.table.grant("describe", "read", "scan", "create", "update", ...(config.reconcilePrune ? (["delete"] as const) : [])),
        // AdminGetUser only with prune: the second, strongly consistent read before each delete.
        {
          sid: "ListPoolUsers",
          effect: "Allow",
          actions: ["cognito-idp:DescribeUserPool", "cognito-idp:ListUsers", ...(config.reconcilePrune ? ["cognito-idp:AdminGetUser"] : [])],
          resources: [props.userPool.arn],
        },
        ...this.scratch.grantReadWrite(),
        { sid: "SeeOtherRuns", effect: "Allow", actions: ["states:ListExecutions"], resources: [stateMachineArn] },
      ],
      logRetentionDays: config.logRetentionDays,
      packaging: config.packaging,
      bundleRoot: props.bundleRoot,
    });

    const machineRole = createServiceRole(this, {
      roleName: names.reconcileStateMachineRole,
      policyName: `${names.reconcileStateMachineRole}-policy`,
      service: "states.amazonaws.com",
      sourceAccount: props.account,
      statements: [{ sid: "InvokeWorker", effect: "Allow", actions: ["lambda:InvokeFunction"], resources: [this.worker.function.arn] }],
    });
    this.stateMachine = new SfnStateMachine(this, "state-machine", {
      name: names.reconcileStateMachine,
      type: "STANDARD",
      roleArn: machineRole.role.arn,
      definition: JSON.stringify(reconcileDefinition(this.worker.function.arn)),
      dependsOn: [machineRole.policy],
    });

    if (config.reconcileSchedule !== "off") {
      const schedulerScope = new Construct(this, "scheduler");
      const schedulerRole = createServiceRole(schedulerScope, {
        roleName: names.reconcileSchedulerRole,
        policyName: `${names.reconcileSchedulerRole}-policy`,
        service: "scheduler.amazonaws.com",
        sourceAccount: props.account,
        statements: [{ sid: "StartReconcile", effect: "Allow", actions: ["states:StartExecution"], resources: [this.stateMachine.arn] }],
      });
      this.schedule = new SchedulerSchedule(schedulerScope, "schedule", {
        name: names.reconcileSchedule,
        scheduleExpression: config.reconcileSchedule,
        scheduleExpressionTimezone: config.reconcileScheduleTimezone,
        flexibleTimeWindow: { mode: "OFF" },
        target: { arn: this.stateMachine.arn, roleArn: schedulerRole.role.arn, input: "{}" },
      });
    }
  }
}
