// Generated from lib/settings/schema.ts by `node --import tsx lib/settings/docs.ts`; a test keeps it current. Do not edit.

/** user-sync's settings: the keys of user-sync.config.json, and the UserSync construct's props. Every one is optional. */
export interface UserSyncSettings {
  /**
   * Stage name, 1–16 of a-z 0-9 -, starting with a letter. Every name is `<namePrefix>-<stage>-…`.
   * @default "dev"
   */
  readonly stage?: string;
  /**
   * AWS region.
   * @default "us-east-1"
   */
  readonly region?: string;
  /**
   * Prefix of every resource name.
   * @default "user-sync"
   */
  readonly namePrefix?: string;
  /**
   * Function log retention; one of CloudWatch's values (1, 3, 5, 7, 14, 30, 60, 90, …, 3653).
   * @default 30
   */
  readonly logRetentionDays?: number;
  /**
   * Deletion protection on the table and the user pool.
   * @default true
   */
  readonly deletionProtection?: boolean;
  /**
   * Customer KMS key ARN for the table, in the stack's region (the functions then also get `kms:Decrypt`/`kms:GenerateDataKey` on that key, only via DynamoDB).
   * @default - AWS-owned key
   */
  readonly kmsKeyArn?: string;
  /**
   * Adds GSI `email-index` (keys only) on `email`.
   * @default false
   */
  readonly emailIndex?: boolean;
  /**
   * JSON object, Cognito attribute → row field, for the optional attributes copied into rows. `custom:*` attributes are allowed and are declared on the pool.
   * @default - standard attributes, camelCase
   */
  readonly attributeMap?: Readonly<Record<string, string>>;
  /**
   * Adds Amplify DataStore fields (`__typename` = this value, `_version: 1`, `_lastChangedAt`).
   * @default - off
   */
  readonly amplifyTypename?: string;
  /**
   * Amplify mode: the owner rule's field (`ownerField`); `""` writes none.
   * @default "owner"
   */
  readonly amplifyOwnerField?: string;
  /**
   * Amplify mode: the owner value; `{sub}::{username}` is Amplify's default identity claim (use `{username}` or `{sub}` if your rule sets `identityClaim`).
   * @default "{sub}::{username}"
   */
  readonly amplifyOwnerFormat?: string;
  /**
   * Amplify mode: DataStore conflict detection is on: rows carry `_version` and `_lastChangedAt`, and deletes are tombstones (`_deleted`, `_ttl`).
   * @default true
   */
  readonly amplifyConflictDetection?: boolean;
  /**
   * Amplify mode: the app's AppSync API (its id, or its URL `https://<id>.appsync-api.<region>.amazonaws.com/graphql`). Every function then writes rows through the model's mutations (IAM-signed), so DataStore delta sync and subscriptions see them; needs `amplifyTypename`, `table.existing` (the model's table, which the functions read) and an `@auth` rule `{ allow: private, provider: iam }` (README: Amplify writers).
   * @default - off: rows are written to the table
   */
  readonly amplifyApi?: string;
  /**
   * Amplify API writer: JSON object of the model's GraphQL names that differ from Amplify's defaults, any of `get`, `create`, `update`, `delete` (e.g. `{"get":"userById"}`).
   * @default - Amplify's: get<T>, create<T>, update<T>, delete<T>
   */
  readonly amplifyModelNames?: Readonly<Record<string, string>>;
  /**
   * Amplify API writer: JSON object, required (`!`) personal field → the placeholder a deleted user's row holds instead (e.g. `{"email":"deleted@example.invalid"}`); other personal fields become null.
   * @default {}
   */
  readonly amplifyErasedValues?: Readonly<Record<string, string>>;
  /**
   * `archive`: the archive provider's `archive_file` zips the bundles; `asset`: cdktf zips them at synth (no archive provider needed, for air-gapped mirrors).
   * @default "archive"
   */
  readonly packaging?: "archive" | "asset";
  /**
   * PostConfirmation function memory, 128–10240.
   * @default 256
   */
  readonly functionMemoryMb?: number;
  /**
   * Multi-factor sign-in with an authenticator app (TOTP): `OPTIONAL` (users may turn it on), `ON` (required for everyone; Cognito accepts ON only for new pools), `OFF`.
   * @default "OPTIONAL"
   */
  readonly mfa?: "OFF" | "OPTIONAL" | "ON";
  /**
   * Passwords need a symbol, besides 12+ characters with upper and lower case and a digit.
   * @default true
   */
  readonly passwordRequireSymbols?: boolean;
  /**
   * Mapped `custom:*` attributes the app client may let users change themselves (standard profile attributes always are). Others are readable but only an admin can set them, so a user cannot write e.g. `custom:plan` into their row.
   * @default []
   */
  readonly userWritableAttributes?: string[];
  /**
   * A verified SES identity: Cognito sends its emails through SES (`DEVELOPER` sending). It must be in the stack's region or in us-east-1, us-west-2 or eu-west-1 (Cognito's SES regions). Without it Cognito's built-in email allows only a few messages a day (see Security notes).
   * @default - Cognito's own email
   */
  readonly sesSourceArn?: string;
  /**
   * Sender of Cognito's emails, e.g. `Acme <no-reply@acme.example>`; needs `sesSourceArn`.
   * @default - the SES identity
   */
  readonly fromAddress?: string;
  /**
   * Cognito threat protection: `audit` logs risky sign-ins, `enforced` also blocks them. Needs (and sets) the Plus feature plan, which costs extra per active user; off by default for that reason.
   * @default "off"
   */
  readonly advancedSecurity?: "off" | "audit" | "enforced";
  /**
   * When the scheduled reconcile starts: an EventBridge Scheduler expression (`cron(…)` with six fields, `rate(…)`, `at(…)` in the future), or `off` for no schedule (the state machine stays, to start by hand).
   * @default "cron(0 3 * * ? *)"
   */
  readonly reconcileSchedule?: string;
  /**
   * Time zone of `reconcileSchedule` (an IANA name, e.g. `Europe/Paris`).
   * @default "UTC"
   */
  readonly reconcileScheduleTimezone?: string;
  /**
   * Cognito requests per second of the scheduled reconcile (ListUsers' quota, ~30/s, is shared by the whole account).
   * @default 20
   */
  readonly reconcileRate?: number;
  /**
   * How long one reconcile step works before it hands over to the next.
   * @default 600
   */
  readonly reconcileSliceSeconds?: number;
  /**
   * Let the scheduled reconcile delete orphan rows (behind the CLI's safety limit, each backed up first).
   * @default false
   */
  readonly reconcilePrune?: boolean;
  /**
   * The most orphans one scheduled prune may delete (1 or more). Set, it also lets a prune run whose listing saw no users or that deletes more than half of the rows.
   * @default - 5% of rows, at least 100
   */
  readonly reconcileMaxPrune?: number;
  /**
   * The user-events function: deletes and profile changes reach the table within seconds (EventBridge rule on Cognito's API calls via CloudTrail; needs a trail, see `cloudTrail`).
   * @default true
   */
  readonly userEvents?: boolean;
  /**
   * Invited users (`AdminCreateUser`, status FORCE_CHANGE_PASSWORD) get their row at the invitation, marked `invited: true` until they set a password (then the field goes). Off: their row appears when they accept the invitation (see Creation paths).
   * @default false
   */
  readonly rowsAtInvite?: boolean;
  /**
   * A deleted user's row: `erase` removes every personal sync-owned field and sets `deletedAt` (key and app fields stay), `delete` removes the row, `keep` leaves it. Under Amplify conflict detection, erase and delete both end as AppSync's soft delete (the erasure plus `_deleted`, `_ttl`), which DataStore clients receive.
   * @default "erase"
   */
  readonly onUserDeleted?: "erase" | "delete" | "keep";
  /**
   * `existing`: a trail logging management events already runs in this account and region (check: `aws cloudtrail describe-trails`). `create`: a minimal one (write-only management events, log-file validation, a private encrypted bucket with expiry). Without a trail, deletes and changes wait for the scheduled reconcile.
   * @default "existing"
   */
  readonly cloudTrail?: "existing" | "create";
  /**
   * Creates an SNS topic for the alarms with this address subscribed (confirm the email AWS sends).
   * @default - none
   */
  readonly alarmEmail?: string;
  /**
   * An SNS topic of yours for the alarms (instead of `alarmEmail`), in the stack's region.
   * @default - none
   */
  readonly alarmTopicArn?: string;
  /**
   * JSON object of tags on every resource (provider `default_tags`): at most 50, keys up to 128 and values up to 256 characters, no `aws:` prefix.
   * @default {}
   */
  readonly tags?: Readonly<Record<string, string>>;
  /**
   * Provider skips credential, account-id and metadata checks; set by `npm run plan -- --offline`.
   * @default false
   */
  readonly offlinePlan?: boolean;
  /**
   * The Users table: an existing one, and how a user's row is keyed.
   */
  readonly table?: TableSettings;
  /**
   * An existing user pool instead of a new one.
   */
  readonly userPool?: UserPoolSettings;
  /**
   * S3 remote state for this repository's stack (the UserSync construct adds no backend).
   */
  readonly backend?: BackendSettings;
}

/** The Users table: an existing one, and how a user's row is keyed. */
export interface TableSettings {
  /**
   * An existing table to write to (yours, or an Amplify model's); the stack then creates no table and grants on that table's ARN.
   * @default - a new table
   */
  readonly existing?: string;
  /**
   * The partition key's attribute name.
   * @default "id"
   */
  readonly partitionKey?: string;
  /**
   * How the partition key is made from the user: `{sub}`, or a template such as `USER#{sub}`.
   * @default "{sub}"
   */
  readonly partitionKeyValue?: string;
  /**
   * A sort key's attribute name, for single-table designs.
   * @default - none
   */
  readonly sortKey?: string;
  /**
   * The sort key's value: fixed (`PROFILE`) or a template (`USER#{sub}`).
   * @default - none
   */
  readonly sortKeyValue?: string;
  /**
   * The table holds other entities too: only items matching the key layout are user rows, and orphan pruning needs a key with a fixed part.
   * @default false
   */
  readonly shared?: boolean;
  /**
   * A DynamoDB stream on the table the stack creates, for more consumers of the rows (README: fan-out).
   * @default - no stream
   */
  readonly streamView?: "NEW_IMAGE" | "OLD_IMAGE" | "NEW_AND_OLD_IMAGES" | "KEYS_ONLY";
}

/** An existing user pool instead of a new one. */
export interface UserPoolSettings {
  /**
   * An existing user pool: the stack creates no pool or client, and `user-sync attach` sets its PostConfirmation trigger.
   * @default - a new pool
   */
  readonly existing?: string;
}

/** S3 remote state for this repository's stack (the UserSync construct adds no backend). */
export interface BackendSettings {
  /**
   * S3 bucket for remote state (encrypted).
   * @default - local state
   */
  readonly bucket?: string;
  /**
   * State object key.
   * @default "user-sync/<stage>/terraform.tfstate"
   */
  readonly key?: string;
  /**
   * State bucket region.
   * @default - the stack region
   */
  readonly region?: string;
  /**
   * `lockfile` (S3 native locking, Terraform ≥ 1.10) or the name of a DynamoDB lock table.
   * @default "lockfile"
   */
  readonly lock?: string;
}

/** S3 remote state with every default applied. */
export interface RemoteBackendConfig {
  readonly bucket: string;
  readonly key: string;
  readonly region: string;
  readonly lock: string;
}

/** Validated settings with every default applied. */
export interface UserSyncConfig {
  /**
   * Stage name, 1–16 of a-z 0-9 -, starting with a letter. Every name is `<namePrefix>-<stage>-…`.
   */
  readonly stage: string;
  /**
   * AWS region.
   */
  readonly region: string;
  /**
   * Prefix of every resource name.
   */
  readonly namePrefix: string;
  /**
   * Function log retention; one of CloudWatch's values (1, 3, 5, 7, 14, 30, 60, 90, …, 3653).
   */
  readonly logRetentionDays: number;
  /**
   * Deletion protection on the table and the user pool.
   */
  readonly deletionProtection: boolean;
  /**
   * Customer KMS key ARN for the table, in the stack's region (the functions then also get `kms:Decrypt`/`kms:GenerateDataKey` on that key, only via DynamoDB).
   */
  readonly kmsKeyArn?: string;
  /**
   * Adds GSI `email-index` (keys only) on `email`.
   */
  readonly emailIndex: boolean;
  /**
   * JSON object, Cognito attribute → row field, for the optional attributes copied into rows. `custom:*` attributes are allowed and are declared on the pool.
   */
  readonly attributeMap: Readonly<Record<string, string>>;
  /**
   * Adds Amplify DataStore fields (`__typename` = this value, `_version: 1`, `_lastChangedAt`).
   */
  readonly amplifyTypename?: string;
  /**
   * Amplify mode: the owner rule's field (`ownerField`); `""` writes none.
   */
  readonly amplifyOwnerField: string;
  /**
   * Amplify mode: the owner value; `{sub}::{username}` is Amplify's default identity claim (use `{username}` or `{sub}` if your rule sets `identityClaim`).
   */
  readonly amplifyOwnerFormat: string;
  /**
   * Amplify mode: DataStore conflict detection is on: rows carry `_version` and `_lastChangedAt`, and deletes are tombstones (`_deleted`, `_ttl`).
   */
  readonly amplifyConflictDetection: boolean;
  /**
   * Amplify mode: the app's AppSync API (its id, or its URL `https://<id>.appsync-api.<region>.amazonaws.com/graphql`). Every function then writes rows through the model's mutations (IAM-signed), so DataStore delta sync and subscriptions see them; needs `amplifyTypename`, `table.existing` (the model's table, which the functions read) and an `@auth` rule `{ allow: private, provider: iam }` (README: Amplify writers).
   */
  readonly amplifyApi?: string;
  /**
   * Amplify API writer: JSON object of the model's GraphQL names that differ from Amplify's defaults, any of `get`, `create`, `update`, `delete` (e.g. `{"get":"userById"}`).
   */
  readonly amplifyModelNames: Readonly<Record<string, string>>;
  /**
   * Amplify API writer: JSON object, required (`!`) personal field → the placeholder a deleted user's row holds instead (e.g. `{"email":"deleted@example.invalid"}`); other personal fields become null.
   */
  readonly amplifyErasedValues: Readonly<Record<string, string>>;
  /**
   * `archive`: the archive provider's `archive_file` zips the bundles; `asset`: cdktf zips them at synth (no archive provider needed, for air-gapped mirrors).
   */
  readonly packaging: "archive" | "asset";
  /**
   * PostConfirmation function memory, 128–10240.
   */
  readonly functionMemoryMb: number;
  /**
   * Multi-factor sign-in with an authenticator app (TOTP): `OPTIONAL` (users may turn it on), `ON` (required for everyone; Cognito accepts ON only for new pools), `OFF`.
   */
  readonly mfa: "OFF" | "OPTIONAL" | "ON";
  /**
   * Passwords need a symbol, besides 12+ characters with upper and lower case and a digit.
   */
  readonly passwordRequireSymbols: boolean;
  /**
   * Mapped `custom:*` attributes the app client may let users change themselves (standard profile attributes always are). Others are readable but only an admin can set them, so a user cannot write e.g. `custom:plan` into their row.
   */
  readonly userWritableAttributes: string[];
  /**
   * A verified SES identity: Cognito sends its emails through SES (`DEVELOPER` sending). It must be in the stack's region or in us-east-1, us-west-2 or eu-west-1 (Cognito's SES regions). Without it Cognito's built-in email allows only a few messages a day (see Security notes).
   */
  readonly sesSourceArn?: string;
  /**
   * Sender of Cognito's emails, e.g. `Acme <no-reply@acme.example>`; needs `sesSourceArn`.
   */
  readonly fromAddress?: string;
  /**
   * Cognito threat protection: `audit` logs risky sign-ins, `enforced` also blocks them. Needs (and sets) the Plus feature plan, which costs extra per active user; off by default for that reason.
   */
  readonly advancedSecurity: "off" | "audit" | "enforced";
  /**
   * When the scheduled reconcile starts: an EventBridge Scheduler expression (`cron(…)` with six fields, `rate(…)`, `at(…)` in the future), or `off` for no schedule (the state machine stays, to start by hand).
   */
  readonly reconcileSchedule: string;
  /**
   * Time zone of `reconcileSchedule` (an IANA name, e.g. `Europe/Paris`).
   */
  readonly reconcileScheduleTimezone: string;
  /**
   * Cognito requests per second of the scheduled reconcile (ListUsers' quota, ~30/s, is shared by the whole account).
   */
  readonly reconcileRate: number;
  /**
   * How long one reconcile step works before it hands over to the next.
   */
  readonly reconcileSliceSeconds: number;
  /**
   * Let the scheduled reconcile delete orphan rows (behind the CLI's safety limit, each backed up first).
   */
  readonly reconcilePrune: boolean;
  /**
   * The most orphans one scheduled prune may delete (1 or more). Set, it also lets a prune run whose listing saw no users or that deletes more than half of the rows.
   */
  readonly reconcileMaxPrune?: number;
  /**
   * The user-events function: deletes and profile changes reach the table within seconds (EventBridge rule on Cognito's API calls via CloudTrail; needs a trail, see `cloudTrail`).
   */
  readonly userEvents: boolean;
  /**
   * Invited users (`AdminCreateUser`, status FORCE_CHANGE_PASSWORD) get their row at the invitation, marked `invited: true` until they set a password (then the field goes). Off: their row appears when they accept the invitation (see Creation paths).
   */
  readonly rowsAtInvite: boolean;
  /**
   * A deleted user's row: `erase` removes every personal sync-owned field and sets `deletedAt` (key and app fields stay), `delete` removes the row, `keep` leaves it. Under Amplify conflict detection, erase and delete both end as AppSync's soft delete (the erasure plus `_deleted`, `_ttl`), which DataStore clients receive.
   */
  readonly onUserDeleted: "erase" | "delete" | "keep";
  /**
   * `existing`: a trail logging management events already runs in this account and region (check: `aws cloudtrail describe-trails`). `create`: a minimal one (write-only management events, log-file validation, a private encrypted bucket with expiry). Without a trail, deletes and changes wait for the scheduled reconcile.
   */
  readonly cloudTrail: "existing" | "create";
  /**
   * Creates an SNS topic for the alarms with this address subscribed (confirm the email AWS sends).
   */
  readonly alarmEmail?: string;
  /**
   * An SNS topic of yours for the alarms (instead of `alarmEmail`), in the stack's region.
   */
  readonly alarmTopicArn?: string;
  /**
   * JSON object of tags on every resource (provider `default_tags`): at most 50, keys up to 128 and values up to 256 characters, no `aws:` prefix.
   */
  readonly tags: Readonly<Record<string, string>>;
  /**
   * Provider skips credential, account-id and metadata checks; set by `npm run plan -- --offline`.
   */
  readonly offlinePlan: boolean;
  readonly table: {
    /**
     * An existing table to write to (yours, or an Amplify model's); the stack then creates no table and grants on that table's ARN.
     */
    readonly existing?: string;
    /**
     * The partition key's attribute name.
     */
    readonly partitionKey: string;
    /**
     * How the partition key is made from the user: `{sub}`, or a template such as `USER#{sub}`.
     */
    readonly partitionKeyValue: string;
    /**
     * A sort key's attribute name, for single-table designs.
     */
    readonly sortKey?: string;
    /**
     * The sort key's value: fixed (`PROFILE`) or a template (`USER#{sub}`).
     */
    readonly sortKeyValue?: string;
    /**
     * The table holds other entities too: only items matching the key layout are user rows, and orphan pruning needs a key with a fixed part.
     */
    readonly shared: boolean;
    /**
     * A DynamoDB stream on the table the stack creates, for more consumers of the rows (README: fan-out).
     */
    readonly streamView?: "NEW_IMAGE" | "OLD_IMAGE" | "NEW_AND_OLD_IMAGES" | "KEYS_ONLY";
  };
  readonly userPool: {
    /**
     * An existing user pool: the stack creates no pool or client, and `user-sync attach` sets its PostConfirmation trigger.
     */
    readonly existing?: string;
  };
  /** S3 remote state; undefined means local state. */
  readonly backend?: RemoteBackendConfig;
}

/** How function bundles are zipped: by the archive provider, or by cdktf at synth. */
export type PackagingMode = UserSyncConfig["packaging"];
