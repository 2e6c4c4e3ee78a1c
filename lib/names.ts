/** Every stage-prefixed name the stack creates, from the prefix and stage settings, and the length each may have. */
import type { UserSyncConfig } from "./settings/props";

export interface FunctionNames {
  readonly function: string;
  readonly role: string;
  readonly policy: string;
  readonly logGroup: string;
}

/** Names of one function and the role, policy and log group that belong to it. */
export function functionNames(base: string, fn: string): FunctionNames {
  const name = `${base}-${fn}`;
  return { function: name, role: `${name}-role`, policy: `${name}-policy`, logGroup: `/aws/lambda/${name}` };
}

/** What each kind of name may be, as each service documents it. */
export const NAME_LIMITS = {
  "IAM role": 64,
  "IAM role policy": 128,
  "Lambda function": 64,
  "CloudWatch log group": 512,
  "EventBridge rule": 64,
  "EventBridge Scheduler schedule": 64,
  "Step Functions state machine": 80,
  "SQS queue": 80,
  "CloudWatch alarm": 255,
  "DynamoDB table": 255,
  "DynamoDB index": 255,
  "Cognito user pool": 128,
  "Cognito app client": 128,
  "SNS topic": 256,
  "CloudTrail trail": 128,
  // Terraform's aws_s3_bucket bucket_prefix: at most 37 characters (S3 adds a unique suffix).
  "S3 bucket prefix": 37,
} as const;

export type NameKind = keyof typeof NAME_LIMITS;

/** The alarms the stack may create, by the part after the prefix (lib/alarms.ts names them this way). */
export const ALARMS = [
  "post-confirmation-errors",
  "post-confirmation-duration-p99",
  "post-confirmation-throttles",
  "reconcile-failed",
  "reconcile-timed-out",
  "reconcile-missing-rows",
  "post-confirmation-detached",
  "user-events-dead-letters",
  "user-events-unidentified",
] as const;

export type AlarmName = (typeof ALARMS)[number];

/**
 * The Terraform outputs a deployed UserSync exposes (UserSyncOutputs), by
 * name: `cdktf deploy --outputs-file user-sync.outputs.json` saves them, and
 * the CLI's reconcile, attach, detach and restore take their defaults from
 * that file, in this repository and in a team's own project alike.
 */
export const STACK_OUTPUTS = {
  region: "the stack's AWS region",
  user_pool_id: "the user pool",
  user_pool_arn: "the user pool's ARN",
  user_pool_client_id: "the app client (new pools only)",
  users_table_name: "the Users table",
  users_table_arn: "the Users table's ARN",
  users_table_stream_arn: "the table's stream (new tables only)",
  function_name: "the PostConfirmation function",
  reconcile_state_machine_arn: "the scheduled reconcile's state machine",
  reconcile_scratch_table_name: "the scheduled reconcile's scratch table (restore --scratch-table)",
  user_events_function_name: "the user-events function (userEvents on)",
  user_events_dead_letter_queue_url: "the user-events dead-letter queue (userEvents on)",
} as const;

export type StackOutputName = keyof typeof STACK_OUTPUTS;

export function resourceNames(config: Pick<UserSyncConfig, "namePrefix" | "stage">) {
  const base = `${config.namePrefix}-${config.stage}`;
  return {
    /** The stack, and the prefix of every name below. */
    stack: base,
    usersTable: `${base}-users`,
    emailIndex: "email-index",
    // Same name as the table, but a different resource type. Renaming a pool replaces it (its users are lost), so it stays.
    userPool: `${base}-users`,
    userPoolClient: `${base}-app`,
    postConfirmation: functionNames(base, "post-confirmation"),
    reconcileWorker: functionNames(base, "reconcile"),
    reconcileStateMachine: `${base}-reconcile`,
    reconcileStateMachineRole: `${base}-reconcile-sfn-role`,
    reconcileSchedule: `${base}-reconcile`,
    reconcileSchedulerRole: `${base}-reconcile-scheduler-role`,
    scratchTable: `${base}-reconcile-scratch`,
    userEvents: functionNames(base, "user-events"),
    userEventsRule: `${base}-user-events`,
    userEventsDeadLetterQueue: `${base}-user-events-dlq`,
    trail: `${base}-trail`,
    /** S3 adds a unique suffix: bucket names are global. */
    trailBucketPrefix: `${base}-trail-`,
    alarmTopic: `${base}-alarms`,
    /** An alarm's name: `<base>-<what>`. */
    alarm: (what: AlarmName) => `${base}-${what}`,
  };
}

type NamedConfig = Pick<UserSyncConfig, "namePrefix" | "stage"> &
  Partial<Pick<UserSyncConfig, "userEvents" | "cloudTrail" | "alarmEmail" | "emailIndex" | "reconcileSchedule" | "table" | "userPool">>;

/** Every name the stack creates for this configuration, with its kind: what the name-length check looks at. */
export function namedResources(config: NamedConfig): Array<{ readonly kind: NameKind; readonly name: string }> {
  const n = resourceNames(config);
  const fn = (f: FunctionNames) =>
    [
      ["Lambda function", f.function],
      ["IAM role", f.role],
      ["IAM role policy", f.policy],
      ["CloudWatch log group", f.logGroup],
    ] as const;
  const when = <T>(condition: unknown, entries: readonly T[]): readonly T[] => (condition ? entries : []);
  const events = config.userEvents !== false;
  const entries: Array<readonly [NameKind, string]> = [
    ...when(!config.table?.existing, [["DynamoDB table", n.usersTable] as const]),
    ...when(config.emailIndex, [["DynamoDB index", n.emailIndex] as const]),
    ...when(!config.userPool?.existing, [["Cognito user pool", n.userPool] as const, ["Cognito app client", n.userPoolClient] as const]),
    ...fn(n.postConfirmation),
    ...fn(n.reconcileWorker),
    ["Step Functions state machine", n.reconcileStateMachine],
    ["IAM role", n.reconcileStateMachineRole],
    ["IAM role policy", `${n.reconcileStateMachineRole}-policy`],
    ...when(config.reconcileSchedule !== "off", [
      ["EventBridge Scheduler schedule", n.reconcileSchedule] as const,
      ["IAM role", n.reconcileSchedulerRole] as const,
      ["IAM role policy", `${n.reconcileSchedulerRole}-policy`] as const,
    ]),
    ["DynamoDB table", n.scratchTable],
    ...when(events, [...fn(n.userEvents), ["EventBridge rule", n.userEventsRule] as const, ["SQS queue", n.userEventsDeadLetterQueue] as const]),
    ...when(events && config.cloudTrail === "create", [["CloudTrail trail", n.trail] as const, ["S3 bucket prefix", n.trailBucketPrefix] as const]),
    ...when(config.alarmEmail, [["SNS topic", n.alarmTopic] as const]),
    ...ALARMS.map((a) => ["CloudWatch alarm", n.alarm(a)] as const),
  ];
  return entries.map(([kind, name]) => ({ kind, name }));
}
