/**
 * Reading one user from Cognito, for the paths that act on a single user:
 * user events and the last check before a prune. ListUsers by sub can lag
 * behind writes; AdminGetUser is strongly consistent, so anything that
 * deletes or erases asks it too, and only "not found" ever counts as gone.
 */
import { AdminGetUserCommand, ListUsersCommand, type CognitoIdentityProviderClient, type UserType } from "@aws-sdk/client-cognito-identity-provider";
import { isWellFormedSub, MalformedInputError } from "./row-key";
import { subOfUser } from "./user-record";

type Cognito = Pick<CognitoIdentityProviderClient, "send">;

/** A ListUsers filter for one sub; only a well-formed sub reaches the filter string. */
export function subFilter(sub: string): string {
  if (!isWellFormedSub(sub)) throw new MalformedInputError("a malformed sub never reaches a ListUsers filter");
  return `sub = "${sub}"`;
}

const isUserNotFound = (err: unknown) => (err as Error)?.name === "UserNotFoundException";

/** The user with this sub as ListUsers lists it (may lag behind recent writes), or undefined. */
export async function listUserBySub(cognito: Cognito, userPoolId: string, sub: string): Promise<UserType | undefined> {
  const res = await cognito.send(new ListUsersCommand({ UserPoolId: userPoolId, Filter: subFilter(sub), Limit: 1 }));
  return res.Users?.[0];
}

/** AdminGetUser (strongly consistent) as a ListUsers entry; undefined only when Cognito says the user does not exist. */
export async function adminGetUser(cognito: Cognito, userPoolId: string, username: string): Promise<UserType | undefined> {
  try {
    const res = await cognito.send(new AdminGetUserCommand({ UserPoolId: userPoolId, Username: username }));
    return { Username: res.Username, Attributes: res.UserAttributes, UserStatus: res.UserStatus, Enabled: res.Enabled, UserLastModifiedDate: res.UserLastModifiedDate };
  } catch (err) {
    // A throttle, AccessDenied or a timeout says nothing about the user: it must never read as "gone".
    if (isUserNotFound(err)) return undefined;
    throw err;
  }
}

/**
 * The second, independent read before anything is erased or deleted: the user
 * with this sub by AdminGetUser, asked by the row's username (when the row
 * still has one) and by the sub itself (AdminGetUser takes a local user's
 * sub). Returns the live user, or undefined when every answer says that sub
 * is gone. A username that now names another user (re-used after a delete)
 * does not keep the old sub alive.
 */
export async function liveUserBySub(cognito: Cognito, userPoolId: string, sub: string, username?: unknown): Promise<UserType | undefined> {
  const names = [...new Set([typeof username === "string" && username !== "" ? username : undefined, sub].filter((n): n is string => n !== undefined))];
  for (const name of names) {
    const user = await adminGetUser(cognito, userPoolId, name);
    if (user && subOfUser(user) === sub) return user;
  }
  return undefined;
}

/**
 * A user some listing showed, as Cognito has them now (AdminGetUser): a
 * listing lags behind deletes, so nothing creates a row or lifts a tombstone
 * on its word alone. Undefined when that sub is gone.
 */
export async function currentUser(cognito: Cognito, userPoolId: string, listed: UserType): Promise<UserType | undefined> {
  const sub = subOfUser(listed);
  return sub === undefined ? undefined : liveUserBySub(cognito, userPoolId, sub, listed.Username);
}
