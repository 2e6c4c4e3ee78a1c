/**
 * What the Users table and the user pool are, as plain data: the constructs
 * turn these into Terraform and the local sandbox into API calls, so the two
 * cannot drift (a test compares them).
 */
import { COGNITO_TRIGGER_BUDGET_MS, customAttributeNames } from "../core/contract";
import { functionEnvironment, reconcileWorkerEnvironment, userEventsEnvironment } from "../core/function-settings";
import type { RowMapping } from "../core/user-record";
import { resourceNames, type FunctionNames } from "./names";
import { keyLayoutOf } from "./settings/load";
import type { UserSyncConfig } from "./settings/props";

/** How rows are made, from the settings: what every function, the sandbox and the CLI use. */
export function rowMapping(config: UserSyncConfig): RowMapping {
  return {
    attributeMap: config.attributeMap,
    keyLayout: keyLayoutOf(config),
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

export interface UsersTableSpec {
  readonly tableName: string;
  /** String partition key. */
  readonly partitionKey: string;
  /** String sort key, for single-table designs. @default undefined (none) */
  readonly sortKey?: string;
  /** The table exists already: the stack creates none. @default false */
  readonly existing: boolean;
  /** A keys-only GSI on `email`. @default undefined (none) */
  readonly emailIndexName?: string;
  /** Customer KMS key. @default undefined (AWS-owned key) */
  readonly kmsKeyArn?: string;
  readonly deletionProtection: boolean;
  /** A DynamoDB stream of this view. @default undefined (no stream) */
  readonly streamView?: string;
}

export function usersTableSpec(config: UserSyncConfig): UsersTableSpec {
  const names = resourceNames(config);
  const layout = keyLayoutOf(config);
  return {
    tableName: config.table.existing ?? names.usersTable,
    partitionKey: layout.partitionKey.name,
    sortKey: layout.sortKey?.name,
    existing: Boolean(config.table.existing),
    emailIndexName: config.emailIndex ? names.emailIndex : undefined,
    kmsKeyArn: config.kmsKeyArn,
    deletionProtection: config.deletionProtection,
    streamView: config.table.streamView,
  };
}

export interface PasswordPolicySpec {
  readonly minimumLength: number;
  readonly requireLowercase: boolean;
  readonly requireUppercase: boolean;
  readonly requireNumbers: boolean;
  readonly requireSymbols: boolean;
  readonly temporaryPasswordValidityDays: number;
}

export interface UserPoolSpec {
  readonly poolName: string;
  /** Users sign in with these instead of a separate username. */
  readonly usernameAttributes: readonly string[];
  readonly autoVerifiedAttributes: readonly string[];
  readonly caseSensitiveUsernames: boolean;
  readonly passwordPolicy: PasswordPolicySpec;
  readonly recoveryMechanisms: ReadonlyArray<{ readonly name: string; readonly priority: number }>;
  /** `custom:*` attributes to declare, without the prefix. */
  readonly customAttributes: readonly string[];
  readonly deletionProtection: boolean;
  /** MFA with an authenticator app (TOTP); no SMS. */
  readonly mfa: "OFF" | "OPTIONAL" | "ON";
  /** A changed attribute takes effect only once verified: the old email keeps working until then. */
  readonly verifyBeforeUpdate: readonly string[];
  /** SES sending; undefined means Cognito's own (limited) email. */
  readonly email?: { readonly sourceArn: string; readonly from?: string };
  /** Threat protection mode; anything but OFF needs the Plus feature plan. */
  readonly advancedSecurity: "OFF" | "AUDIT" | "ENFORCED";
  readonly client: {
    readonly name: string;
    readonly explicitAuthFlows: readonly string[];
    readonly preventUserExistenceErrors: "ENABLED" | "LEGACY";
    readonly enableTokenRevocation: boolean;
    /** Attributes the app may read (with the user's token). */
    readonly readAttributes: readonly string[];
    /** Attributes users may change themselves; mapped custom attributes only when configured. */
    readonly writeAttributes: readonly string[];
  };
  readonly adminGroup: { readonly name: string; readonly description: string };
}

/** Cognito's standard attributes that users may change. */
const STANDARD_WRITABLE = [
  "address", "birthdate", "email", "family_name", "gender", "given_name", "locale", "middle_name", "name",
  "nickname", "phone_number", "picture", "preferred_username", "profile", "updated_at", "website", "zoneinfo",
];

export function userPoolSpec(config: UserSyncConfig): UserPoolSpec {
  const names = resourceNames(config);
  return {
    poolName: names.userPool,
    usernameAttributes: ["email"],
    autoVerifiedAttributes: ["email"],
    caseSensitiveUsernames: false,
    passwordPolicy: {
      minimumLength: 12,
      requireLowercase: true,
      requireUppercase: true,
      requireNumbers: true,
      requireSymbols: config.passwordRequireSymbols,
      temporaryPasswordValidityDays: 7,
    },
    recoveryMechanisms: [{ name: "verified_email", priority: 1 }],
    customAttributes: customAttributeNames(config.attributeMap),
    deletionProtection: config.deletionProtection,
    mfa: config.mfa,
    verifyBeforeUpdate: ["email"],
    email: config.sesSourceArn ? { sourceArn: config.sesSourceArn, from: config.fromAddress } : undefined,
    advancedSecurity: config.advancedSecurity.toUpperCase() as UserPoolSpec["advancedSecurity"],
    client: {
      name: names.userPoolClient,
      explicitAuthFlows: ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
      preventUserExistenceErrors: "ENABLED",
      enableTokenRevocation: true,
      readAttributes: [...STANDARD_WRITABLE, "email_verified", "phone_number_verified", ...Object.keys(config.attributeMap).filter((a) => a.startsWith("custom:"))].sort(),
      writeAttributes: [...STANDARD_WRITABLE, ...config.userWritableAttributes].sort(),
    },
    adminGroup: { name: "Admin", description: "Administrators" },
  };
}

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
    environment: functionEnvironment({ tableName: usersTableSpec(config).tableName, ...rowMapping(config) }),
    timeoutSeconds: COGNITO_TRIGGER_BUDGET_MS / 1000,
    memoryMb: config.functionMemoryMb,
  };
}

/** The user-events function, given the pool it watches (an id known only after apply, in a stack). */
export function userEventsSpec(config: UserSyncConfig, userPoolId: string): FunctionSpec {
  return {
    entry: "user-events",
    names: resourceNames(config).userEvents,
    environment: userEventsEnvironment({ tableName: usersTableSpec(config).tableName, ...rowMapping(config), userPoolId, onUserDeleted: config.onUserDeleted }),
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
      tableName: usersTableSpec(config).tableName,
      ...rowMapping(config),
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
