/**
 * What a row holds besides its key: the core fields every row has, the
 * default attribute map (Cognito attribute -> row field) and its rules, and
 * which users have a row at all.
 */
import { ROW_KEY } from "./row-key";

/** Fields the mapping writes from Cognito (besides the key and the attribute map). */
export const CORE_SYNC_FIELDS = ["username", "email", "emailVerified", "userPoolId"] as const;

/**
 * `invited: true` while an invited user has not set a password (rowsAtInvite
 * only: otherwise the field is the app's, never written or removed).
 */
export const INVITED_FIELD = "invited";

/** Fields every row may have; the attribute map may not write to them. */
export const CORE_ROW_FIELDS = [
  ROW_KEY,
  ...CORE_SYNC_FIELDS,
  "createdAt",
  "updatedAt",
  "cognitoModifiedAt",
  "__typename",
  "_version",
  "_lastChangedAt",
  "enabled",
  INVITED_FIELD,
  "deletedAt",
  "_deleted",
  "_ttl",
] as const;

/** Cognito attributes that feed core fields and so cannot be remapped. */
const CORE_COGNITO_ATTRIBUTES = ["sub", "email", "email_verified"];

/**
 * Optional standard Cognito attributes copied when present, and the row field
 * each lands in. Overridable with the `attributeMap` setting.
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

const STANDARD_COGNITO_ATTRIBUTES = new Set([...Object.keys(DEFAULT_ATTRIBUTE_MAP), ...CORE_COGNITO_ATTRIBUTES]);
const ROW_FIELD_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
const CUSTOM_ATTRIBUTE_PATTERN = /^custom:[A-Za-z0-9_]{1,20}$/;

/** Every problem with an attribute map, each naming `where` it came from and the fix. */
export function attributeMapProblems(map: Readonly<Record<string, string>>, where: string): string[] {
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
    if (typeof field !== "string" || !ROW_FIELD_PATTERN.test(field)) {
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

/** `custom:*` attributes a pool must declare for this map (names without the prefix). */
export function customAttributeNames(attributeMap: Readonly<Record<string, string>>): string[] {
  return Object.keys(attributeMap)
    .filter((a) => a.startsWith("custom:"))
    .map((a) => a.slice("custom:".length));
}

/**
 * Statuses whose users can sign in, so must have a row: CONFIRMED (signed up
 * and confirmed, or admin-created users once they set their password),
 * EXTERNAL_PROVIDER (federated users, for whom PostConfirmation may never
 * fire) and RESET_REQUIRED (confirmed users whose password an admin reset).
 */
export const EXPECTED_STATUSES = ["CONFIRMED", "EXTERNAL_PROVIDER", "RESET_REQUIRED"] as const;
/** An invited user (AdminCreateUser) who has not set a password yet. */
export const INVITED_STATUS = "FORCE_CHANGE_PASSWORD";
/** Users who have not finished signing up yet; rows for them only on request. */
export const UNCONFIRMED_STATUSES = ["UNCONFIRMED", INVITED_STATUS] as const;

/** The statuses whose users have rows: with rowsAtInvite, invited users too (marked `invited: true`). */
export function statusesWithRows(options: { readonly rowsAtInvite?: boolean; readonly includeUnconfirmed?: boolean }): Set<string> {
  return new Set<string>([...EXPECTED_STATUSES, ...(options.rowsAtInvite ? [INVITED_STATUS] : []), ...(options.includeUnconfirmed ? UNCONFIRMED_STATUSES : [])]);
}
