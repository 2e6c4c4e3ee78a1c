/**
 * The one source of truth for user-sync settings: the stack, the function's
 * environment, the local sandbox and the reconcile tool all read from here.
 *
 * Pure on purpose (no cdktf imports): the Lambda bundle and the CLI tools load
 * it too, and must stay small and fast.
 *
 * Settings come from an optional JSON file (`user-sync.config.json` in the
 * working directory, or the path in `USER_SYNC_CONFIG`) and are overridden by
 * `USER_SYNC_*` environment variables.
 */
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";

/** Partition key of the Users table. It holds the Cognito `sub`. */
export const USERS_TABLE_KEY = "id";

/** Fields every row has; the attribute map may not write to them. */
export const CORE_ROW_FIELDS = [
  USERS_TABLE_KEY,
  "username",
  "email",
  "emailVerified",
  "userPoolId",
  "createdAt",
  "updatedAt",
  "__typename",
  "_version",
  "_lastChangedAt",
] as const;

/** Cognito attributes that feed core fields and so cannot be remapped. */
const CORE_COGNITO_ATTRIBUTES = ["sub", "email", "email_verified"];

/**
 * Optional standard Cognito attributes copied when present, and the row field
 * each lands in. Overridable with `attributeMap`.
 */
export const DEFAULT_ATTRIBUTE_MAP: Readonly<Record<string, string>> = {
  name: "name",
  given_name: "givenName",
  family_name: "familyName",
  middle_name: "middleName",
  nickname: "nickname",
  preferred_username: "preferredUsername",
  phone_number: "phoneNumber",
  phone_number_verified: "phoneNumberVerified",
  locale: "locale",
  zoneinfo: "zoneinfo",
  picture: "picture",
  website: "website",
  profile: "profile",
  gender: "gender",
  birthdate: "birthdate",
  address: "address",
  updated_at: "profileUpdatedAt",
};

const STANDARD_COGNITO_ATTRIBUTES = new Set([
  ...Object.keys(DEFAULT_ATTRIBUTE_MAP),
  ...CORE_COGNITO_ATTRIBUTES,
]);

/** The user pool's password policy (the stack and the local sandbox both apply it). */
export const PASSWORD_POLICY = {
  minimumLength: 12,
  requireLowercase: true,
  requireUppercase: true,
  requireNumbers: true,
  requireSymbols: false,
  temporaryPasswordValidityDays: 7,
} as const;

/** `custom:*` attributes the pool must declare (names without the prefix). */
export function customAttributeNames(attributeMap: Readonly<Record<string, string>>): string[] {
  return Object.keys(attributeMap)
    .filter((a) => a.startsWith("custom:"))
    .map((a) => a.slice("custom:".length));
}

/** Environment variables the PostConfirmation function reads. */
export const FUNCTION_ENV = {
  tableName: "USERS_TABLE_NAME",
  attributeMap: "USER_ATTRIBUTE_MAP",
  amplifyTypename: "AMPLIFY_TYPENAME",
} as const;

/** Cognito waits at most this long for a trigger. */
export const COGNITO_TRIGGER_BUDGET_MS = 5_000;

/** Values CloudWatch Logs accepts for `retention_in_days`. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
] as const;

export type PackagingMode = "archive" | "asset";

export interface RemoteBackendConfig {
  /** S3 bucket holding the state. */
  readonly bucket: string;
  /** Object key. @default "user-sync/<stage>/terraform.tfstate" */
  readonly key: string;
  /** Bucket region. @default the stack region */
  readonly region: string;
  /**
   * Locking: "lockfile" uses S3 native locking (Terraform >= 1.10); any other
   * value is the name of a DynamoDB lock table. @default "lockfile"
   */
  readonly lock: string;
}

export interface UserSyncConfig {
  /** Deployment stage; part of every name. @default "dev" */
  readonly stage: string;
  /** AWS region. @default "us-east-1" */
  readonly region: string;
  /** Prefix of every name. @default "user-sync" */
  readonly namePrefix: string;
  /** Function log retention in days. @default 30 */
  readonly logRetentionDays: number;
  /** Deletion protection on the table and the user pool. @default true */
  readonly deletionProtection: boolean;
  /** Customer KMS key for the table. @default undefined (AWS-owned key) */
  readonly kmsKeyArn?: string;
  /** Adds a global secondary index on `email`. @default false */
  readonly emailIndex: boolean;
  /** Cognito attribute -> row field for optional attributes. @default DEFAULT_ATTRIBUTE_MAP */
  readonly attributeMap: Readonly<Record<string, string>>;
  /** Amplify DataStore fields (`__typename` = this value). @default undefined (off) */
  readonly amplifyTypename?: string;
  /** How the function is zipped. @default "archive" */
  readonly packaging: PackagingMode;
  /** Function memory in MB. @default 256 */
  readonly functionMemoryMb: number;
  /** Tags on every resource (provider default_tags). @default {} */
  readonly tags: Readonly<Record<string, string>>;
  /** S3 remote state. @default undefined (local state) */
  readonly backend?: RemoteBackendConfig;
  /** Provider skips credential, account-id and metadata checks, for plans with no AWS access. @default false */
  readonly offlinePlan: boolean;
}

/** Thrown for any invalid setting; lists every problem at once. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid user-sync configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
  }
}

interface Setting {
  readonly key: keyof UserSyncConfig | "backend.bucket" | "backend.key" | "backend.region" | "backend.lock";
  readonly env: string;
  readonly default: string;
  readonly description: string;
}

/** Every setting, its environment variable and default (the README table mirrors this). */
export const SETTINGS: readonly Setting[] = [
  { key: "stage", env: "USER_SYNC_STAGE", default: "dev", description: "Stage name, 1-16 of a-z 0-9 -, starting with a letter" },
  { key: "region", env: "USER_SYNC_REGION", default: "us-east-1", description: "AWS region" },
  { key: "namePrefix", env: "USER_SYNC_NAME_PREFIX", default: "user-sync", description: "Prefix of every resource name" },
  { key: "logRetentionDays", env: "USER_SYNC_LOG_RETENTION_DAYS", default: "30", description: "Function log retention (a CloudWatch value)" },
  { key: "deletionProtection", env: "USER_SYNC_DELETION_PROTECTION", default: "true", description: "Deletion protection on table and pool" },
  { key: "kmsKeyArn", env: "USER_SYNC_KMS_KEY_ARN", default: "(AWS-owned key)", description: "Customer KMS key ARN for the table" },
  { key: "emailIndex", env: "USER_SYNC_EMAIL_INDEX", default: "false", description: "Add a GSI `email-index` on `email`" },
  { key: "attributeMap", env: "USER_SYNC_ATTRIBUTE_MAP", default: "standard attributes, camelCase", description: "JSON object: Cognito attribute -> row field" },
  { key: "amplifyTypename", env: "USER_SYNC_AMPLIFY_TYPENAME", default: "(off)", description: "Adds Amplify DataStore fields with this `__typename`" },
  { key: "packaging", env: "USER_SYNC_PACKAGING", default: "archive", description: "`archive` (archive_file) or `asset` (zipped at synth)" },
  { key: "functionMemoryMb", env: "USER_SYNC_FUNCTION_MEMORY_MB", default: "256", description: "Function memory, 128-10240 MB" },
  { key: "tags", env: "USER_SYNC_TAGS", default: "{}", description: "JSON object of tags for every resource" },
  { key: "offlinePlan", env: "USER_SYNC_OFFLINE_PLAN", default: "false", description: "Provider skips AWS credential checks (`npm run plan -- --offline` sets it)" },
  { key: "backend.bucket", env: "USER_SYNC_BACKEND_BUCKET", default: "(local state)", description: "S3 bucket for remote state" },
  { key: "backend.key", env: "USER_SYNC_BACKEND_KEY", default: "user-sync/<stage>/terraform.tfstate", description: "State object key" },
  { key: "backend.region", env: "USER_SYNC_BACKEND_REGION", default: "(stack region)", description: "State bucket region" },
  { key: "backend.lock", env: "USER_SYNC_BACKEND_LOCK", default: "lockfile", description: "`lockfile` (S3 native) or a DynamoDB lock table name" },
];

type Raw = Record<string, unknown>;

const NAME_PATTERN = /^[a-z][a-z0-9-]*$/;
const REGION_PATTERN = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;
const KMS_KEY_ARN_PATTERN =
  /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/;
const ROW_FIELD_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
const CUSTOM_ATTRIBUTE_PATTERN = /^custom:[A-Za-z0-9_]{1,20}$/;

function settingFor(key: Setting["key"]): Setting {
  return SETTINGS.find((s) => s.key === key)!;
}

function label(key: Setting["key"]): string {
  return `${key} (${settingFor(key).env})`;
}

/** Reads one value: environment first, then the file. */
function pick(key: Setting["key"], env: NodeJS.ProcessEnv, file: Raw): unknown {
  const fromEnv = env[settingFor(key).env];
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  if (key.startsWith("backend.")) {
    const backend = file.backend as Raw | undefined;
    return backend?.[key.slice("backend.".length)];
  }
  return file[key];
}

function parseJsonObject(key: Setting["key"], value: unknown, problems: string[]): Record<string, string> | undefined {
  let obj = value;
  if (typeof value === "string") {
    try {
      obj = JSON.parse(value);
    } catch {
      problems.push(`${label(key)}: not valid JSON; give an object such as {"a":"b"}`);
      return undefined;
    }
  }
  if (typeof obj !== "object" || obj === null || Array.isArray(obj)) {
    problems.push(`${label(key)}: must be a JSON object of string values`);
    return undefined;
  }
  const bad = Object.entries(obj).filter(([, v]) => typeof v !== "string");
  if (bad.length > 0) {
    problems.push(`${label(key)}: values must be strings; fix ${bad.map(([k]) => JSON.stringify(k)).join(", ")}`);
    return undefined;
  }
  return obj as Record<string, string>;
}

function parseBoolean(key: Setting["key"], value: unknown, fallback: boolean, problems: string[]): boolean {
  if (value === undefined) return fallback;
  if (value === true || value === "true") return true;
  if (value === false || value === "false") return false;
  problems.push(`${label(key)}: ${JSON.stringify(value)} is not a boolean; use true or false`);
  return fallback;
}

function parseInteger(key: Setting["key"], value: unknown, fallback: number, problems: string[]): number {
  if (value === undefined) return fallback;
  const n = typeof value === "number" ? value : Number(value);
  if (!Number.isInteger(n)) {
    problems.push(`${label(key)}: ${JSON.stringify(value)} is not a whole number`);
    return fallback;
  }
  return n;
}

function parseName(key: Setting["key"], value: unknown, fallback: string, maxLength: number, problems: string[]): string {
  if (value === undefined) return fallback;
  const s = String(value);
  if (!NAME_PATTERN.test(s) || s.length > maxLength || s.endsWith("-")) {
    problems.push(
      `${label(key)}: ${JSON.stringify(s)} is not accepted; use 1-${maxLength} characters of a-z, 0-9 and -, starting with a letter and not ending with -`,
    );
    return fallback;
  }
  return s;
}

/** Validates an attribute map; shared by config loading and the function's env parsing. */
export function attributeMapProblems(map: Record<string, string>, where: string): string[] {
  const problems: string[] = [];
  const fields = new Set<string>();
  for (const [attribute, field] of Object.entries(map)) {
    if (CORE_COGNITO_ATTRIBUTES.includes(attribute)) {
      problems.push(`${where}: ${JSON.stringify(attribute)} is always written as a core field; remove it from the map`);
    } else if (!STANDARD_COGNITO_ATTRIBUTES.has(attribute) && !CUSTOM_ATTRIBUTE_PATTERN.test(attribute)) {
      problems.push(
        `${where}: ${JSON.stringify(attribute)} is not a Cognito attribute; use a standard attribute (${Object.keys(DEFAULT_ATTRIBUTE_MAP).join(", ")}) or custom:<name> (1-20 of A-Z a-z 0-9 _)`,
      );
    }
    if (!ROW_FIELD_PATTERN.test(field)) {
      problems.push(`${where}: row field ${JSON.stringify(field)} for ${attribute} must be 1-64 of A-Z a-z 0-9 _, starting with a letter`);
    } else if ((CORE_ROW_FIELDS as readonly string[]).includes(field)) {
      problems.push(`${where}: row field ${JSON.stringify(field)} for ${attribute} is a core field; pick another name`);
    } else if (fields.has(field)) {
      problems.push(`${where}: row field ${JSON.stringify(field)} is used twice; each attribute needs its own field`);
    }
    fields.add(field);
  }
  return problems;
}

export interface LoadConfigOptions {
  /** Environment to read. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** JSON file. @default $USER_SYNC_CONFIG, else ./user-sync.config.json if it exists */
  readonly file?: string;
}

function readConfigFile(path: string | undefined, explicit: boolean, problems: string[]): Raw {
  if (!path || (!explicit && !existsSync(path))) return {};
  try {
    const parsed = JSON.parse(readFileSync(path, "utf8"));
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
    return parsed as Raw;
  } catch (err) {
    problems.push(`config file ${path} (USER_SYNC_CONFIG): cannot be read as a JSON object (${(err as Error).message})`);
    return {};
  }
}

/** Loads and validates the configuration; throws ConfigError listing every bad setting. */
export function loadConfig(options: LoadConfigOptions = {}): UserSyncConfig {
  const env = options.env ?? process.env;
  const problems: string[] = [];
  const explicitFile = options.file ?? env.USER_SYNC_CONFIG;
  const file = readConfigFile(explicitFile ?? resolve("user-sync.config.json"), explicitFile !== undefined, problems);
  const known = new Set(SETTINGS.map((s) => s.key.split(".")[0]));
  for (const k of Object.keys(file)) {
    if (!known.has(k)) problems.push(`config file: unknown setting ${JSON.stringify(k)}; known settings are ${[...known].join(", ")}`);
  }
  const get = (key: Setting["key"]) => pick(key, env, file);

  const stage = parseName("stage", get("stage"), "dev", 16, problems);
  const namePrefix = parseName("namePrefix", get("namePrefix"), "user-sync", 24, problems);

  let region = "us-east-1";
  const rawRegion = get("region");
  if (rawRegion !== undefined) {
    if (REGION_PATTERN.test(String(rawRegion))) region = String(rawRegion);
    else problems.push(`${label("region")}: ${JSON.stringify(rawRegion)} is not an AWS region name such as eu-west-1`);
  }

  const logRetentionDays = parseInteger("logRetentionDays", get("logRetentionDays"), 30, problems);
  if (!(LOG_RETENTION_DAYS as readonly number[]).includes(logRetentionDays)) {
    problems.push(`${label("logRetentionDays")}: ${logRetentionDays} is not accepted by CloudWatch; use one of ${LOG_RETENTION_DAYS.join(", ")}`);
  }

  const deletionProtection = parseBoolean("deletionProtection", get("deletionProtection"), true, problems);
  const emailIndex = parseBoolean("emailIndex", get("emailIndex"), false, problems);
  const offlinePlan = parseBoolean("offlinePlan", get("offlinePlan"), false, problems);

  let kmsKeyArn: string | undefined;
  const rawKms = get("kmsKeyArn");
  if (rawKms !== undefined) {
    if (KMS_KEY_ARN_PATTERN.test(String(rawKms))) kmsKeyArn = String(rawKms);
    else problems.push(`${label("kmsKeyArn")}: ${JSON.stringify(rawKms)} is not a KMS key ARN; use arn:aws:kms:<region>:<account>:key/<key-id>`);
  }

  let attributeMap: Record<string, string> = { ...DEFAULT_ATTRIBUTE_MAP };
  const rawMap = get("attributeMap");
  if (rawMap !== undefined) {
    const parsed = parseJsonObject("attributeMap", rawMap, problems);
    if (parsed) {
      const mapProblems = attributeMapProblems(parsed, label("attributeMap"));
      problems.push(...mapProblems);
      if (mapProblems.length === 0) attributeMap = parsed;
    }
  }

  let amplifyTypename: string | undefined;
  const rawTypename = get("amplifyTypename");
  if (rawTypename !== undefined) {
    if (/^[A-Z][A-Za-z0-9_]{0,63}$/.test(String(rawTypename))) amplifyTypename = String(rawTypename);
    else problems.push(`${label("amplifyTypename")}: ${JSON.stringify(rawTypename)} must be a GraphQL type name such as User`);
  }

  let packaging: PackagingMode = "archive";
  const rawPackaging = get("packaging");
  if (rawPackaging !== undefined) {
    if (rawPackaging === "archive" || rawPackaging === "asset") packaging = rawPackaging;
    else problems.push(`${label("packaging")}: ${JSON.stringify(rawPackaging)} is not a packaging mode; use archive or asset`);
  }

  const functionMemoryMb = parseInteger("functionMemoryMb", get("functionMemoryMb"), 256, problems);
  if (functionMemoryMb < 128 || functionMemoryMb > 10240) {
    problems.push(`${label("functionMemoryMb")}: ${functionMemoryMb} is outside what Lambda accepts; use 128 to 10240`);
  }

  const rawTags = get("tags");
  const tags = rawTags === undefined ? {} : (parseJsonObject("tags", rawTags, problems) ?? {});

  let backend: RemoteBackendConfig | undefined;
  const bucket = get("backend.bucket");
  if (bucket !== undefined) {
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(String(bucket))) {
      problems.push(`${label("backend.bucket")}: ${JSON.stringify(bucket)} is not an S3 bucket name`);
    }
    backend = {
      bucket: String(bucket),
      key: String(get("backend.key") ?? `user-sync/${stage}/terraform.tfstate`),
      region: String(get("backend.region") ?? region),
      lock: String(get("backend.lock") ?? "lockfile"),
    };
  } else {
    for (const k of ["backend.key", "backend.region", "backend.lock"] as const) {
      if (get(k) !== undefined) problems.push(`${label(k)}: set, but ${label("backend.bucket")} is not; set the bucket too or remove it`);
    }
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    stage,
    region,
    namePrefix,
    logRetentionDays,
    deletionProtection,
    kmsKeyArn,
    emailIndex,
    attributeMap,
    amplifyTypename,
    packaging,
    functionMemoryMb,
    tags,
    backend,
    offlinePlan,
  };
}

/** Every stage-prefixed name the stack creates. */
export function resourceNames(config: Pick<UserSyncConfig, "namePrefix" | "stage">) {
  const base = `${config.namePrefix}-${config.stage}`;
  const functionName = `${base}-post-confirmation`;
  return {
    stack: base,
    usersTable: `${base}-users`,
    emailIndex: "email-index",
    userPool: `${base}-users`,
    userPoolClient: `${base}-app`,
    adminGroup: "Admin",
    function: functionName,
    functionRole: `${functionName}-role`,
    functionPolicy: `${functionName}-policy`,
    logGroup: `/aws/lambda/${functionName}`,
  };
}

/** The environment the PostConfirmation function runs with (the sandbox uses it too). */
export function functionEnvironment(config: UserSyncConfig, tableName = resourceNames(config).usersTable): Record<string, string> {
  const env: Record<string, string> = {
    [FUNCTION_ENV.tableName]: tableName,
    [FUNCTION_ENV.attributeMap]: JSON.stringify(config.attributeMap),
  };
  if (config.amplifyTypename) env[FUNCTION_ENV.amplifyTypename] = config.amplifyTypename;
  return env;
}
