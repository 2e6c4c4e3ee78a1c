import { SchedulerSchedule } from "@cdktf/provider-aws/lib/scheduler-schedule";
import { SfnStateMachine } from "@cdktf/provider-aws/lib/sfn-state-machine";
import { Construct } from "constructs";
import type { RowWriteTarget } from "./amplify-api";
import { NodeFunction } from "./function/node-function";
import { reconcileDefinition } from "./reconcile-definition";
import { ScratchTable } from "./scratch-table";
import { createServiceRole } from "./service-role";
import type { PackagingMode } from "./settings/props";
import type { FunctionSpec } from "./specs";
import type { UsersTable } from "./users-table";

/** Where the stack's resources live: every ARN built from a name uses these. */
export interface StackLocation {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
}

export interface ScheduledReconcileProps {
  /** The worker as it runs (entry, names, environment, timeout, memory): lib/specs' reconcileWorkerSpec. */
  readonly worker: FunctionSpec;
  readonly table: UsersTable;
  /** Where rows are written: the table, or the app's AppSync API. @default the table */
  readonly rows?: RowWriteTarget;
  /** The pool the worker lists. */
  readonly userPool: { readonly id: string; readonly arn: string };
  /** The state machine, its role, the schedule and its role, and the scratch table. */
  readonly names: { readonly stateMachine: string; readonly stateMachineRole: string; readonly schedule: string; readonly schedulerRole: string; readonly scratchTable: string };
  readonly location: StackLocation;
  /** The worker may delete orphan rows (and reads users one by one before each delete). @default false */
  readonly prune?: boolean;
  /** When runs start: a Scheduler expression in a time zone. @default no schedule (the state machine is started by hand) */
  readonly schedule?: { readonly expression: string; readonly timezone: string };
  /** Encrypts the scratch table. @default AWS-owned key */
  readonly kmsKeyArn?: string;
  readonly logRetentionDays: number;
  readonly packaging: PackagingMode;
  /** esbuild writes `<bundleRoot>/<function>/index.mjs`. @default dist */
  readonly bundleRoot?: string;
}

/**
 * The scheduled reconcile: a Standard state machine drives the reconcile
 * worker step after step, with a scratch table for what steps hand on, and
 * EventBridge Scheduler starts it (when a schedule is given). Each role may do
 * exactly its part.
 */
export class ScheduledReconcile extends Construct {
  readonly worker: NodeFunction;
  readonly stateMachine: SfnStateMachine;
  readonly scratch: ScratchTable;
  readonly schedule?: SchedulerSchedule;

  constructor(scope: Construct, id: string, props: ScheduledReconcileProps) {
    super(scope, id);
    const { names, location } = props;
    // Built from its name: the worker needs it (to see other runs) and the machine needs the worker.
    const stateMachineArn = `arn:${location.partition}:states:${location.region}:${location.account}:stateMachine:${names.stateMachine}`;

    this.scratch = new ScratchTable(this, "scratch", { tableName: names.scratchTable, kmsKeyArn: props.kmsKeyArn });

    this.worker = new NodeFunction(this, "worker", {
      ...props.worker,
      statements: [
        ...props.table.grant("describe", "read", "scan"),
        ...(props.rows ?? props.table).grantWrites("create", "update", ...(props.prune ? (["delete"] as const) : [])),
        // AdminGetUser: the strongly consistent read before a row is created or revived, and before each prune delete.
        {
          sid: "ListPoolUsers",
          effect: "Allow",
          actions: ["cognito-idp:DescribeUserPool", "cognito-idp:ListUsers", "cognito-idp:AdminGetUser"],
          resources: [props.userPool.arn],
        },
        ...this.scratch.grantReadWrite(),
        { sid: "SeeOtherRuns", effect: "Allow", actions: ["states:ListExecutions"], resources: [stateMachineArn] },
      ],
      logRetentionDays: props.logRetentionDays,
      packaging: props.packaging,
      bundleRoot: props.bundleRoot,
    });

    const machineRole = createServiceRole(this, {
      roleName: names.stateMachineRole,
      policyName: `${names.stateMachineRole}-policy`,
      service: "states.amazonaws.com",
      sourceAccount: location.account,
      statements: [{ sid: "InvokeWorker", effect: "Allow", actions: ["lambda:InvokeFunction"], resources: [this.worker.function.arn] }],
    });
    this.stateMachine = new SfnStateMachine(this, "state-machine", {
      name: names.stateMachine,
      type: "STANDARD",
      roleArn: machineRole.role.arn,
      definition: JSON.stringify(reconcileDefinition(this.worker.function.arn)),
      dependsOn: [machineRole.policy],
    });

    if (props.schedule) {
      const schedulerScope = new Construct(this, "scheduler");
      const schedulerRole = createServiceRole(schedulerScope, {
        roleName: names.schedulerRole,
        policyName: `${names.schedulerRole}-policy`,
        service: "scheduler.amazonaws.com",
        sourceAccount: location.account,
        statements: [{ sid: "StartReconcile", effect: "Allow", actions: ["states:StartExecution"], resources: [this.stateMachine.arn] }],
      });
      this.schedule = new SchedulerSchedule(schedulerScope, "schedule", {
        name: names.schedule,
        scheduleExpression: props.schedule.expression,
        scheduleExpressionTimezone: props.schedule.timezone,
        flexibleTimeWindow: { mode: "OFF" },
        target: { arn: this.stateMachine.arn, roleArn: schedulerRole.role.arn, input: "{}" },
      });
    }
  }
}
