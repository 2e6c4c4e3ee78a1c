/** Every stage-prefixed name the stack creates, from the prefix and stage settings. */
import type { UserSyncConfig } from "./settings";

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
    alarm: (what: string) => `${base}-${what}`,
  };
}
