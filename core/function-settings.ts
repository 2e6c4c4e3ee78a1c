/**
 * The settings a function runs with, written into its environment by the
 * stack (and the sandbox) and read back by the function: one encoder, one
 * decoder, so the two cannot disagree.
 */
import { attributeMapProblems, DEFAULT_ATTRIBUTE_MAP, DEFAULT_KEY_LAYOUT, FUNCTION_ENV, keyLayoutProblems, ON_USER_DELETED, type KeyLayout, type OnUserDeleted } from "./contract";
import { DEFAULT_OWNER_FORMAT, type RowMapping } from "./user-record";

export interface FunctionSettings extends RowMapping {
  /** The Users table. */
  readonly tableName: string;
}

/** The environment variables that carry these settings (defaults are left out). */
export function functionEnvironment(settings: FunctionSettings): Record<string, string> {
  const env: Record<string, string> = {
    [FUNCTION_ENV.tableName]: settings.tableName,
    [FUNCTION_ENV.attributeMap]: JSON.stringify(settings.attributeMap),
  };
  if (settings.keyLayout && JSON.stringify(settings.keyLayout) !== JSON.stringify(DEFAULT_KEY_LAYOUT)) {
    env[FUNCTION_ENV.keyLayout] = JSON.stringify(settings.keyLayout);
  }
  if (settings.amplify) {
    env[FUNCTION_ENV.amplifyTypename] = settings.amplify.typename;
    env[FUNCTION_ENV.amplifyOwnerField] = settings.amplify.ownerField ?? "";
    env[FUNCTION_ENV.amplifyOwnerFormat] = settings.amplify.ownerFormat;
    env[FUNCTION_ENV.amplifyConflictDetection] = String(settings.amplify.conflictDetection);
  }
  return env;
}

function json(env: NodeJS.ProcessEnv, name: string, what: string): unknown {
  try {
    return JSON.parse(env[name]!);
  } catch {
    throw new Error(`${name} is not valid JSON; it must be ${what}`);
  }
}

/** Reads the settings back; anything absent means the documented default. */
export function readFunctionSettings(env: NodeJS.ProcessEnv): FunctionSettings {
  const tableName = env[FUNCTION_ENV.tableName];
  if (!tableName) {
    throw new Error(`${FUNCTION_ENV.tableName} is not set; it must name the Users table (the stack sets it)`);
  }
  let attributeMap: Readonly<Record<string, string>> = DEFAULT_ATTRIBUTE_MAP;
  if (env[FUNCTION_ENV.attributeMap]) {
    const parsed = json(env, FUNCTION_ENV.attributeMap, "an object of Cognito attribute -> row field");
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new Error(`${FUNCTION_ENV.attributeMap} must be a JSON object of Cognito attribute -> row field`);
    }
    const problems = attributeMapProblems(parsed as Record<string, string>, FUNCTION_ENV.attributeMap);
    if (problems.length > 0) throw new Error(problems.join("; "));
    attributeMap = parsed as Record<string, string>;
  }
  let keyLayout: KeyLayout | undefined;
  if (env[FUNCTION_ENV.keyLayout]) {
    keyLayout = json(env, FUNCTION_ENV.keyLayout, 'a key layout such as {"partitionKey":{"name":"pk","value":"USER#{sub}"}}') as KeyLayout;
    const problems = keyLayoutProblems(keyLayout, FUNCTION_ENV.keyLayout);
    if (problems.length > 0) throw new Error(problems.join("; "));
  }
  const typename = env[FUNCTION_ENV.amplifyTypename];
  return {
    tableName,
    attributeMap,
    keyLayout,
    amplify: typename
      ? {
          typename,
          ownerField: env[FUNCTION_ENV.amplifyOwnerField] === undefined ? "owner" : env[FUNCTION_ENV.amplifyOwnerField] || undefined,
          ownerFormat: env[FUNCTION_ENV.amplifyOwnerFormat] || DEFAULT_OWNER_FORMAT,
          conflictDetection: env[FUNCTION_ENV.amplifyConflictDetection] !== "false",
        }
      : undefined,
  };
}

/** The reconcile worker's settings, besides the row mapping. */
export interface ReconcileWorkerSettings extends FunctionSettings {
  readonly userPoolId: string;
  readonly scratchTableName: string;
  /** Cognito requests per second. */
  readonly rate: number;
  /** How long one step works before it hands over. */
  readonly sliceMs: number;
  readonly prune: boolean;
  /** @default the safety limit's default */
  readonly maxPrune?: number;
  /** The function the pool's PostConfirmation should run; another one is reported as drift. @default no check */
  readonly postConfirmationFunction?: string;
}

export function reconcileWorkerEnvironment(settings: ReconcileWorkerSettings): Record<string, string> {
  const env = functionEnvironment(settings);
  env[FUNCTION_ENV.userPoolId] = settings.userPoolId;
  env[FUNCTION_ENV.scratchTableName] = settings.scratchTableName;
  env[FUNCTION_ENV.reconcileRate] = String(settings.rate);
  env[FUNCTION_ENV.reconcileSliceMs] = String(settings.sliceMs);
  env[FUNCTION_ENV.reconcilePrune] = String(settings.prune);
  if (settings.maxPrune !== undefined) env[FUNCTION_ENV.reconcileMaxPrune] = String(settings.maxPrune);
  if (settings.postConfirmationFunction) env[FUNCTION_ENV.postConfirmationFunction] = settings.postConfirmationFunction;
  return env;
}

function required(env: NodeJS.ProcessEnv, name: string, what: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} is not set; it must name ${what} (the stack sets it)`);
  return value;
}

function positiveNumber(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!(n > 0)) throw new Error(`${name} is ${JSON.stringify(raw)}; it must be a positive number`);
  return n;
}

/** The same rule as the reconcileMaxPrune setting: a whole number, 1 or more. */
function wholeNumberAtLeastOne(env: NodeJS.ProcessEnv, name: string): number {
  const raw = env[name]!;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < 1) throw new Error(`${name} is ${JSON.stringify(raw)}; it must be a whole number, 1 or more`);
  return n;
}

export function readReconcileWorkerSettings(env: NodeJS.ProcessEnv): ReconcileWorkerSettings {
  const maxPrune = env[FUNCTION_ENV.reconcileMaxPrune];
  return {
    ...readFunctionSettings(env),
    userPoolId: required(env, FUNCTION_ENV.userPoolId, "the user pool"),
    scratchTableName: required(env, FUNCTION_ENV.scratchTableName, "the reconcile scratch table"),
    rate: positiveNumber(env, FUNCTION_ENV.reconcileRate, 20),
    sliceMs: positiveNumber(env, FUNCTION_ENV.reconcileSliceMs, 600_000),
    prune: env[FUNCTION_ENV.reconcilePrune] === "true",
    maxPrune: maxPrune ? wholeNumberAtLeastOne(env, FUNCTION_ENV.reconcileMaxPrune) : undefined,
    postConfirmationFunction: env[FUNCTION_ENV.postConfirmationFunction] || undefined,
  };
}

/** The user-events function's settings, besides the row mapping. */
export interface UserEventsSettings extends FunctionSettings {
  readonly userPoolId: string;
  /** @default "erase" */
  readonly onUserDeleted: OnUserDeleted;
}

export function userEventsEnvironment(settings: UserEventsSettings): Record<string, string> {
  return { ...functionEnvironment(settings), [FUNCTION_ENV.userPoolId]: settings.userPoolId, [FUNCTION_ENV.onUserDeleted]: settings.onUserDeleted };
}

export function readUserEventsSettings(env: NodeJS.ProcessEnv): UserEventsSettings {
  const onUserDeleted = env[FUNCTION_ENV.onUserDeleted] || "erase";
  if (!(ON_USER_DELETED as readonly string[]).includes(onUserDeleted)) {
    throw new Error(`${FUNCTION_ENV.onUserDeleted} is ${JSON.stringify(onUserDeleted)}; it must be one of ${ON_USER_DELETED.join(", ")}`);
  }
  return {
    ...readFunctionSettings(env),
    userPoolId: required(env, FUNCTION_ENV.userPoolId, "the user pool"),
    onUserDeleted: onUserDeleted as OnUserDeleted,
  };
}
