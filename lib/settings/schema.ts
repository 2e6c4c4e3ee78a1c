/**
 * Every deploy-time setting, declared once: its type and rule (zod), its
 * environment variable, default and documentation. Settings a function reads
 * take their default and rule from core/function-settings.ts, so the two can
 * never disagree. Loading (load.ts), the cross-setting checks (checks.ts), the
 * README table and the UserSyncProps interface (docs.ts) all derive from here.
 */
import { z } from "zod";
import { appSyncApiProblem } from "../../core/appsync-address";
import { FUNCTION_SETTINGS, ON_USER_DELETED } from "../../core/function-settings";
import { boolean, functionSetting, LOG_RETENTION_DAYS, name, number, optionalFunctionSetting, optionalSetting, region, setting, settingLeaves, shown, string, stringMap, wholeNumber, type SettingInfo } from "./kinds";
import type { UserSyncSettings } from "./props";

export { LOG_RETENTION_DAYS, REGION_PATTERN, type EnvKind, type SettingInfo, type SettingMeta } from "./kinds";

export const settingsSchema = z.strictObject({
  stage: setting(name(16), {
    env: "USER_SYNC_STAGE", envKind: "string",
    default: "dev",
    doc: "Stage name, 1–16 of a-z 0-9 -, starting with a letter. Every name is `<namePrefix>-<stage>-…`.",
  }),
  region: setting(region, { env: "USER_SYNC_REGION", envKind: "string", default: "us-east-1", doc: "AWS region." }),
  namePrefix: setting(name(24), { env: "USER_SYNC_NAME_PREFIX", envKind: "string", default: "user-sync", doc: "Prefix of every resource name." }),
  logRetentionDays: setting(
    wholeNumber.refine((n) => (LOG_RETENTION_DAYS as readonly number[]).includes(n), {
      error: (iss) => `${shown(iss.input)} is not accepted by CloudWatch; use one of ${LOG_RETENTION_DAYS.join(", ")}`,
    }),
    { env: "USER_SYNC_LOG_RETENTION_DAYS", envKind: "number", default: 30, doc: "Function log retention; one of CloudWatch's values (1, 3, 5, 7, 14, 30, 60, 90, …, 3653)." },
  ),
  deletionProtection: setting(boolean, { env: "USER_SYNC_DELETION_PROTECTION", envKind: "boolean", default: true, doc: "Deletion protection on the table and the user pool." }),
  kmsKeyArn: optionalSetting(
    string.regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/, {
      error: (iss) => `${shown(iss.input)} is not a KMS key ARN; use arn:aws:kms:<region>:<account>:key/<key-id>`,
    }),
    {
      env: "USER_SYNC_KMS_KEY_ARN", envKind: "string",
      defaultText: "AWS-owned key",
      doc: "Customer KMS key ARN for the table, in the stack's region (the functions then also get `kms:Decrypt`/`kms:GenerateDataKey` on that key, only via DynamoDB).",
    },
  ),
  emailIndex: setting(boolean, { env: "USER_SYNC_EMAIL_INDEX", envKind: "boolean", default: false, doc: "Adds GSI `email-index` (keys only) on `email`." }),
  attributeMap: functionSetting(FUNCTION_SETTINGS.attributeMap, stringMap, {
    env: "USER_SYNC_ATTRIBUTE_MAP", envKind: "json",
    defaultText: "standard attributes, camelCase",
    doc: "JSON object, Cognito attribute → row field, for the optional attributes copied into rows. `custom:*` attributes are allowed and are declared on the pool.",
  }),
  amplifyTypename: optionalFunctionSetting(FUNCTION_SETTINGS.amplifyTypename, string, {
    env: "USER_SYNC_AMPLIFY_TYPENAME", envKind: "string",
    defaultText: "off",
    doc: "Adds Amplify DataStore fields (`__typename` = this value, `_version: 1`, `_lastChangedAt`).",
  }),
  amplifyOwnerField: functionSetting(FUNCTION_SETTINGS.amplifyOwnerField, string, {
    env: "USER_SYNC_AMPLIFY_OWNER_FIELD", envKind: "string",
    emptyIsValue: true,
    doc: 'Amplify mode: the owner rule\'s field (`ownerField`); `""` writes none.',
  }),
  amplifyOwnerFormat: functionSetting(FUNCTION_SETTINGS.amplifyOwnerFormat, string, {
    env: "USER_SYNC_AMPLIFY_OWNER_FORMAT", envKind: "string",
    doc: "Amplify mode: the owner value; `{sub}::{username}` is Amplify's default identity claim (use `{username}` or `{sub}` if your rule sets `identityClaim`).",
  }),
  amplifyConflictDetection: functionSetting(FUNCTION_SETTINGS.amplifyConflictDetection, boolean, {
    env: "USER_SYNC_AMPLIFY_CONFLICT_DETECTION", envKind: "boolean",
    doc: "Amplify mode: DataStore conflict detection is on: rows carry `_version` and `_lastChangedAt`, and deletes are tombstones (`_deleted`, `_ttl`).",
  }),
  amplifyApi: optionalSetting(string.refine((v) => !appSyncApiProblem(v), { error: (iss) => `${shown(iss.input)} ${appSyncApiProblem(String(iss.input))}` }), {
    env: "USER_SYNC_AMPLIFY_API", envKind: "string",
    defaultText: "off: rows are written to the table",
    doc: "Amplify mode: the app's AppSync API (its id, or its URL `https://<id>.appsync-api.<region>.amazonaws.com/graphql`). Every function then writes rows through the model's mutations (IAM-signed), so DataStore delta sync and subscriptions see them; needs `amplifyTypename`, `table.existing` (the model's table, which the functions read) and an `@auth` rule `{ allow: private, provider: iam }` (README: Amplify writers).",
  }),
  amplifyModelNames: functionSetting(FUNCTION_SETTINGS.amplifyModelNames, stringMap, {
    env: "USER_SYNC_AMPLIFY_MODEL_NAMES", envKind: "json",
    defaultText: "Amplify's: `get<T>`, `create<T>`, `update<T>`, `delete<T>`",
    doc: 'Amplify API writer: JSON object of the model\'s GraphQL names that differ from Amplify\'s defaults, any of `get`, `create`, `update`, `delete` (e.g. `{"get":"userById"}`).',
  }),
  amplifyErasedValues: functionSetting(FUNCTION_SETTINGS.amplifyErasedValues, stringMap, {
    env: "USER_SYNC_AMPLIFY_ERASED_VALUES", envKind: "json",
    doc: 'Amplify API writer: JSON object, required (`!`) personal field → the placeholder a deleted user\'s row holds instead (e.g. `{"email":"deleted@example.invalid"}`); other personal fields become null.',
  }),
  packaging: setting(z.enum(["archive", "asset"], { error: (iss) => `${shown(iss.input)} is not a packaging mode; use archive or asset` }), {
    env: "USER_SYNC_PACKAGING", envKind: "string",
    default: "archive",
    doc: "`archive`: the archive provider's `archive_file` zips the bundles; `asset`: cdktf zips them at synth (no archive provider needed, for air-gapped mirrors).",
  }),
  functionMemoryMb: setting(
    wholeNumber.refine((n) => n >= 128 && n <= 10240, { error: (iss) => `${shown(iss.input)} is outside what Lambda accepts; use 128 to 10240` }),
    { env: "USER_SYNC_FUNCTION_MEMORY_MB", envKind: "number", default: 256, doc: "PostConfirmation function memory, 128–10240." },
  ),
  mfa: setting(z.enum(["OFF", "OPTIONAL", "ON"], { error: (iss) => `${shown(iss.input)} is not an MFA mode; use OFF, OPTIONAL or ON` }), {
    env: "USER_SYNC_MFA", envKind: "string",
    default: "OPTIONAL",
    doc: "Multi-factor sign-in with an authenticator app (TOTP): `OPTIONAL` (users may turn it on), `ON` (required for everyone; Cognito accepts ON only for new pools), `OFF`.",
  }),
  passwordRequireSymbols: setting(boolean, {
    env: "USER_SYNC_PASSWORD_REQUIRE_SYMBOLS", envKind: "boolean",
    default: true,
    doc: "Passwords need a symbol, besides 12+ characters with upper and lower case and a digit.",
  }),
  userWritableAttributes: setting(
    z.array(string.regex(/^custom:[A-Za-z0-9_]{1,20}$/, { error: (iss) => `${shown(iss.input)} is not a custom attribute (custom:<name>)` }), {
      error: () => 'must be a JSON array of custom attributes, e.g. ["custom:nickname"]',
    }),
    {
      env: "USER_SYNC_USER_WRITABLE_ATTRIBUTES", envKind: "json",
      default: [],
      doc: "Mapped `custom:*` attributes the app client may let users change themselves (standard profile attributes always are). Others are readable but only an admin can set them, so a user cannot write e.g. `custom:plan` into their row.",
    },
  ),
  sesSourceArn: optionalSetting(
    string.regex(/^arn:aws[a-z-]*:ses:[a-z0-9-]+:\d{12}:identity\/[^\s]+$/, {
      error: (iss) => `${shown(iss.input)} is not an SES identity ARN; use arn:aws:ses:<region>:<account>:identity/<domain or address>`,
    }),
    {
      env: "USER_SYNC_SES_SOURCE_ARN", envKind: "string",
      defaultText: "Cognito's own email",
      doc: "A verified SES identity: Cognito sends its emails through SES (`DEVELOPER` sending). It must be in the stack's region or in us-east-1, us-west-2 or eu-west-1 (Cognito's SES regions). Without it Cognito's built-in email allows only a few messages a day (see Security notes).",
    },
  ),
  fromAddress: optionalSetting(
    string.regex(/^([^<>"\n]{1,64} <)?[A-Za-z0-9.!#&'*+/=?^_`|~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+>?$/, {
      error: (iss) => `${shown(iss.input)} is not an email address such as "Acme <no-reply@acme.example>"`,
    }),
    { env: "USER_SYNC_FROM_ADDRESS", envKind: "string", defaultText: "the SES identity", doc: "Sender of Cognito's emails, e.g. `Acme <no-reply@acme.example>`; needs `sesSourceArn`." },
  ),
  advancedSecurity: setting(z.enum(["off", "audit", "enforced"], { error: (iss) => `${shown(iss.input)} is not a threat-protection mode; use off, audit or enforced` }), {
    env: "USER_SYNC_ADVANCED_SECURITY", envKind: "string",
    default: "off",
    doc: "Cognito threat protection: `audit` logs risky sign-ins, `enforced` also blocks them. Needs (and sets) the Plus feature plan, which costs extra per active user; off by default for that reason.",
  }),
  reconcileSchedule: setting(string, {
    env: "USER_SYNC_RECONCILE_SCHEDULE", envKind: "string",
    default: "cron(0 3 * * ? *)",
    doc: "When the scheduled reconcile starts: an EventBridge Scheduler expression (`cron(…)` with six fields, `rate(…)`, `at(…)` in the future), or `off` for no schedule (the state machine stays, to start by hand).",
  }),
  reconcileScheduleTimezone: setting(string, {
    env: "USER_SYNC_RECONCILE_SCHEDULE_TIMEZONE", envKind: "string",
    default: "UTC",
    doc: "Time zone of `reconcileSchedule` (an IANA name, e.g. `Europe/Paris`).",
  }),
  reconcileRate: functionSetting(FUNCTION_SETTINGS.reconcileRate, number, {
    env: "USER_SYNC_RECONCILE_RATE", envKind: "number",
    doc: "Cognito requests per second of the scheduled reconcile (ListUsers' quota, ~30/s, is shared by the whole account).",
  }),
  reconcileSliceSeconds: functionSetting(FUNCTION_SETTINGS.reconcileSliceSeconds, wholeNumber, {
    env: "USER_SYNC_RECONCILE_SLICE_SECONDS", envKind: "number",
    doc: "How long one reconcile step works before it hands over to the next.",
  }),
  reconcilePrune: functionSetting(FUNCTION_SETTINGS.reconcilePrune, boolean, {
    env: "USER_SYNC_RECONCILE_PRUNE", envKind: "boolean",
    doc: "Let the scheduled reconcile delete orphan rows (behind the CLI's safety limit, each backed up first).",
  }),
  reconcileMaxPrune: optionalFunctionSetting(FUNCTION_SETTINGS.reconcileMaxPrune, wholeNumber, {
    env: "USER_SYNC_RECONCILE_MAX_PRUNE", envKind: "number",
    defaultText: "5% of rows, at least 100",
    doc: "The most orphans one scheduled prune may delete (1 or more). Set, it also lets a prune run whose listing saw no users or that deletes more than half of the rows.",
  }),
  userEvents: setting(boolean, {
    env: "USER_SYNC_USER_EVENTS", envKind: "boolean",
    default: true,
    doc: "The user-events function: deletes and profile changes reach the table within seconds (EventBridge rule on Cognito's API calls via CloudTrail; needs a trail, see `cloudTrail`).",
  }),
  rowsAtInvite: functionSetting(FUNCTION_SETTINGS.rowsAtInvite, boolean, {
    env: "USER_SYNC_ROWS_AT_INVITE", envKind: "boolean",
    doc: "Invited users (`AdminCreateUser`, status FORCE_CHANGE_PASSWORD) get their row at the invitation, marked `invited: true` until they set a password (then the field goes). Off: their row appears when they accept the invitation (see Creation paths).",
  }),
  onUserDeleted: functionSetting(FUNCTION_SETTINGS.onUserDeleted, z.enum(ON_USER_DELETED, { error: (iss) => `${shown(iss.input)} is not a deletion policy; use erase, delete or keep` }), {
    env: "USER_SYNC_ON_USER_DELETED", envKind: "string",
    doc: "A deleted user's row: `erase` removes every personal sync-owned field and sets `deletedAt` (key and app fields stay), `delete` removes the row, `keep` leaves it. Under Amplify conflict detection, erase and delete both end as AppSync's soft delete (the erasure plus `_deleted`, `_ttl`), which DataStore clients receive.",
  }),
  cloudTrail: setting(z.enum(["existing", "create"], { error: (iss) => `${shown(iss.input)} is not a trail mode; use existing or create` }), {
    env: "USER_SYNC_CLOUD_TRAIL", envKind: "string",
    default: "existing",
    doc: "`existing`: a trail logging management events already runs in this account and region (check: `aws cloudtrail describe-trails`). `create`: a minimal one (write-only management events, log-file validation, a private encrypted bucket with expiry). Without a trail, deletes and changes wait for the scheduled reconcile.",
  }),
  alarmEmail: optionalSetting(z.email({ error: (iss) => `${shown(iss.input)} is not an email address such as ops@acme.example` }), {
    env: "USER_SYNC_ALARM_EMAIL", envKind: "string",
    defaultText: "none",
    doc: "Creates an SNS topic for the alarms with this address subscribed (confirm the email AWS sends).",
  }),
  alarmTopicArn: optionalSetting(string.regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$/, { error: (iss) => `${shown(iss.input)} is not an SNS topic ARN` }), {
    env: "USER_SYNC_ALARM_TOPIC_ARN", envKind: "string",
    defaultText: "none",
    doc: "An SNS topic of yours for the alarms (instead of `alarmEmail`), in the stack's region.",
  }),
  tags: setting(stringMap, {
    env: "USER_SYNC_TAGS", envKind: "json",
    default: {},
    doc: "JSON object of tags on every resource (provider `default_tags`): at most 50, keys up to 128 and values up to 256 characters, no `aws:` prefix.",
  }),
  offlinePlan: setting(boolean, {
    env: "USER_SYNC_OFFLINE_PLAN", envKind: "boolean",
    default: false,
    doc: "Provider skips credential, account-id and metadata checks; set by `npm run plan -- --offline`.",
  }),
  table: z
    .strictObject({
      existing: optionalSetting(string.regex(/^[A-Za-z0-9_.-]{3,255}$/, { error: (iss) => `${shown(iss.input)} is not a DynamoDB table name` }), {
        env: "USER_SYNC_TABLE_EXISTING", envKind: "string",
        defaultText: "a new table",
        doc: "An existing table to write to (yours, or an Amplify model's); the stack then creates no table and grants on that table's ARN.",
      }),
      partitionKey: setting(string.regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,254}$/, { error: (iss) => `${shown(iss.input)} is not an attribute name` }), {
        env: "USER_SYNC_TABLE_PARTITION_KEY", envKind: "string",
        default: "id",
        doc: "The partition key's attribute name.",
      }),
      partitionKeyValue: setting(string.min(1), {
        env: "USER_SYNC_TABLE_PARTITION_KEY_VALUE", envKind: "string",
        default: "{sub}",
        doc: "How the partition key is made from the user: `{sub}`, or a template such as `USER#{sub}`.",
      }),
      sortKey: optionalSetting(string.regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,254}$/, { error: (iss) => `${shown(iss.input)} is not an attribute name` }), {
        env: "USER_SYNC_TABLE_SORT_KEY", envKind: "string",
        defaultText: "none",
        doc: "A sort key's attribute name, for single-table designs.",
      }),
      sortKeyValue: optionalSetting(string.min(1), {
        env: "USER_SYNC_TABLE_SORT_KEY_VALUE", envKind: "string",
        defaultText: "none",
        doc: "The sort key's value: fixed (`PROFILE`) or a template (`USER#{sub}`).",
      }),
      shared: setting(boolean, {
        env: "USER_SYNC_TABLE_SHARED", envKind: "boolean",
        default: false,
        doc: "The table holds other entities too: only items matching the key layout are user rows, and orphan pruning needs a key with a fixed part.",
      }),
      streamView: optionalSetting(
        z.enum(["NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY"], { error: (iss) => `${shown(iss.input)} is not a stream view; use NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES or KEYS_ONLY` }),
        { env: "USER_SYNC_TABLE_STREAM_VIEW", envKind: "string", defaultText: "no stream", doc: "A DynamoDB stream on the table the stack creates, for more consumers of the rows (README: fan-out)." },
      ),
    })
    .prefault({}),
  userPool: z
    .strictObject({
      existing: optionalSetting(string.regex(/^[\w-]+_[0-9a-zA-Z]+$/, { error: (iss) => `${shown(iss.input)} is not a user pool id such as us-east-1_AbC123` }), {
        env: "USER_SYNC_USER_POOL_EXISTING", envKind: "string",
        defaultText: "a new pool",
        doc: "An existing user pool: the stack creates no pool or client, and `user-sync attach` sets its PostConfirmation trigger.",
      }),
    })
    .prefault({}),
  backend: z
    .strictObject({
      bucket: optionalSetting(string.regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: (iss) => `${shown(iss.input)} is not an S3 bucket name` }), {
        env: "USER_SYNC_BACKEND_BUCKET", envKind: "string",
        defaultText: "local state",
        doc: "S3 bucket for remote state (encrypted).",
      }),
      key: optionalSetting(string.regex(/^[^\s]{1,1024}$/, { error: (iss) => `${shown(iss.input)} is not an S3 object key (1-1024 characters, no spaces)` }), {
        env: "USER_SYNC_BACKEND_KEY", envKind: "string",
        defaultText: "`user-sync/<stage>/terraform.tfstate`",
        doc: "State object key.",
      }),
      region: optionalSetting(region, { env: "USER_SYNC_BACKEND_REGION", envKind: "string", defaultText: "the stack region", doc: "State bucket region." }),
      lock: setting(
        string.regex(/^(lockfile|[A-Za-z0-9_.-]{3,255})$/, { error: (iss) => `${shown(iss.input)} is not lockfile or a DynamoDB table name` }),
        { env: "USER_SYNC_BACKEND_LOCK", envKind: "string", default: "lockfile", doc: "`lockfile` (S3 native locking, Terraform ≥ 1.10) or the name of a DynamoDB lock table." },
      ),
    })
    .default({ lock: "lockfile" }),
});

/** Every setting, in declaration order. */
export const SETTINGS: readonly SettingInfo[] = settingLeaves(settingsSchema);

/** The groups of nested settings (table, userPool, backend), in declaration order. */
export const GROUPS = [...new Set(SETTINGS.filter((s) => s.key.includes(".")).map((s) => s.key.split(".")[0]))];

/** The documented props (generated in props.ts) are exactly what the schema accepts: any drift fails type-checking here. */
export const documentedPropsAreAccepted = (settings: UserSyncSettings): z.input<typeof settingsSchema> => settings;
