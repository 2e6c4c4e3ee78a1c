/**
 * Each function as plain data (entry, names, environment, timeout, memory),
 * deployed by the stack and run by the sandbox, and the row mapping they share.
 */
import { COGNITO_TRIGGER_BUDGET_MS } from "../../core/function-settings";
import { appSyncApiAddress } from "../../core/appsync-address";
import { functionEnvironment, reconcileWorkerEnvironment, userEventsEnvironment, type AmplifyApiTarget, type FunctionSettings } from "../../core/function-env";
import type { RowMapping } from "../../core/user-record";
import { resourceNames, type FunctionNames } from "../names";
import { keyLayoutOf } from "../settings/load";
import type { UserSyncConfig } from "../settings/props";
import { usersTableSpec } from "./users-table";

/** How rows are made, from the settings: what every function, the sandbox and the CLI use. */
export function rowMapping(config: UserSyncConfig): RowMapping {
  return {
    attributeMap: config.attributeMap,
    keyLayout: keyLayoutOf(config),
    rowsAtInvite: config.rowsAtInvite,
    amplify: config.amplifyTypename
      ? {
          typename: config.amplifyTypename,
          ownerField: config.amplifyOwnerField || undefined,
          ownerFormat: config.amplifyOwnerFormat,
          conflictDetection: config.amplifyConflictDetection,
        }
      : undefined,
  };
}

/** The app's AppSync API the functions write through, from the amplifyApi settings; undefined: the table. */
export function amplifyApiTarget(config: UserSyncConfig): AmplifyApiTarget | undefined {
  if (!config.amplifyApi) return undefined;
  return { url: appSyncApiAddress(config.amplifyApi, config.region).url, modelNames: config.amplifyModelNames, erasedValues: config.amplifyErasedValues };
}

/** What every function reads: the table, how rows are made, and where they are written. */
const functionSettings = (config: UserSyncConfig): FunctionSettings => ({ tableName: usersTableSpec(config).tableName, ...rowMapping(config), amplifyApi: amplifyApiTarget(config) });

/** A function as both the stack deploys it and the sandbox runs it. */
export interface FunctionSpec {
  /** Its directory under `functions/`. */
  readonly entry: string;
  readonly names: FunctionNames;
  readonly environment: Record<string, string>;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
}

export function postConfirmationSpec(config: UserSyncConfig): FunctionSpec {
  const names = resourceNames(config);
  return {
    entry: "post-confirmation",
    names: names.postConfirmation,
    environment: functionEnvironment(functionSettings(config)),
    timeoutSeconds: COGNITO_TRIGGER_BUDGET_MS / 1000,
    memoryMb: config.functionMemoryMb,
  };
}

/** The user-events function, given the pool it watches (an id known only after apply, in a stack). */
export function userEventsSpec(config: UserSyncConfig, userPoolId: string): FunctionSpec {
  return {
    entry: "user-events",
    names: resourceNames(config).userEvents,
    environment: userEventsEnvironment({ ...functionSettings(config), userPoolId, onUserDeleted: config.onUserDeleted }),
    // Two Cognito reads and two DynamoDB calls, each with its own timeouts and retries.
    timeoutSeconds: 30,
    memoryMb: config.functionMemoryMb,
  };
}

/** A step ends within Lambda's 15 minutes: the slice, then a minute to hand over. */
export const RECONCILE_WORKER_TIMEOUT_SECONDS = 900;

/** The reconcile worker, given the pool it reads (an id known only after apply, in a stack). */
export function reconcileWorkerSpec(config: UserSyncConfig, userPoolId: string): FunctionSpec {
  const names = resourceNames(config);
  return {
    entry: "reconcile",
    names: names.reconcileWorker,
    environment: reconcileWorkerEnvironment({
      ...functionSettings(config),
      userPoolId,
      scratchTableName: names.scratchTable,
      rate: config.reconcileRate,
      sliceMs: config.reconcileSliceSeconds * 1000,
      prune: config.reconcilePrune,
      maxPrune: config.reconcileMaxPrune,
      postConfirmationFunction: names.postConfirmation.function,
    }),
    timeoutSeconds: RECONCILE_WORKER_TIMEOUT_SECONDS,
    // Bloom filters of big pools and a scan's pages want headroom; CPU grows with memory too.
    memoryMb: 1024,
  };
}
