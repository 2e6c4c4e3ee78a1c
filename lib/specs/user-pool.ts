/** The user pool and its app client as plain data: the construct turns them into Terraform, the sandbox into API calls. */
import { customAttributeNames } from "../../core/row-fields";
import { resourceNames } from "../names";
import type { UserSyncConfig } from "../settings/props";

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
