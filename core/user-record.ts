/**
 * Pure mapping from a Cognito user to a Users-table row. The trigger, the
 * reconcile tool and the local sandbox all build rows here, so a repaired row
 * is exactly what the trigger would have written.
 */
import { ROW_KEY } from "./contract";

/** What an attribute may hold as it arrives; anything but a string (or a boolean for *_verified) is refused. */
export type AttributeValue = unknown;

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
  const record: UserRecord = { [ROW_KEY]: sub };
  const username = text("userName", user.userName);
  if (username !== undefined) record.username = username;
  const email = text("attribute email", attributes.email);
  if (email !== undefined) record.email = email;
  const emailVerified = parseCognitoBoolean("email_verified", attributes.email_verified);
  if (emailVerified !== undefined) record.emailVerified = emailVerified;
  const userPoolId = text("userPoolId", user.userPoolId);
  if (userPoolId !== undefined) record.userPoolId = userPoolId;
  record.createdAt = timestamp;
  record.updatedAt = timestamp;

  for (const [attribute, field] of Object.entries(options.attributeMap)) {
    const value = attribute.endsWith("_verified") ? parseCognitoBoolean(attribute, attributes[attribute]) : text(`attribute ${attribute}`, attributes[attribute]);
    if (value !== undefined) record[field] = value;
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
