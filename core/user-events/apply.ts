/**
 * What a user event does to the table, decided from current state, never from
 * the event: re-read the user in this pool (by sub, or by username when the
 * event has one) and the row, then create, refresh, or apply onUserDeleted.
 * Redelivered, duplicated and out-of-order events therefore end in the same
 * table.
 */
import type { CognitoIdentityProviderClient, UserType } from "@aws-sdk/client-cognito-identity-provider";
import { GetItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { layoutOf, rowKey, subOfKey } from "../row-key";
import { INVITED_FIELD, statusesWithRows } from "../row-fields";
import { type OnUserDeleted } from "../function-settings";
import { adminGetUser, currentUser, listUserBySub, liveUserBySub } from "../user-lookup";
import { buildUserRecord, cognitoUserOf, diffSyncOwned, isEmptyDiff, personalFields, presentFields, subOfUser, syncOwnedValues, syncReadFields, TOMBSTONE_FIELDS, type RowMapping } from "../user-record";
import { rowWriterFor, type RowWriter } from "../row-writer";
import type { AmplifyApiTarget } from "../function-env";
import { projection } from "../user-store";
import type { UserSignal } from "./cloudtrail";
import { deletedRow } from "./deletion";

export { ON_USER_DELETED, type OnUserDeleted } from "../function-settings";

export interface UserEventsContext extends RowMapping {
  readonly cognito: Pick<CognitoIdentityProviderClient, "send">;
  /** Reads rows (the table, strongly consistent). */
  readonly dynamodb: Pick<DynamoDBClient, "send">;
  /** Writes them: the table or the app's AppSync API, one for every write. @default the table, unless `amplifyApi` names an API (then a writer must be given) */
  readonly writer?: RowWriter;
  readonly amplifyApi?: AmplifyApiTarget;
  readonly userPoolId: string;
  readonly tableName: string;
  readonly onUserDeleted: OnUserDeleted;
  readonly now?: () => Date;
}

export type EventOutcome =
  | "created"
  /** The row was there (a creation or sign-in event, row-first): one read, no Cognito call. */
  | "present"
  | "refreshed"
  | "unchanged"
  | "erased"
  | "deleted"
  | "kept"
  /** The user exists but is not in a status that gets a row (e.g. UNCONFIRMED), and has none. */
  | "no-row"
  /** The event or the row belongs to another pool in the account. */
  | "other-pool"
  /** Neither a user in this pool nor a row has that sub. */
  | "unknown-user"
  /** The event names no user at all (no sub, no username): nothing can be done, and someone must know. */
  | "unidentified"
  /** A newer write got there first (the conditional write did not land). */
  | "superseded";

export interface EventResult {
  readonly outcome: EventOutcome;
  readonly sub?: string;
}

/** The user as ListUsers would list it, by sub, else by username; undefined when not in this pool. */
async function findUser(ctx: UserEventsContext, signal: Pick<UserSignal, "sub" | "username">): Promise<UserType | undefined> {
  if (signal.sub) {
    const user = await listUserBySub(ctx.cognito, ctx.userPoolId, signal.sub);
    if (user) return user;
  }
  if (signal.username) return adminGetUser(ctx.cognito, ctx.userPoolId, signal.username);
  return undefined;
}

/** The row's key, pool, sync-owned and tombstone fields (strongly consistent). */
async function readRow(ctx: UserEventsContext, key: Record<string, string>): Promise<Record<string, any> | undefined> {
  const res = await ctx.dynamodb.send(new GetItemCommand({ TableName: ctx.tableName, Key: marshall(key), ConsistentRead: true, ...projection(syncReadFields(ctx)) }));
  return res.Item ? presentFields(unmarshall(res.Item)) : undefined;
}

/** A row that settles a row-first event: in this pool, not a tombstone, not waiting for an invitation's answer. */
const settled = (ctx: UserEventsContext, row: Record<string, any>) =>
  (row.userPoolId === undefined || row.userPoolId === ctx.userPoolId) && TOMBSTONE_FIELDS.every((f) => row[f] === undefined) && (!ctx.rowsAtInvite || row[INVITED_FIELD] === undefined);

/** Signals come from parseUserEvent, which refuses malformed subs and usernames (rowKey refuses them again). */
export async function applyUserEvent(ctx: UserEventsContext, signal: Pick<UserSignal, "sub" | "username" | "userPoolId" | "rowFirst" | "deletes">): Promise<EventResult> {
  // Token-authorized calls carry no pool id; those are told apart by the lookups below.
  if (signal.userPoolId && signal.userPoolId !== ctx.userPoolId) return { outcome: "other-pool", sub: signal.sub };
  if (!signal.sub && !signal.username) return { outcome: "unidentified" };
  const now = ctx.now ?? (() => new Date());
  const layout = layoutOf(ctx);
  const writer = ctx.writer ?? rowWriterFor(ctx, ctx);

  // Row-first: creation and sign-in events are frequent and the row is usually there;
  // Cognito's shared quotas are spent only when it is not.
  if (signal.rowFirst && signal.sub) {
    const first = await readRow(ctx, rowKey(layout, signal.sub));
    if (first && settled(ctx, first)) return { outcome: "present", sub: signal.sub };
  }

  let user = await findUser(ctx, signal);
  const sub = (user && subOfUser(user)) ?? signal.sub;
  if (!sub) return { outcome: "unknown-user" };
  const key = rowKey(layout, sub);
  // Read again after Cognito answered: what is decided below must not rest on an older read.
  let row = await readRow(ctx, key);
  if (row && row.userPoolId !== undefined && row.userPoolId !== ctx.userPoolId) return { outcome: "other-pool", sub };
  // ListUsers lags behind deletes: before a row is created or a tombstone lifted, and after a
  // delete call, the user is whoever AdminGetUser (strongly consistent) says is there.
  if (user && (signal.deletes || !row || TOMBSTONE_FIELDS.some((f) => row![f] !== undefined))) user = await currentUser(ctx.cognito, ctx.userPoolId, user);

  if (!user) {
    if (!row) return { outcome: "unknown-user", sub };
    // Deleting user data needs a second, independent read that agrees, about the sub in the
    // row's own key: AdminGetUser (strongly consistent), so a ListUsers that lags never erases a live user.
    const rowSub = subOfKey(layout, row);
    if (rowSub === undefined) return { outcome: "unknown-user", sub };
    user = await liveUserBySub(ctx.cognito, ctx.userPoolId, rowSub, row.username);
    if (!user) return { outcome: await onDeleted(ctx, writer, key, row, now()), sub };
  }

  const cognitoUser = cognitoUserOf(user, ctx.userPoolId);
  if (!row) {
    if (!statusesWithRows(ctx).has(user.UserStatus ?? "")) return { outcome: "no-row", sub };
    const created = await writer.create(buildUserRecord(cognitoUser, { ...ctx, now: now() }));
    if (created === "created") return { outcome: "created", sub };
    // The trigger wrote it meanwhile: refresh what it could not know (enabled, later changes).
    row = await readRow(ctx, key);
    if (!row) return { outcome: "superseded", sub };
  }
  const diff = diffSyncOwned(row, syncOwnedValues(cognitoUser, ctx), ctx);
  if (isEmptyDiff(diff)) return { outcome: "unchanged", sub };
  const refreshed = await writer.refresh(key, diff, {
    now: now(),
    sourceModified: cognitoUser.lastModified,
    conflictDetection: Boolean(ctx.amplify?.conflictDetection),
  });
  return { outcome: refreshed === "updated" ? "refreshed" : "superseded", sub };
}

async function onDeleted(ctx: UserEventsContext, writer: RowWriter, key: Record<string, string>, row: Record<string, any>, now: Date): Promise<EventOutcome> {
  const conflictDetection = Boolean(ctx.amplify?.conflictDetection);
  const action = deletedRow(ctx.onUserDeleted, conflictDetection);
  if (action === "keep") return "kept";
  if (action === "delete") return (await writer.remove(key, ctx.userPoolId)) === "deleted" ? "deleted" : "superseded";
  // An erased row needs no second erasure (its deletedAt stays the first one's).
  const fields = personalFields(ctx).filter((f) => row[f] !== undefined);
  if (action === "erase" && row.deletedAt !== undefined && fields.length === 0) return "erased";
  const tombstone = action === "tombstone";
  // Nor does a tombstone our erasure made (a redelivered delete): another write would only bump _version.
  if (tombstone && row._deleted === true && row.deletedAt !== undefined) return "deleted";
  const outcome = await writer.erase(key, fields, { now, userPoolId: ctx.userPoolId, conflictDetection, tombstone });
  if (outcome !== "erased") return "superseded";
  return tombstone ? "deleted" : "erased";
}
