/**
 * UpdateUserPool resets every setting it is not given to Cognito's default
 * (MFA, email, every trigger...). So an update is built from a
 * DescribeUserPool: every updatable setting copied back, one changed. The
 * Record below is keyed by UpdateUserPool's own input type, so the compiler
 * refuses to build when an SDK upgrade adds a setting this does not copy.
 */
import type { LambdaConfigType, UpdateUserPoolCommandInput, UserPoolType } from "@aws-sdk/client-cognito-identity-provider";

type Updatable = Exclude<keyof UpdateUserPoolCommandInput, "UserPoolId">;

/** Where each updatable setting comes from in DescribeUserPool's answer. */
const FROM_DESCRIBE: { readonly [K in Updatable]-?: (pool: UserPoolType) => UpdateUserPoolCommandInput[K] } = {
  PoolName: (p) => p.Name,
  Policies: (p) => p.Policies,
  DeletionProtection: (p) => p.DeletionProtection,
  LambdaConfig: (p) => p.LambdaConfig,
  AutoVerifiedAttributes: (p) => p.AutoVerifiedAttributes,
  SmsVerificationMessage: (p) => p.SmsVerificationMessage,
  EmailVerificationMessage: (p) => p.EmailVerificationMessage,
  EmailVerificationSubject: (p) => p.EmailVerificationSubject,
  VerificationMessageTemplate: (p) => p.VerificationMessageTemplate,
  SmsAuthenticationMessage: (p) => p.SmsAuthenticationMessage,
  UserAttributeUpdateSettings: (p) => p.UserAttributeUpdateSettings,
  MfaConfiguration: (p) => p.MfaConfiguration,
  DeviceConfiguration: (p) => p.DeviceConfiguration,
  EmailConfiguration: (p) => p.EmailConfiguration,
  SmsConfiguration: (p) => p.SmsConfiguration,
  UserPoolTags: (p) => p.UserPoolTags,
  AdminCreateUserConfig: (p) => p.AdminCreateUserConfig,
  UserPoolAddOns: (p) => p.UserPoolAddOns,
  DcrConfiguration: (p) => p.DcrConfiguration,
  AccountRecoverySetting: (p) => p.AccountRecoverySetting,
  UserPoolTier: (p) => p.UserPoolTier,
  KeyConfiguration: (p) => p.KeyConfiguration,
  IssuerConfiguration: (p) => p.IssuerConfiguration,
  AcrConfiguration: (p) => p.AcrConfiguration,
};

/** Every setting UpdateUserPool takes besides the pool id. */
export const UPDATABLE_SETTINGS = Object.keys(FROM_DESCRIBE) as Updatable[];

/** The updatable settings of a described pool, as UpdateUserPool must be given them. */
function settingsOf(pool: UserPoolType): Partial<Record<Updatable, unknown>> {
  const settings: Partial<Record<Updatable, unknown>> = {};
  for (const key of UPDATABLE_SETTINGS) {
    const value = FROM_DESCRIBE[key](pool);
    if (value !== undefined) settings[key] = structuredClone(value);
  }
  // DescribeUserPool returns the deprecated UnusedAccountValidityDays beside
  // TemporaryPasswordValidityDays, and UpdateUserPool rejects the pair
  // ("Please use TemporaryPasswordValidityDays in PasswordPolicy instead of
  // UnusedAccountValidityDays", aws/aws-sdk-js#3817): the password policy's value wins.
  const admin = settings.AdminCreateUserConfig as { UnusedAccountValidityDays?: number } | undefined;
  if (admin && pool.Policies?.PasswordPolicy?.TemporaryPasswordValidityDays !== undefined) delete admin.UnusedAccountValidityDays;
  return settings;
}

/** An UpdateUserPool input that changes only LambdaConfig (to `lambdaConfig`) and keeps everything else. */
export function updateKeepingEverything(pool: UserPoolType, lambdaConfig: LambdaConfigType): UpdateUserPoolCommandInput {
  return { UserPoolId: pool.Id, ...settingsOf(pool), LambdaConfig: lambdaConfig } as UpdateUserPoolCommandInput;
}

/** JSON with object keys sorted, so two equal settings compare equal whatever their key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value ?? null, (_, v) => (v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v));
}

/** The settings that differ between two descriptions of a pool (by updatable key). */
export function changedSettings(before: UserPoolType, after: UserPoolType): Updatable[] {
  const [was, now] = [settingsOf(before), settingsOf(after)];
  return UPDATABLE_SETTINGS.filter((key) => canonical(was[key]) !== canonical(now[key]));
}
