/**
 * Pure mapping from a Cognito user to a Users-table row, and which of a row's
 * fields sync owns. The trigger, reconcile, the user-events function and the
 * sandbox all build rows here, so a repaired row is exactly what the trigger
 * would have written.
 */
import { layoutOf, fillTemplate, isWellFormedSub, keyNames, rowKey, type KeyLayout } from "./row-key";
import { CORE_SYNC_FIELDS, INVITED_FIELD, INVITED_STATUS } from "./row-fields";

/** What an attribute may hold as it arrives; anything but a string (or a boolean for *_verified) is refused. */
export type AttributeValue = unknown;

/** What we know about a user, from a trigger event or from ListUsers/AdminGetUser. */
export interface CognitoUser {
  readonly userName: string;
  readonly userPoolId: string;
  /** Cognito attributes by name, including `sub`. */
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  /** Cognito's UserLastModifiedDate, when known (not in trigger events). */
  readonly lastModified?: Date;
  /** Whether the user may sign in (AdminDisableUser/AdminEnableUser), when known (not in trigger events). */
  readonly enabled?: boolean;
  /** Cognito's UserStatus, when known (not in trigger events, whose users are confirmed). */
  readonly status?: string;
}

/**
 * Rows an Amplify GraphQL API (owner authorization) can read and list:
 * `__typename`, `createdAt`/`updatedAt` as AWSDateTime, the owner field,
 * and with DataStore conflict detection `_version` and `_lastChangedAt`.
 */
export interface AmplifyMapping {
  /** The model's name, e.g. "User". */
  readonly typename: string;
  /** The owner rule's field. @default "owner" (undefined: no owner field) */
  readonly ownerField?: string;
  /** How the owner value is made: `{sub}` and `{username}` are replaced. @default "{sub}::{username}" (Amplify's default identity claim) */
  readonly ownerFormat: string;
  /** DataStore conflict detection: `_version`, `_lastChangedAt` (and soft deletes). @default true */
  readonly conflictDetection: boolean;
}

export const DEFAULT_OWNER_FORMAT = "{sub}::{username}";

/** How rows are made from users: the same for every reader and writer. */
export interface RowMapping {
  /** Cognito attribute -> row field for the optional attributes to copy. */
  readonly attributeMap: Readonly<Record<string, string>>;
  /** Amplify model fields. @default off */
  readonly amplify?: AmplifyMapping;
  /** @default DEFAULT_KEY_LAYOUT (`id` = sub) */
  readonly keyLayout?: KeyLayout;
  /** Invited users (FORCE_CHANGE_PASSWORD) have rows, marked `invited: true` until they set a password. @default false */
  readonly rowsAtInvite?: boolean;
}

export interface UserRecordOptions extends RowMapping {
  /** Timestamp for createdAt/updatedAt. */
  readonly now: Date;
}

export type UserRecord = Record<string, string | number | boolean>;

/** The input cannot make a row; the message names the field and the fix. */
export class InvalidUserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InvalidUserError";
  }
}

/** What a value is, never what it says: attribute values are personal data, and errors reach logs. */
export function describeValue(value: unknown): string {
  if (typeof value === "string") return `a string of ${value.length} characters`;
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

const absent = (value: unknown) => value === undefined || value === null || value === "";

/** Cognito sends booleans as "true"/"false"; some samples send real booleans. */
export function parseCognitoBoolean(name: string, value: unknown): boolean | undefined {
  if (absent(value)) return undefined;
  if (value === true || value === "true") return true;
  if (value === false || value === "false") return false;
  throw new InvalidUserError(`attribute ${name} is ${describeValue(value)}; expected "true" or "false"`);
}

/** A string attribute, or undefined when absent; anything else is refused, never coerced. */
function text(name: string, value: unknown): string | undefined {
  if (absent(value)) return undefined;
  if (typeof value !== "string") throw new InvalidUserError(`${name} is ${describeValue(value)}; Cognito sends it as a string`);
  return value;
}

/** The user's sub, or a clear error: rows are keyed by it. */
export function subOf(user: Pick<CognitoUser, "attributes">): string {
  const sub = user.attributes?.sub;
  if (typeof sub !== "string" || sub.trim() === "") {
    throw new InvalidUserError(
      "missing request.userAttributes.sub: the user cannot be keyed without it (rows are keyed by sub, never by userName)",
    );
  }
  if (!isWellFormedSub(sub)) throw new InvalidUserError(`request.userAttributes.sub is ${describeValue(sub)}, not a Cognito sub; no row is keyed by it`);
  return sub;
}

/**
 * The fields sync owns and writes from Cognito; every other field of a row is
 * the app's and is never written (createdAt is written once, on creation).
 */
export function syncOwnedFields(mapping: RowMapping): string[] {
  const amplify = mapping.amplify ? ["__typename", ...(mapping.amplify.ownerField ? [mapping.amplify.ownerField] : [])] : [];
  return [...CORE_SYNC_FIELDS, ENABLED_FIELD, ...(mapping.rowsAtInvite ? [INVITED_FIELD] : []), ...Object.values(mapping.attributeMap), ...amplify];
}

/**
 * `enabled` is false while Cognito has the user disabled. Absent means enabled:
 * the trigger cannot know (its event does not say), so rows are only written
 * `enabled: false` when a user is disabled, and `true` again when re-enabled.
 */
export const ENABLED_FIELD = "enabled";

/**
 * What marks a deleted user's row: `deletedAt` (an erasure) and AppSync's
 * soft delete (`_deleted`, and `_ttl`, which would let DynamoDB remove the
 * row). A row whose user exists never carries them: a refresh removes them.
 */
export const TOMBSTONE_FIELDS = ["deletedAt", "_deleted", "_ttl"] as const;

/** Every field sync reads back from a row to decide what to write: the key, the sync-owned fields and the tombstone. */
export function syncReadFields(mapping: RowMapping): string[] {
  return [...new Set([...keyNames(layoutOf(mapping)), ...syncOwnedFields(mapping), ...TOMBSTONE_FIELDS])];
}

/** The personal fields a deleted user's row must lose (`erase`): every sync-owned field but the pool, `enabled` and `invited`. */
export function personalFields(mapping: RowMapping): string[] {
  return syncOwnedFields(mapping).filter((f) => f !== "userPoolId" && f !== ENABLED_FIELD && f !== INVITED_FIELD && f !== "__typename");
}

/** The sync-owned values Cognito's current attributes make (absent attributes are left out). */
export function syncOwnedValues(user: CognitoUser, mapping: RowMapping): UserRecord {
  const attributes = user.attributes ?? {};
  const values: UserRecord = {};
  const username = text("userName", user.userName);
  if (username !== undefined) values.username = username;
  const email = text("attribute email", attributes.email);
  if (email !== undefined) values.email = email;
  const emailVerified = parseCognitoBoolean("email_verified", attributes.email_verified);
  if (emailVerified !== undefined) values.emailVerified = emailVerified;
  const userPoolId = text("userPoolId", user.userPoolId);
  if (userPoolId !== undefined) values.userPoolId = userPoolId;
  if (user.enabled !== undefined) values[ENABLED_FIELD] = user.enabled;
  if (mapping.rowsAtInvite && user.status === INVITED_STATUS) values[INVITED_FIELD] = true;
  for (const [attribute, field] of Object.entries(mapping.attributeMap)) {
    const value = attribute.endsWith("_verified")
      ? parseCognitoBoolean(attribute, attributes[attribute])
      : text(`attribute ${attribute}`, attributes[attribute]);
    if (value !== undefined) values[field] = value;
  }
  if (mapping.amplify) {
    values.__typename = mapping.amplify.typename;
    const sub = attributes.sub;
    if (mapping.amplify.ownerField && typeof sub === "string" && sub !== "") {
      values[mapping.amplify.ownerField] = fillTemplate(mapping.amplify.ownerFormat, { sub, username: username ?? sub });
    }
  }
  return values;
}

/** Builds the new row for a user. Absent or empty attributes are omitted, never written empty. */
export function buildUserRecord(user: CognitoUser, options: UserRecordOptions): UserRecord {
  const sub = subOf(user);
  const timestamp = options.now.toISOString();
  const record: UserRecord = { ...rowKey(layoutOf(options), sub), ...syncOwnedValues(user, options) };
  // Absent means enabled, so a repaired row is what the trigger writes.
  if (record[ENABLED_FIELD] === true) delete record[ENABLED_FIELD];
  record.createdAt = timestamp;
  record.updatedAt = timestamp;
  if (user.lastModified) record.cognitoModifiedAt = user.lastModified.toISOString();
  if (options.amplify?.conflictDetection) {
    record._version = 1;
    record._lastChangedAt = options.now.getTime();
  }
  return record;
}

/** What a refresh must change so a stored row's sync-owned fields match Cognito. */
export interface RowDiff {
  /** Fields to set, with their new values. */
  readonly set: UserRecord;
  /** Sync-owned fields the row has but Cognito no longer does. */
  readonly remove: string[];
}

export const isEmptyDiff = (diff: RowDiff) => Object.keys(diff.set).length === 0 && diff.remove.length === 0;

/**
 * Compares a stored row's sync-owned fields with what Cognito's attributes make
 * now, for a user who exists: a tombstone left by an earlier erasure or soft
 * delete goes too.
 */
export function diffSyncOwned(stored: Readonly<Record<string, unknown>>, desired: UserRecord, mapping: RowMapping): RowDiff {
  const set: UserRecord = {};
  const remove: string[] = [];
  if (stored.deletedAt !== undefined) remove.push("deletedAt");
  // _ttl alone may be the app's own; with _deleted it is AppSync's expiry of the tombstone.
  if (stored._deleted !== undefined) remove.push("_deleted", ...(stored._ttl !== undefined ? ["_ttl"] : []));
  for (const field of syncOwnedFields(mapping)) {
    if (field === ENABLED_FIELD) {
      // Unknown (trigger) changes nothing; absent and true are the same.
      if (field in desired && (stored[field] ?? true) !== desired[field]) set[field] = desired[field];
      continue;
    }
    if (field in desired) {
      if (stored[field] !== desired[field]) set[field] = desired[field];
    } else if (stored[field] !== undefined) {
      remove.push(field);
    }
  }
  return { set, remove };
}

/** A row as read, without null attributes: an AppSync mutation stores a cleared field as NULL, which means absent here. */
export const presentFields = (row: Readonly<Record<string, unknown>>): Record<string, unknown> => Object.fromEntries(Object.entries(row).filter(([, value]) => value !== null));

/** ListUsers returns attributes as [{Name, Value}]; the trigger as an object. */
export function attributesFromList(list: ReadonlyArray<{ Name?: string; Value?: string }> | undefined): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const { Name, Value } of list ?? []) {
    if (Name !== undefined && Value !== undefined) attributes[Name] = Value;
  }
  return attributes;
}

/**
 * What the mapping reads of a user as ListUsers (or AdminGetUser) returns it:
 * the SDK's UserType, described here so the row mapping's types need no SDK.
 */
export interface ListedUser {
  readonly Username?: string;
  readonly Attributes?: ReadonlyArray<{ readonly Name?: string; readonly Value?: string }>;
  readonly UserStatus?: string;
  readonly Enabled?: boolean;
  readonly UserLastModifiedDate?: Date;
}

/** A user's sub as ListUsers/AdminGetUser return it. */
export const subOfUser = (user: ListedUser): string | undefined => user.Attributes?.find((a) => a.Name === "sub")?.Value;

/** A ListUsers (or AdminGetUser) entry as the mapping reads users. */
export const cognitoUserOf = (user: ListedUser, userPoolId: string): CognitoUser => ({
  userName: user.Username ?? "",
  userPoolId,
  attributes: attributesFromList(user.Attributes),
  lastModified: user.UserLastModifiedDate,
  enabled: user.Enabled,
  status: user.UserStatus,
});
