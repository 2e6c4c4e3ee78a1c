/**
 * Each function's environment: the stack writes it (with the declarations'
 * `encode`), the function reads it back (with `decode` and the same rule).
 * One writer and one reader per function, so the two cannot disagree.
 */
import { FUNCTION_ENV, FUNCTION_SETTINGS, type FunctionSetting, type FunctionSettingKey, type OnUserDeleted, type SettingValue } from "./function-settings";
import { DEFAULT_KEY_LAYOUT, keyLayoutProblems, type KeyLayout } from "./row-key";
import type { RowMapping } from "./user-record";

/** A setting's variable (none for an unset optional setting: the function falls back to its default). */
function put<K extends FunctionSettingKey>(env: Record<string, string>, key: K, value: SettingValue<K>): void {
  const setting = FUNCTION_SETTINGS[key] as unknown as FunctionSetting<SettingValue<K>>;
  if (value !== undefined) env[setting.env] = setting.encode(value);
}

/** A setting from the environment: the default when absent, else decoded and held to the schema's own rule. */
export function readSetting<K extends FunctionSettingKey>(env: NodeJS.ProcessEnv, key: K): SettingValue<K> {
  const setting = FUNCTION_SETTINGS[key] as unknown as FunctionSetting<SettingValue<K>>;
  const raw = env[setting.env];
  if (raw === undefined) return setting.default;
  let value: SettingValue<K>;
  try {
    value = setting.decode(raw);
  } catch (err) {
    throw new Error(`${setting.env} ${(err as Error).message}; the stack sets it from the ${setting.key} setting`);
  }
  const problem = setting.check(value);
  if (problem) throw new Error(`${setting.env}: ${problem.split("\n").join("; ")} (the ${setting.key} setting)`);
  return value;
}

/** The app's AppSync API, when rows are written through it (the amplifyApi setting). */
export interface AmplifyApiTarget {
  /** Its GraphQL endpoint. */
  readonly url: string;
  /** GraphQL names of the model's operations that differ from Amplify's defaults. @default {} */
  readonly modelNames: Readonly<Record<string, string>>;
  /** Placeholders for required personal fields of a deleted user's row. @default {} */
  readonly erasedValues: Readonly<Record<string, string>>;
}

export interface FunctionSettings extends RowMapping {
  /** The Users table (read directly; written directly only without `amplifyApi`). */
  readonly tableName: string;
  /** Write rows through the app's AppSync API instead of the table. @default the table */
  readonly amplifyApi?: AmplifyApiTarget;
}

/** An https endpoint, or plain http on loopback (the local sandbox's AppSync). */
function apiUrlProblem(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "is not a URL";
  }
  if (url.protocol === "https:" || (url.protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname))) return undefined;
  return "must be an https URL (plain http only on loopback)";
}

/** The environment variables that carry these settings (defaults are left out). */
export function functionEnvironment(settings: FunctionSettings): Record<string, string> {
  const env: Record<string, string> = { [FUNCTION_ENV.tableName]: settings.tableName };
  put(env, "attributeMap", settings.attributeMap);
  if (settings.rowsAtInvite) put(env, "rowsAtInvite", true);
  if (settings.keyLayout && JSON.stringify(settings.keyLayout) !== JSON.stringify(DEFAULT_KEY_LAYOUT)) {
    env[FUNCTION_ENV.keyLayout] = JSON.stringify(settings.keyLayout);
  }
  if (settings.amplify) {
    put(env, "amplifyTypename", settings.amplify.typename);
    // Written even when empty: "" turns the owner field off.
    put(env, "amplifyOwnerField", settings.amplify.ownerField ?? "");
    put(env, "amplifyOwnerFormat", settings.amplify.ownerFormat);
    put(env, "amplifyConflictDetection", settings.amplify.conflictDetection);
  }
  if (settings.amplifyApi) {
    env[FUNCTION_ENV.amplifyApiUrl] = settings.amplifyApi.url;
    if (Object.keys(settings.amplifyApi.modelNames).length) put(env, "amplifyModelNames", settings.amplifyApi.modelNames);
    if (Object.keys(settings.amplifyApi.erasedValues).length) put(env, "amplifyErasedValues", settings.amplifyApi.erasedValues);
  }
  return env;
}

function required(env: NodeJS.ProcessEnv, name: string, what: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} is not set; it must name ${what} (the stack sets it)`);
  return value;
}

/** Reads the settings back; anything absent means the declared default. */
export function readFunctionSettings(env: NodeJS.ProcessEnv): FunctionSettings {
  const tableName = required(env, FUNCTION_ENV.tableName, "the Users table");
  let keyLayout: KeyLayout | undefined;
  if (env[FUNCTION_ENV.keyLayout]) {
    try {
      keyLayout = JSON.parse(env[FUNCTION_ENV.keyLayout]!) as KeyLayout;
    } catch {
      throw new Error(`${FUNCTION_ENV.keyLayout} is not valid JSON; it must be a key layout such as {"partitionKey":{"name":"pk","value":"USER#{sub}"}}`);
    }
    const problems = keyLayoutProblems(keyLayout, FUNCTION_ENV.keyLayout);
    if (problems.length > 0) throw new Error(problems.join("; "));
  }
  const typename = readSetting(env, "amplifyTypename");
  const ownerField = readSetting(env, "amplifyOwnerField");
  const apiUrl = env[FUNCTION_ENV.amplifyApiUrl] || undefined;
  if (apiUrl) {
    const problem = apiUrlProblem(apiUrl);
    if (problem) throw new Error(`${FUNCTION_ENV.amplifyApiUrl} ${problem}; the stack sets it from the amplifyApi setting`);
    if (!typename) throw new Error(`${FUNCTION_ENV.amplifyApiUrl} is set but ${FUNCTION_SETTINGS.amplifyTypename.env} is not: writing through the API needs the model's type (the amplifyTypename setting)`);
  }
  return {
    tableName,
    attributeMap: readSetting(env, "attributeMap"),
    keyLayout,
    rowsAtInvite: readSetting(env, "rowsAtInvite"),
    amplify: typename
      ? {
          typename,
          ownerField: ownerField || undefined,
          ownerFormat: readSetting(env, "amplifyOwnerFormat"),
          conflictDetection: readSetting(env, "amplifyConflictDetection"),
        }
      : undefined,
    amplifyApi: apiUrl ? { url: apiUrl, modelNames: readSetting(env, "amplifyModelNames"), erasedValues: readSetting(env, "amplifyErasedValues") } : undefined,
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
  put(env, "reconcileRate", settings.rate);
  put(env, "reconcileSliceSeconds", settings.sliceMs / 1000);
  put(env, "reconcilePrune", settings.prune);
  put(env, "reconcileMaxPrune", settings.maxPrune);
  if (settings.postConfirmationFunction) env[FUNCTION_ENV.postConfirmationFunction] = settings.postConfirmationFunction;
  return env;
}

export function readReconcileWorkerSettings(env: NodeJS.ProcessEnv): ReconcileWorkerSettings {
  return {
    ...readFunctionSettings(env),
    userPoolId: required(env, FUNCTION_ENV.userPoolId, "the user pool"),
    scratchTableName: required(env, FUNCTION_ENV.scratchTableName, "the reconcile scratch table"),
    rate: readSetting(env, "reconcileRate"),
    sliceMs: readSetting(env, "reconcileSliceSeconds") * 1000,
    prune: readSetting(env, "reconcilePrune"),
    maxPrune: readSetting(env, "reconcileMaxPrune"),
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
  const env = { ...functionEnvironment(settings), [FUNCTION_ENV.userPoolId]: settings.userPoolId };
  put(env, "onUserDeleted", settings.onUserDeleted);
  return env;
}

export function readUserEventsSettings(env: NodeJS.ProcessEnv): UserEventsSettings {
  return {
    ...readFunctionSettings(env),
    userPoolId: required(env, FUNCTION_ENV.userPoolId, "the user pool"),
    onUserDeleted: readSetting(env, "onUserDeleted"),
  };
}
