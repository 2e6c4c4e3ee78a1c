/**
 * The settings a function runs with. Each one that comes from the user's
 * configuration is declared once below (its config key, its environment
 * variable, its default and its rule): the deploy-time settings schema takes
 * the default and the rule from here, the stack writes the variable with
 * `encode`, and the function reads it back with `decode` and the same rule,
 * so nothing the schema accepts can make a function refuse to start.
 */
import { attributeMapProblems, DEFAULT_ATTRIBUTE_MAP } from "./row-fields";

/**
 * Environment variables the functions read that are not user settings (those
 * are declared with their setting in function-settings.ts).
 */
export const FUNCTION_ENV = {
  tableName: "USERS_TABLE_NAME",
  keyLayout: "USERS_TABLE_KEY_LAYOUT",
  userPoolId: "USER_POOL_ID",
  scratchTableName: "SCRATCH_TABLE_NAME",
  postConfirmationFunction: "POST_CONFIRMATION_FUNCTION",
  /** The app's AppSync GraphQL URL (from the amplifyApi setting): rows are written through its mutations. */
  amplifyApiUrl: "AMPLIFY_API_URL",
} as const;

/** What happens to a deleted user's row: erase its personal fields (default), delete it, or keep it. */
export const ON_USER_DELETED = ["erase", "delete", "keep"] as const;
export type OnUserDeleted = (typeof ON_USER_DELETED)[number];

/** Cognito waits at most this long for a trigger. */
export const COGNITO_TRIGGER_BUDGET_MS = 5_000;

/** One setting a function reads from its environment. */
export interface FunctionSetting<T> {
  /** Its key in user-sync.config.json (and the UserSync construct's props). */
  readonly key: string;
  /** The function's environment variable. */
  readonly env: string;
  /** The value when the setting is not given. */
  readonly default: T;
  /** What is wrong with a value, one problem a line (undefined: nothing); the same rule at synth and in the function. */
  readonly check: (value: T) => string | undefined;
  readonly encode: (value: T) => string;
  /** The variable's text as a value of the right type; throws, without the text, when it is not. */
  readonly decode: (raw: string) => T;
}

const whole = (min: number, max: number, what: string) => (n: number) =>
  Number.isSafeInteger(n) && n >= min && n <= max ? undefined : `must be a whole number from ${min} to ${max}${what}`;

/** Decimal digits only: "0x100" or "1e3" are not what anyone means by a setting's number. */
function decimal(raw: string): number {
  if (!/^-?\d+(\.\d+)?$/.test(raw.trim())) throw new Error("is not a decimal number");
  return Number(raw);
}

function bool(raw: string): boolean {
  if (raw === "true") return true;
  if (raw === "false") return false;
  throw new Error('is not "true" or "false"');
}

function jsonObject(raw: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error("is not valid JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("is not a JSON object");
  return parsed as Record<string, string>;
}

const text = (raw: string) => raw;

/** The model operations whose GraphQL names can be given (Amplify's defaults otherwise). */
export const MODEL_OPERATIONS = ["get", "create", "update", "delete"] as const;
const GRAPHQL_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,127}$/;
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

function modelNamesProblems(names: Readonly<Record<string, string>>): string | undefined {
  const problems: string[] = [];
  for (const [operation, name] of Object.entries(names)) {
    if (!(MODEL_OPERATIONS as readonly string[]).includes(operation)) problems.push(`${JSON.stringify(operation)} is not a model operation; use ${MODEL_OPERATIONS.join(", ")}`);
    else if (typeof name !== "string" || !GRAPHQL_NAME.test(name)) problems.push(`${operation}: ${JSON.stringify(name)} is not a GraphQL field name such as ${operation}User`);
  }
  return problems.join("\n") || undefined;
}

function erasedValuesProblems(values: Readonly<Record<string, string>>): string | undefined {
  const problems: string[] = [];
  for (const [field, value] of Object.entries(values)) {
    if (!FIELD_NAME.test(field)) problems.push(`${JSON.stringify(field)} is not a field name`);
    if (typeof value !== "string" || value.length > 256) problems.push(`${JSON.stringify(field)}: the placeholder must be a string of at most 256 characters, e.g. "deleted@example.invalid"`);
  }
  return problems.join("\n") || undefined;
}

/** The placeholders an Amplify owner value may hold. */
const OWNER_PLACEHOLDERS = ["{sub}", "{username}"];

export const FUNCTION_SETTINGS = {
  attributeMap: {
    key: "attributeMap",
    env: "USER_ATTRIBUTE_MAP",
    default: DEFAULT_ATTRIBUTE_MAP as Readonly<Record<string, string>>,
    check: (map: Readonly<Record<string, string>>) => attributeMapProblems(map, "").map((p) => p.replace(/^: /, "")).join("\n") || undefined,
    encode: (map: Readonly<Record<string, string>>) => JSON.stringify(map),
    decode: jsonObject,
  } satisfies FunctionSetting<Readonly<Record<string, string>>>,
  amplifyTypename: {
    key: "amplifyTypename",
    env: "AMPLIFY_TYPENAME",
    default: undefined as string | undefined,
    check: (v: string | undefined) => (v === undefined || /^[A-Z][A-Za-z0-9_]{0,63}$/.test(v) ? undefined : "must be a GraphQL type name such as User"),
    encode: (v: string | undefined) => v ?? "",
    decode: (raw: string) => raw || undefined,
  } satisfies FunctionSetting<string | undefined>,
  amplifyOwnerField: {
    key: "amplifyOwnerField",
    env: "AMPLIFY_OWNER_FIELD",
    default: "owner" as string,
    check: (v: string) => (/^([A-Za-z][A-Za-z0-9_]{0,63})?$/.test(v) ? undefined : 'is not a field name; use e.g. owner, or "" for no owner field'),
    encode: text,
    decode: text,
  } satisfies FunctionSetting<string>,
  amplifyOwnerFormat: {
    key: "amplifyOwnerFormat",
    env: "AMPLIFY_OWNER_FORMAT",
    default: "{sub}::{username}" as string,
    check: (v: string) => {
      if (!OWNER_PLACEHOLDERS.some((p) => v.includes(p))) return "must hold {sub} or {username}";
      if (/[{}]/.test(OWNER_PLACEHOLDERS.reduce((rest, p) => rest.split(p).join(""), v))) return "may hold only the placeholders {sub} and {username}";
      return v.length > 256 ? "must be at most 256 characters" : undefined;
    },
    encode: text,
    decode: text,
  } satisfies FunctionSetting<string>,
  amplifyModelNames: {
    key: "amplifyModelNames",
    env: "AMPLIFY_MODEL_NAMES",
    default: {} as Readonly<Record<string, string>>,
    check: modelNamesProblems,
    encode: (names: Readonly<Record<string, string>>) => JSON.stringify(names),
    decode: jsonObject,
  } satisfies FunctionSetting<Readonly<Record<string, string>>>,
  amplifyErasedValues: {
    key: "amplifyErasedValues",
    env: "AMPLIFY_ERASED_VALUES",
    default: {} as Readonly<Record<string, string>>,
    check: erasedValuesProblems,
    encode: (values: Readonly<Record<string, string>>) => JSON.stringify(values),
    decode: jsonObject,
  } satisfies FunctionSetting<Readonly<Record<string, string>>>,
  amplifyConflictDetection: {
    key: "amplifyConflictDetection",
    env: "AMPLIFY_CONFLICT_DETECTION",
    default: true as boolean,
    check: () => undefined,
    encode: String,
    decode: bool,
  } satisfies FunctionSetting<boolean>,
  rowsAtInvite: {
    key: "rowsAtInvite",
    env: "ROWS_AT_INVITE",
    default: false as boolean,
    check: () => undefined,
    encode: String,
    decode: bool,
  } satisfies FunctionSetting<boolean>,
  onUserDeleted: {
    key: "onUserDeleted",
    env: "ON_USER_DELETED",
    default: "erase" as OnUserDeleted,
    check: (v: OnUserDeleted) => ((ON_USER_DELETED as readonly string[]).includes(v) ? undefined : `must be one of ${ON_USER_DELETED.join(", ")}`),
    encode: text,
    decode: (raw: string) => raw as OnUserDeleted,
  } satisfies FunctionSetting<OnUserDeleted>,
  reconcileRate: {
    key: "reconcileRate",
    env: "RECONCILE_RATE",
    default: 20 as number,
    check: (n: number) => (Number.isFinite(n) && n >= 1 && n <= 30 ? undefined : "must be 1 to 30 requests/s (ListUsers allows ~30/s per account)"),
    encode: String,
    decode: decimal,
  } satisfies FunctionSetting<number>,
  reconcileSliceSeconds: {
    key: "reconcileSliceSeconds",
    env: "RECONCILE_SLICE_SECONDS",
    default: 600 as number,
    check: whole(30, 840, " seconds (a step must end within Lambda's 15 minutes)"),
    encode: String,
    decode: decimal,
  } satisfies FunctionSetting<number>,
  reconcilePrune: {
    key: "reconcilePrune",
    env: "RECONCILE_PRUNE",
    default: false as boolean,
    check: () => undefined,
    encode: String,
    decode: bool,
  } satisfies FunctionSetting<boolean>,
  reconcileMaxPrune: {
    key: "reconcileMaxPrune",
    env: "RECONCILE_MAX_PRUNE",
    default: undefined as number | undefined,
    check: (n: number | undefined) => (n === undefined || (Number.isSafeInteger(n) && n >= 1) ? undefined : "must be a whole number, 1 or more; to delete no orphans, leave reconcilePrune off"),
    encode: (n: number | undefined) => (n === undefined ? "" : String(n)),
    decode: (raw: string) => (raw === "" ? undefined : decimal(raw)),
  } satisfies FunctionSetting<number | undefined>,
};

export type FunctionSettingKey = keyof typeof FUNCTION_SETTINGS;
export type SettingValue<K extends FunctionSettingKey> = (typeof FUNCTION_SETTINGS)[K]["default"];
