/**
 * Deploy-time settings: each one declared once below, with its environment
 * variable, default, parser and documentation. Loading, validation messages,
 * the README table test and `--help` texts all derive from this schema.
 *
 * Settings come from an optional JSON file (`user-sync.config.json` in the
 * working directory, or the path in `USER_SYNC_CONFIG`), overridden by
 * `USER_SYNC_*` environment variables.
 */
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { z } from "zod";
import { didYouMean } from "./suggest";
import { attributeMapProblems, CORE_ROW_FIELDS, DEFAULT_ATTRIBUTE_MAP, keyLayoutProblems, keyNames, ON_USER_DELETED, type KeyLayout } from "../core/contract";

/** How the value of an environment variable becomes a setting value. */
type EnvKind = "string" | "number" | "boolean" | "json";

export interface SettingMeta {
  /** Environment variable that overrides the file. */
  readonly env: string;
  readonly envKind: EnvKind;
  /** The default as the README shows it (Markdown). */
  readonly defaultText: string;
  readonly doc: string;
}

/** Metadata of every leaf setting, keyed by its schema. */
const registry = z.registry<SettingMeta>();

function setting<T extends z.ZodType>(schema: T, meta: Omit<SettingMeta, "defaultText"> & { default: z.output<T>; defaultText?: string }) {
  const { default: value, ...rest } = meta;
  const withDefault = schema.default(value as never);
  registry.add(withDefault, { ...rest, defaultText: rest.defaultText ?? `\`${typeof value === "string" ? value : JSON.stringify(value)}\`` });
  return withDefault;
}

function optionalSetting<T extends z.ZodType>(schema: T, meta: SettingMeta) {
  const optional = schema.optional();
  registry.add(optional, meta);
  return optional;
}

const shown = (input: unknown) => JSON.stringify(input);

/** Stage-like names: a-z 0-9 -, starting with a letter, not ending with -. */
const name = (maxLength: number) =>
  z
    .string({ error: (iss) => `${shown(iss.input)} is not a string` })
    .refine((s) => /^[a-z][a-z0-9-]*$/.test(s) && s.length <= maxLength && !s.endsWith("-"), {
      error: (iss) =>
        `${shown(iss.input)} is not accepted; use 1-${maxLength} characters of a-z, 0-9 and -, starting with a letter and not ending with -`,
    });

const wholeNumber = z.number({ error: (iss) => `${shown(iss.input)} is not a whole number` }).int({
  error: (iss) => `${shown(iss.input)} is not a whole number`,
});

const boolean = z.boolean({ error: (iss) => `${shown(iss.input)} is not a boolean; use true or false` });

const stringMap = z.record(z.string(), z.string({ error: "must be a string" }), { error: () => "must be a JSON object of string values" });

/** Values CloudWatch Logs accepts for `retention_in_days`. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

export const settingsSchema = z.strictObject({
  stage: setting(name(16), {
    env: "USER_SYNC_STAGE",
    envKind: "string",
    default: "dev",
    doc: "Stage name, 1–16 of a-z 0-9 -, starting with a letter. Every name is `<namePrefix>-<stage>-…`.",
  }),
  region: setting(
    z.string().regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, {
      error: (iss) => `${shown(iss.input)} is not an AWS region name such as eu-west-1`,
    }),
    { env: "USER_SYNC_REGION", envKind: "string", default: "us-east-1", doc: "AWS region." },
  ),
  namePrefix: setting(name(24), {
    env: "USER_SYNC_NAME_PREFIX",
    envKind: "string",
    default: "user-sync",
    doc: "Prefix of every resource name.",
  }),
  logRetentionDays: setting(
    wholeNumber.refine((n) => (LOG_RETENTION_DAYS as readonly number[]).includes(n), {
      error: (iss) => `${shown(iss.input)} is not accepted by CloudWatch; use one of ${LOG_RETENTION_DAYS.join(", ")}`,
    }),
    {
      env: "USER_SYNC_LOG_RETENTION_DAYS",
      envKind: "number",
      default: 30,
      doc: "Function log retention; one of CloudWatch's values (1, 3, 5, 7, 14, 30, 60, 90, …, 3653).",
    },
  ),
  deletionProtection: setting(boolean, {
    env: "USER_SYNC_DELETION_PROTECTION",
    envKind: "boolean",
    default: true,
    doc: "Deletion protection on the table and the user pool.",
  }),
  kmsKeyArn: optionalSetting(
    z
      .string()
      .regex(
        /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/,
        { error: (iss) => `${shown(iss.input)} is not a KMS key ARN; use arn:aws:kms:<region>:<account>:key/<key-id>` },
      ),
    {
      env: "USER_SYNC_KMS_KEY_ARN",
      envKind: "string",
      defaultText: "AWS-owned key",
      doc: "Customer KMS key ARN for the table (the functions then also get `kms:Decrypt`/`kms:GenerateDataKey` on that key, only via DynamoDB).",
    },
  ),
  emailIndex: setting(boolean, {
    env: "USER_SYNC_EMAIL_INDEX",
    envKind: "boolean",
    default: false,
    doc: "Adds GSI `email-index` (keys only) on `email`.",
  }),
  attributeMap: setting(
    stringMap.superRefine((map, ctx) => {
      for (const problem of attributeMapProblems(map, "")) ctx.addIssue({ code: "custom", message: problem.replace(/^: /, "") });
    }),
    {
      env: "USER_SYNC_ATTRIBUTE_MAP",
      envKind: "json",
      default: { ...DEFAULT_ATTRIBUTE_MAP },
      defaultText: "standard attributes, camelCase",
      doc: "JSON object, Cognito attribute → row field, for the optional attributes copied into rows. `custom:*` attributes are allowed and are declared on the pool.",
    },
  ),
  amplifyTypename: optionalSetting(
    z.string().regex(/^[A-Z][A-Za-z0-9_]{0,63}$/, { error: (iss) => `${shown(iss.input)} must be a GraphQL type name such as User` }),
    {
      env: "USER_SYNC_AMPLIFY_TYPENAME",
      envKind: "string",
      defaultText: "off",
      doc: "Adds Amplify DataStore fields (`__typename` = this value, `_version: 1`, `_lastChangedAt`).",
    },
  ),
  amplifyOwnerField: setting(
    z.string().regex(/^([A-Za-z][A-Za-z0-9_]{0,63})?$/, { error: (iss) => `${shown(iss.input)} is not a field name; use e.g. owner, or "" for no owner field` }),
    {
      env: "USER_SYNC_AMPLIFY_OWNER_FIELD",
      envKind: "string",
      default: "owner",
      doc: 'Amplify mode: the owner rule\'s field (`ownerField`); `""` writes none.',
    },
  ),
  amplifyOwnerFormat: setting(
    z.string().refine((v) => v.includes("{sub}") || v.includes("{username}"), { error: (iss) => `${shown(iss.input)} must hold {sub} or {username}` }),
    {
      env: "USER_SYNC_AMPLIFY_OWNER_FORMAT",
      envKind: "string",
      default: "{sub}::{username}",
      doc: "Amplify mode: the owner value; `{sub}::{username}` is Amplify's default identity claim (use `{username}` or `{sub}` if your rule sets `identityClaim`).",
    },
  ),
  amplifyConflictDetection: setting(boolean, {
    env: "USER_SYNC_AMPLIFY_CONFLICT_DETECTION",
    envKind: "boolean",
    default: true,
    doc: "Amplify mode: DataStore conflict detection is on: rows carry `_version` and `_lastChangedAt`, and deletes are tombstones (`_deleted`, `_ttl`).",
  }),
  packaging: setting(z.enum(["archive", "asset"], { error: (iss) => `${shown(iss.input)} is not a packaging mode; use archive or asset` }), {
    env: "USER_SYNC_PACKAGING",
    envKind: "string",
    default: "archive",
    doc: "`archive`: the archive provider's `archive_file` zips the bundles; `asset`: cdktf zips them at synth (no archive provider needed, for air-gapped mirrors).",
  }),
  functionMemoryMb: setting(
    wholeNumber.refine((n) => n >= 128 && n <= 10240, {
      error: (iss) => `${shown(iss.input)} is outside what Lambda accepts; use 128 to 10240`,
    }),
    { env: "USER_SYNC_FUNCTION_MEMORY_MB", envKind: "number", default: 256, doc: "PostConfirmation function memory, 128–10240." },
  ),
  mfa: setting(z.enum(["OFF", "OPTIONAL", "ON"], { error: (iss) => `${shown(iss.input)} is not an MFA mode; use OFF, OPTIONAL or ON` }), {
    env: "USER_SYNC_MFA",
    envKind: "string",
    default: "OPTIONAL",
    doc: "Multi-factor sign-in with an authenticator app (TOTP): `OPTIONAL` (users may turn it on), `ON` (required for everyone; Cognito accepts ON only for new pools), `OFF`.",
  }),
  passwordRequireSymbols: setting(boolean, {
    env: "USER_SYNC_PASSWORD_REQUIRE_SYMBOLS",
    envKind: "boolean",
    default: true,
    doc: "Passwords need a symbol, besides 12+ characters with upper and lower case and a digit.",
  }),
  userWritableAttributes: setting(
    z.array(z.string().regex(/^custom:[A-Za-z0-9_]{1,20}$/, { error: (iss) => `${shown(iss.input)} is not a custom attribute (custom:<name>)` }), {
      error: () => 'must be a JSON array of custom attributes, e.g. ["custom:nickname"]',
    }),
    {
      env: "USER_SYNC_USER_WRITABLE_ATTRIBUTES",
      envKind: "json",
      default: [],
      doc: "Mapped `custom:*` attributes the app client may let users change themselves (standard profile attributes always are). Others are readable but only an admin can set them, so a user cannot write e.g. `custom:plan` into their row.",
    },
  ),
  sesSourceArn: optionalSetting(
    z.string().regex(/^arn:aws[a-z-]*:ses:[a-z0-9-]+:\d{12}:identity\/.+$/, { error: (iss) => `${shown(iss.input)} is not an SES identity ARN; use arn:aws:ses:<region>:<account>:identity/<domain or address>` }),
    {
      env: "USER_SYNC_SES_SOURCE_ARN",
      envKind: "string",
      defaultText: "Cognito's own email",
      doc: "A verified SES identity: Cognito sends its emails through SES (`DEVELOPER` sending). Without it Cognito's built-in email allows only a few messages a day (see Security notes).",
    },
  ),
  fromAddress: optionalSetting(
    z.string().regex(/^(.+<)?[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+>?$/, { error: (iss) => `${shown(iss.input)} is not an email address such as "Acme <no-reply@acme.example>"` }),
    {
      env: "USER_SYNC_FROM_ADDRESS",
      envKind: "string",
      defaultText: "the SES identity",
      doc: "Sender of Cognito's emails, e.g. `Acme <no-reply@acme.example>`; needs `sesSourceArn`.",
    },
  ),
  advancedSecurity: setting(z.enum(["off", "audit", "enforced"], { error: (iss) => `${shown(iss.input)} is not a threat-protection mode; use off, audit or enforced` }), {
    env: "USER_SYNC_ADVANCED_SECURITY",
    envKind: "string",
    default: "off",
    doc: "Cognito threat protection: `audit` logs risky sign-ins, `enforced` also blocks them. Needs (and sets) the Plus feature plan, which costs extra per active user; off by default for that reason.",
  }),
  reconcileSchedule: setting(
    z.string().refine((v) => v === "off" || /^(cron|rate|at)\(.+\)$/.test(v), {
      error: (iss) => `${shown(iss.input)} is not a Scheduler expression; use cron(...), rate(...), at(...) or off`,
    }),
    {
      env: "USER_SYNC_RECONCILE_SCHEDULE",
      envKind: "string",
      default: "cron(0 3 * * ? *)",
      doc: "When the scheduled reconcile starts: any EventBridge Scheduler expression (`cron(…)`, `rate(…)`, `at(…)`), or `off` for no schedule (the state machine stays, to start by hand).",
    },
  ),
  reconcileScheduleTimezone: setting(z.string().regex(/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/, { error: (iss) => `${shown(iss.input)} is not a time zone such as UTC or Europe/Paris` }), {
    env: "USER_SYNC_RECONCILE_SCHEDULE_TIMEZONE",
    envKind: "string",
    default: "UTC",
    doc: "Time zone of `reconcileSchedule` (IANA name).",
  }),
  reconcileRate: setting(
    z.number({ error: (iss) => `${shown(iss.input)} is not a number` }).refine((n) => n >= 1 && n <= 30, { error: (iss) => `${shown(iss.input)} must be 1 to 30 requests/s (ListUsers allows ~30/s per account)` }),
    {
      env: "USER_SYNC_RECONCILE_RATE",
      envKind: "number",
      default: 20,
      doc: "Cognito requests per second of the scheduled reconcile (ListUsers' quota, ~30/s, is shared by the whole account).",
    },
  ),
  reconcileSliceSeconds: setting(
    wholeNumber.refine((n) => n >= 30 && n <= 840, { error: (iss) => `${shown(iss.input)} must be 30 to 840 seconds (a step must end within Lambda's 15 minutes)` }),
    { env: "USER_SYNC_RECONCILE_SLICE_SECONDS", envKind: "number", default: 600, doc: "How long one reconcile step works before it hands over to the next." },
  ),
  reconcilePrune: setting(boolean, {
    env: "USER_SYNC_RECONCILE_PRUNE",
    envKind: "boolean",
    default: false,
    doc: "Let the scheduled reconcile delete orphan rows (behind the CLI's safety limit, each backed up first).",
  }),
  reconcileMaxPrune: optionalSetting(
    wholeNumber.refine((n) => n >= 1, { error: (iss) => `${shown(iss.input)} must be 1 or more; to delete no orphans, leave reconcilePrune off` }),
    { env: "USER_SYNC_RECONCILE_MAX_PRUNE", envKind: "number", defaultText: "5% of rows, at least 100", doc: "The most orphans one scheduled prune may delete." },
  ),
  userEvents: setting(boolean, {
    env: "USER_SYNC_USER_EVENTS",
    envKind: "boolean",
    default: true,
    doc: "The user-events function: deletes and profile changes reach the table within seconds (EventBridge rule on Cognito's API calls via CloudTrail; needs a trail, see `cloudTrail`).",
  }),
  onUserDeleted: setting(z.enum(ON_USER_DELETED, { error: (iss) => `${shown(iss.input)} is not a deletion policy; use erase, delete or keep` }), {
    env: "USER_SYNC_ON_USER_DELETED",
    envKind: "string",
    default: "erase",
    doc: "A deleted user's row: `erase` removes every personal sync-owned field and sets `deletedAt` (key and app fields stay), `delete` removes the row (a soft delete under Amplify conflict detection), `keep` leaves it.",
  }),
  cloudTrail: setting(z.enum(["existing", "create"], { error: (iss) => `${shown(iss.input)} is not a trail mode; use existing or create` }), {
    env: "USER_SYNC_CLOUD_TRAIL",
    envKind: "string",
    default: "existing",
    doc: "`existing`: a trail logging management events already runs in this account and region (check: `aws cloudtrail describe-trails`). `create`: a minimal one (write-only management events, log-file validation, a private encrypted bucket with expiry). Without a trail, deletes and changes wait for the scheduled reconcile.",
  }),
  alarmEmail: optionalSetting(z.string().regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, { error: (iss) => `${shown(iss.input)} is not an email address` }), {
    env: "USER_SYNC_ALARM_EMAIL",
    envKind: "string",
    defaultText: "none",
    doc: "Creates an SNS topic for the alarms with this address subscribed (confirm the email AWS sends).",
  }),
  alarmTopicArn: optionalSetting(z.string().regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]+$/, { error: (iss) => `${shown(iss.input)} is not an SNS topic ARN` }), {
    env: "USER_SYNC_ALARM_TOPIC_ARN",
    envKind: "string",
    defaultText: "none",
    doc: "An SNS topic of yours for the alarms (instead of `alarmEmail`).",
  }),
  tags: setting(stringMap, {
    env: "USER_SYNC_TAGS",
    envKind: "json",
    default: {},
    doc: "JSON object of tags on every resource (provider `default_tags`).",
  }),
  offlinePlan: setting(boolean, {
    env: "USER_SYNC_OFFLINE_PLAN",
    envKind: "boolean",
    default: false,
    doc: "Provider skips credential, account-id and metadata checks; set by `npm run plan -- --offline`.",
  }),
  table: z
    .strictObject({
      existing: optionalSetting(
        z.string().regex(/^[A-Za-z0-9_.-]{3,255}$/, { error: (iss) => `${shown(iss.input)} is not a DynamoDB table name` }),
        {
          env: "USER_SYNC_TABLE_EXISTING",
          envKind: "string",
          defaultText: "a new table",
          doc: "An existing table to write to (yours, or an Amplify model's); the stack then creates no table and grants on that table's ARN.",
        },
      ),
      partitionKey: setting(z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,254}$/, { error: (iss) => `${shown(iss.input)} is not an attribute name` }), {
        env: "USER_SYNC_TABLE_PARTITION_KEY",
        envKind: "string",
        default: "id",
        doc: "The partition key's attribute name.",
      }),
      partitionKeyValue: setting(z.string().min(1), {
        env: "USER_SYNC_TABLE_PARTITION_KEY_VALUE",
        envKind: "string",
        default: "{sub}",
        doc: "How the partition key is made from the user: `{sub}`, or a template such as `USER#{sub}`.",
      }),
      sortKey: optionalSetting(z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,254}$/, { error: (iss) => `${shown(iss.input)} is not an attribute name` }), {
        env: "USER_SYNC_TABLE_SORT_KEY",
        envKind: "string",
        defaultText: "none",
        doc: "A sort key's attribute name, for single-table designs.",
      }),
      sortKeyValue: optionalSetting(z.string().min(1), {
        env: "USER_SYNC_TABLE_SORT_KEY_VALUE",
        envKind: "string",
        defaultText: "none",
        doc: "The sort key's value: fixed (`PROFILE`) or a template (`USER#{sub}`).",
      }),
      shared: setting(boolean, {
        env: "USER_SYNC_TABLE_SHARED",
        envKind: "boolean",
        default: false,
        doc: "The table holds other entities too: only items matching the key layout are user rows, and orphan pruning needs a key with a fixed part.",
      }),
      streamView: optionalSetting(
        z.enum(["NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY"], { error: (iss) => `${shown(iss.input)} is not a stream view; use NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES or KEYS_ONLY` }),
        {
          env: "USER_SYNC_TABLE_STREAM_VIEW",
          envKind: "string",
          defaultText: "no stream",
          doc: "A DynamoDB stream on the table the stack creates, for more consumers of the rows (README: fan-out).",
        },
      ),
    })
    .prefault({}),
  userPool: z
    .strictObject({
      existing: optionalSetting(z.string().regex(/^[\w-]+_[0-9a-zA-Z]+$/, { error: (iss) => `${shown(iss.input)} is not a user pool id such as us-east-1_AbC123` }), {
        env: "USER_SYNC_USER_POOL_EXISTING",
        envKind: "string",
        defaultText: "a new pool",
        doc: "An existing user pool: the stack creates no pool or client, and `user-sync attach` sets its PostConfirmation trigger.",
      }),
    })
    .prefault({}),
  backend: z
    .strictObject({
      bucket: optionalSetting(
        z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: (iss) => `${shown(iss.input)} is not an S3 bucket name` }),
        { env: "USER_SYNC_BACKEND_BUCKET", envKind: "string", defaultText: "local state", doc: "S3 bucket for remote state (encrypted)." },
      ),
      key: optionalSetting(z.string().min(1), {
        env: "USER_SYNC_BACKEND_KEY",
        envKind: "string",
        defaultText: "`user-sync/<stage>/terraform.tfstate`",
        doc: "State object key.",
      }),
      region: optionalSetting(z.string().min(1), {
        env: "USER_SYNC_BACKEND_REGION",
        envKind: "string",
        defaultText: "the stack region",
        doc: "State bucket region.",
      }),
      lock: setting(z.string().min(1), {
        env: "USER_SYNC_BACKEND_LOCK",
        envKind: "string",
        default: "lockfile",
        doc: "`lockfile` (S3 native locking, Terraform ≥ 1.10) or the name of a DynamoDB lock table.",
      }),
    })
    .default({ lock: "lockfile" }),
});

type Parsed = z.output<typeof settingsSchema>;

export interface RemoteBackendConfig {
  readonly bucket: string;
  readonly key: string;
  readonly region: string;
  readonly lock: string;
}

/** Validated settings with every default applied (see `settingsSchema`). */
export type UserSyncConfig = Readonly<Omit<Parsed, "backend">> & {
  /** S3 remote state; undefined means local state. */
  readonly backend?: RemoteBackendConfig;
};

export type PackagingMode = UserSyncConfig["packaging"];

/** One leaf setting: its dotted path and metadata. */
export interface SettingInfo extends SettingMeta {
  readonly key: string;
}

function leaves(schema: z.ZodType, prefix = ""): SettingInfo[] {
  const meta = registry.get(schema);
  if (meta) return [{ key: prefix, ...meta }];
  const inner = schema instanceof z.ZodDefault || schema instanceof z.ZodPrefault || schema instanceof z.ZodOptional ? schema.unwrap() : schema;
  if (!(inner instanceof z.ZodObject)) return [];
  return Object.entries(inner.shape as Record<string, z.ZodType>).flatMap(([k, s]) => leaves(s, prefix ? `${prefix}.${k}` : k));
}

/** Every setting, in declaration order. */
export const SETTINGS: readonly SettingInfo[] = leaves(settingsSchema);

/** The README's configuration table, rendered from the schema. */
export function settingsTable(): string {
  const rows = SETTINGS.map((s) => `| \`${s.key}\` | \`${s.env}\` | ${s.defaultText} | ${s.doc} |`);
  return ["| Setting (file key) | Environment variable | Default | Meaning |", "| --- | --- | --- | --- |", ...rows].join("\n");
}

/** The default value of a top-level setting. */
export function settingDefault<K extends keyof Parsed>(key: K): Parsed[K] {
  return settingsSchema.parse({})[key];
}

/** Thrown for any invalid setting; lists every problem at once. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid user-sync configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
  }
}

export interface LoadConfigOptions {
  /** Environment to read. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** JSON file, or false for none. @default $USER_SYNC_CONFIG, else ./user-sync.config.json if it exists */
  readonly file?: string | false;
  /** Where a warning (an unknown USER_SYNC_* variable) goes. @default stderr, once per process and variable */
  readonly warn?: (message: string) => void;
}

/** USER_SYNC_* variables that are not settings but are read elsewhere (tools). */
const OTHER_VARIABLES = ["USER_SYNC_CONFIG", "USER_SYNC_TF_CLI_CONFIG", "USER_SYNC_TF_MIRROR"];
const warned = new Set<string>();
const warnOnce = (message: string) => {
  if (warned.has(message)) return;
  warned.add(message);
  process.stderr.write(`warning: ${message}\n`);
};

/** USER_SYNC_* variables that name no setting: a typo would otherwise be ignored in silence. */
export function unknownVariables(env: NodeJS.ProcessEnv): string[] {
  const known = [...SETTINGS.map((s) => s.env), ...OTHER_VARIABLES];
  return Object.keys(env)
    .filter((name) => name.startsWith("USER_SYNC_") && !known.includes(name))
    .map((name) => `${name} is not a user-sync setting${didYouMean(name, known)}; it is ignored`);
}

const label = (setting: SettingInfo | undefined, key: string) => (setting ? `${key} (${setting.env})` : key);

/** An environment value as the setting's type, or a problem. */
function fromEnv(setting: SettingInfo, raw: string): { value: unknown } | { problem: string } {
  switch (setting.envKind) {
    case "number": {
      const n = Number(raw);
      return { value: raw.trim() !== "" && Number.isFinite(n) ? n : raw };
    }
    case "boolean":
      return { value: raw === "true" ? true : raw === "false" ? false : raw };
    case "json":
      try {
        return { value: JSON.parse(raw) };
      } catch {
        return { problem: `${label(setting, setting.key)}: not valid JSON; give an object such as {"a":"b"}` };
      }
    default:
      return { value: raw };
  }
}

function readConfigFile(path: string, explicit: boolean, problems: string[]): Record<string, unknown> {
  if (!explicit && !existsSync(path)) return {};
  try {
    const parsed = JSON.parse(readFileSync(path, "utf8"));
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
    return parsed;
  } catch (err) {
    problems.push(`config file ${path} (USER_SYNC_CONFIG): cannot be read as a JSON object (${(err as Error).message})`);
    return {};
  }
}

function setPath(target: Record<string, any>, key: string, value: unknown): void {
  const parts = key.split(".");
  let node = target;
  for (const part of parts.slice(0, -1)) {
    if (typeof node[part] !== "object" || node[part] === null) node[part] = {};
    node = node[part];
  }
  node[parts[parts.length - 1]] = value;
}

/** The row key layout the settings describe. */
export function keyLayoutOf(config: Pick<Parsed, "table">): KeyLayout {
  const { partitionKey, partitionKeyValue, sortKey, sortKeyValue } = config.table;
  return {
    partitionKey: { name: partitionKey, value: partitionKeyValue },
    ...(sortKey ? { sortKey: { name: sortKey, value: sortKeyValue ?? "" } } : {}),
  };
}

/** Settings of the table that only make sense together. */
function tableProblems(config: Parsed): string[] {
  const problems: string[] = [];
  const t = config.table;
  if (t.sortKey && !t.sortKeyValue) problems.push("table.sortKey (USER_SYNC_TABLE_SORT_KEY): set, but table.sortKeyValue is not; give its value, e.g. PROFILE");
  if (t.sortKeyValue && !t.sortKey) problems.push("table.sortKeyValue (USER_SYNC_TABLE_SORT_KEY_VALUE): set, but table.sortKey is not; name the sort key attribute too");
  if (!(t.sortKey && !t.sortKeyValue)) problems.push(...keyLayoutProblems(keyLayoutOf(config), "table"));
  if (t.existing && t.streamView) problems.push("table.streamView (USER_SYNC_TABLE_STREAM_VIEW): the stack does not manage an existing table; enable its stream yourself, or remove it");
  if (t.existing && config.emailIndex) problems.push("emailIndex (USER_SYNC_EMAIL_INDEX): the stack cannot add an index to an existing table; remove it");
  const keys = keyNames(keyLayoutOf(config));
  const owner = config.amplifyTypename && config.amplifyOwnerField ? [config.amplifyOwnerField] : [];
  for (const [attribute, field] of Object.entries(config.attributeMap)) {
    if ([...keys, ...owner].includes(field)) problems.push(`attributeMap (USER_SYNC_ATTRIBUTE_MAP): row field ${shown(field)} for ${attribute} is a key or the owner field; pick another name`);
  }
  if (owner.length && (keys.includes(owner[0]) || (CORE_ROW_FIELDS as readonly string[]).includes(owner[0]))) {
    problems.push(`amplifyOwnerField (USER_SYNC_AMPLIFY_OWNER_FIELD): ${shown(owner[0])} is a key or core field; Amplify's default is owner`);
  }
  return problems;
}

/** Settings as a file, or a `UserSync` construct, gives them: every one optional. */
export type UserSyncSettings = z.input<typeof settingsSchema>;

/** Loads and validates the configuration; throws ConfigError listing every bad setting. */
export function loadConfig(options: LoadConfigOptions = {}): UserSyncConfig {
  const env = options.env ?? process.env;
  for (const message of unknownVariables(env)) (options.warn ?? warnOnce)(message);
  const problems: string[] = [];
  const explicitFile = options.file ?? env.USER_SYNC_CONFIG;
  const raw = explicitFile === false ? {} : structuredClone(readConfigFile(explicitFile ?? resolve("user-sync.config.json"), explicitFile !== undefined, problems));

  for (const setting of SETTINGS) {
    const value = env[setting.env];
    if (value === undefined || value === "") continue;
    const parsed = fromEnv(setting, value);
    if ("problem" in parsed) problems.push(parsed.problem);
    else setPath(raw, setting.key, parsed.value);
  }
  return validate(raw, problems, "config file");
}

/** Validates settings given as an object (a construct's props); throws ConfigError listing every bad one. */
export function parseSettings(settings: UserSyncSettings): UserSyncConfig {
  return validate(structuredClone(settings) as Record<string, unknown>, [], "setting");
}

function validate(raw: Record<string, unknown>, problems: string[], source: string): UserSyncConfig {
  const result = settingsSchema.safeParse(raw);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const path = issue.path.join(".");
      if (issue.code === "unrecognized_keys") {
        const where = path ? ` in ${path}` : "";
        const known = SETTINGS.filter((s) => (path ? s.key.startsWith(`${path}.`) : true)).map((s) => s.key.slice(path ? path.length + 1 : 0).split(".")[0]);
        for (const key of issue.keys) {
          problems.push(`${source}: unknown setting ${shown(key)}${where}${didYouMean(key, [...new Set(known)])}; known settings are ${[...new Set(known)].join(", ")}`);
        }
      } else {
        // The setting itself, or the one holding the bad entry (a tag, a map field).
        const setting = SETTINGS.filter((s) => path === s.key || path.startsWith(`${s.key}.`)).sort((a, b) => b.key.length - a.key.length)[0];
        const inner = setting && path !== setting.key ? `${shown(path.slice(setting.key.length + 1))} ` : "";
        problems.push(`${label(setting, setting?.key ?? path)}: ${inner}${issue.message}`);
      }
    }
  }
  const parsed = result.data;
  const backendSet = (k: keyof RemoteBackendConfig) => (raw.backend as Record<string, unknown> | undefined)?.[k] !== undefined;
  if (parsed && !parsed.backend.bucket) {
    for (const k of ["key", "region", "lock"] as const) {
      if (backendSet(k)) {
        const s = SETTINGS.find((x) => x.key === `backend.${k}`)!;
        problems.push(`${label(s, s.key)}: set, but backend.bucket (USER_SYNC_BACKEND_BUCKET) is not; set the bucket too or remove it`);
      }
    }
  }
  if (parsed) problems.push(...tableProblems(parsed));
  if (parsed?.fromAddress && !parsed.sesSourceArn) {
    problems.push("fromAddress (USER_SYNC_FROM_ADDRESS): set, but sesSourceArn (USER_SYNC_SES_SOURCE_ARN) is not; Cognito sends from your own address only through SES");
  }
  if (parsed?.alarmEmail && parsed.alarmTopicArn) {
    problems.push("alarmEmail (USER_SYNC_ALARM_EMAIL): set together with alarmTopicArn (USER_SYNC_ALARM_TOPIC_ARN); choose one: a new topic for that address, or your topic");
  }
  for (const attribute of parsed?.userWritableAttributes ?? []) {
    if (!(attribute in parsed!.attributeMap)) {
      problems.push(`userWritableAttributes (USER_SYNC_USER_WRITABLE_ATTRIBUTES): ${shown(attribute)} is not in attributeMap, so the pool does not declare it; map it or remove it`);
    }
  }
  if (problems.length > 0 || !parsed) throw new ConfigError(problems);

  const { backend, ...rest } = parsed;
  return {
    ...rest,
    backend: backend.bucket
      ? {
          bucket: backend.bucket,
          key: backend.key ?? `user-sync/${parsed.stage}/terraform.tfstate`,
          region: backend.region ?? parsed.region,
          lock: backend.lock,
        }
      : undefined,
  };
}
