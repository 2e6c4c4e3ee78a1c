/**
 * Pure mapping from a Cognito user to a Users-table row. The trigger, the
 * reconcile tool and the local sandbox all build rows here, so a repaired row
 * is exactly what the trigger would have written.
 */
import { USERS_TABLE_KEY } from "../../lib/config";

export type AttributeValue = string | boolean | undefined | null;

/** What we know about a user, from a trigger event or from ListUsers. */
export interface CognitoUser {
  readonly userName: string;
  readonly userPoolId: string;
  /** Cognito attributes by name, including `sub`. */
  readonly attributes: Readonly<Record<string, AttributeValue>>;
}

export interface UserRecordOptions {
  /** Cognito attribute -> row field for the optional attributes to copy. */
  readonly attributeMap: Readonly<Record<string, string>>;
  /** When set, adds Amplify DataStore fields with this `__typename`. */
  readonly amplifyTypename?: string;
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

/** Cognito sends booleans as "true"/"false"; some samples send real booleans. */
export function parseCognitoBoolean(name: string, value: AttributeValue): boolean | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (value === true || value === "true") return true;
  if (value === false || value === "false") return false;
  throw new InvalidUserError(`attribute ${name} is ${JSON.stringify(value)}; expected "true" or "false"`);
}

function present(value: AttributeValue): value is string | boolean {
  return value !== undefined && value !== null && value !== "";
}

/** Builds the row for a user. Absent or empty attributes are omitted, never written empty. */
export function buildUserRecord(user: CognitoUser, options: UserRecordOptions): UserRecord {
  const attributes = user.attributes ?? {};
  const sub = attributes.sub;
  if (typeof sub !== "string" || sub.trim() === "") {
    throw new InvalidUserError(
      "missing request.userAttributes.sub: the user cannot be keyed without it (rows are keyed by sub, never by userName)",
    );
  }
  const timestamp = options.now.toISOString();
  const record: UserRecord = { [USERS_TABLE_KEY]: sub };
  if (present(user.userName)) record.username = user.userName;
  if (present(attributes.email)) record.email = String(attributes.email);
  const emailVerified = parseCognitoBoolean("email_verified", attributes.email_verified);
  if (emailVerified !== undefined) record.emailVerified = emailVerified;
  if (present(user.userPoolId)) record.userPoolId = user.userPoolId;
  record.createdAt = timestamp;
  record.updatedAt = timestamp;

  for (const [attribute, field] of Object.entries(options.attributeMap)) {
    const value = attributes[attribute];
    if (!present(value)) continue;
    record[field] = attribute.endsWith("_verified") ? parseCognitoBoolean(attribute, value)! : String(value);
  }

  if (options.amplifyTypename) {
    record.__typename = options.amplifyTypename;
    record._version = 1;
    record._lastChangedAt = options.now.getTime();
  }
  return record;
}

/** ListUsers returns attributes as [{Name, Value}]; the trigger as an object. */
export function attributesFromList(list: ReadonlyArray<{ Name?: string; Value?: string }> | undefined): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const { Name, Value } of list ?? []) {
    if (Name !== undefined && Value !== undefined) attributes[Name] = Value;
  }
  return attributes;
}
