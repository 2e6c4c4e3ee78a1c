/**
 * Every write a function makes to a user's row goes through one RowWriter,
 * chosen once per function from its settings: the table (conditional
 * DynamoDB writes, user-store.ts) or the app's AppSync API (its model
 * mutations, appsync-writer.ts), never a mix. Rows are always read from
 * the table (strongly consistent); the two writers keep the same rules.
 */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";
import { AppSyncClient } from "./appsync-client";
import { regionOfUrl } from "./appsync-address";
import { amplifyModelNames, AppSyncUserWriter } from "./appsync-writer";
import type { FunctionSettings } from "./function-env";
import { layoutOf, type KeyLayout } from "./row-key";
import { personalFields, syncOwnedFields, type RowDiff, type RowMapping, type UserRecord } from "./user-record";
import { createUserRecordIfAbsent, deleteUnchangedRecord, deleteUserRecord, eraseUserRecord, refreshUserRecord, type EraseOptions, type RefreshOptions } from "./user-store";

export type RowKey = Record<string, string>;

export interface RowWriter {
  /** "table": DynamoDB writes; "api": AppSync mutations. */
  readonly kind: "table" | "api";
  /** Creates the row unless one exists ("exists" is success). */
  create(record: UserRecord): Promise<"created" | "exists">;
  /** The changed sync-owned fields; "skipped" when there is no row, it is erased or a tombstone, or it holds newer Cognito data. */
  refresh(key: RowKey, diff: RowDiff, options: RefreshOptions): Promise<"updated" | "skipped">;
  /** A deleted user's row loses its personal fields (`tombstone`: and becomes AppSync's soft delete); only a row of the pool. */
  erase(key: RowKey, fields: readonly string[], options: EraseOptions): Promise<"erased" | "skipped">;
  /** Removes the row, only if it is the pool's. */
  remove(key: RowKey, userPoolId: string): Promise<"deleted" | "skipped">;
  /** Removes exactly the row read (as `read`, the whole item): "skipped" when it changed since. For a prune, which backed it up. */
  removeUnchanged(key: RowKey, read: Readonly<Record<string, unknown>>): Promise<"deleted" | "skipped">;
}

/** Conditional DynamoDB writes to the Users table. */
export function tableRowWriter(client: Pick<DynamoDBClient, "send">, tableName: string, layout: KeyLayout): RowWriter {
  return {
    kind: "table",
    create: (record) => createUserRecordIfAbsent(client, tableName, record, layout),
    refresh: (key, diff, options) => refreshUserRecord(client, tableName, key, diff, options),
    erase: (key, fields, options) => eraseUserRecord(client, tableName, key, fields, options),
    remove: (key, userPoolId) => deleteUserRecord(client, tableName, key, userPoolId),
    removeUnchanged: (key, read) => deleteUnchangedRecord(client, tableName, key, read),
  };
}

/** The model's id is the row's key: the API writer needs the default layout (checked at synth). */
const idOf = (key: RowKey): string => {
  const values = Object.values(key);
  if (values.length !== 1 || typeof key.id !== "string") throw new Error(`writing through AppSync needs rows keyed by id alone; this key has ${Object.keys(key).join(", ")}`);
  return values[0];
};

/** The fields an API write sends and reads back: the sync-owned ones AppSync does not keep itself. */
export const apiFields = (mapping: RowMapping): string[] => syncOwnedFields(mapping).filter((f) => f !== "__typename");

/** The app's AppSync API, through the model's mutations; a prune erases `personal` before the tombstone. */
export function apiRowWriter(writer: AppSyncUserWriter, personal: readonly string[]): RowWriter {
  return {
    kind: "api",
    create: (record) => writer.create(record),
    refresh: (key, diff, options) => writer.refresh(idOf(key), diff, options.sourceModified),
    erase: (key, fields, options) => writer.erase(idOf(key), fields, { now: options.now, userPoolId: options.userPoolId, tombstone: Boolean(options.tombstone) }),
    // Without conflict detection deleteUser removes the item; with it, it is the tombstone.
    remove: async (key, userPoolId) => ((await writer.erase(idOf(key), [], { now: new Date(), userPoolId, tombstone: true })) === "erased" ? "deleted" : "skipped"),
    removeUnchanged: (key, read) => {
      const text = (field: string) => (typeof read[field] === "string" ? (read[field] as string) : undefined);
      return writer.removeUnchanged(idOf(key), { _version: typeof read._version === "number" ? read._version : undefined, updatedAt: text("updatedAt"), userPoolId: text("userPoolId") }, personal, new Date());
    },
  };
}

export interface RowWriterClients {
  readonly dynamodb: Pick<DynamoDBClient, "send">;
  /** The function's own credentials, to sign AppSync requests. */
  readonly credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** The region of an API on a loopback URL (AppSync's own URLs name theirs). */
  readonly region?: string;
  /** One AppSync request's budget. @default the client's */
  readonly timeoutMs?: number;
}

/** The AppSync writer for these settings (they name an API). */
export function appSyncUserWriter(settings: FunctionSettings, clients: Omit<RowWriterClients, "dynamodb">): AppSyncUserWriter {
  const api = settings.amplifyApi;
  if (!api || !settings.amplify) throw new Error("writing through AppSync needs the amplifyApi and amplifyTypename settings");
  const region = regionOfUrl(api.url) ?? clients.region;
  if (!region) throw new Error(`the region of ${api.url} is unknown: set AWS_REGION`);
  if (!clients.credentials) throw new Error("writing through AppSync needs credentials to sign with");
  const client = new AppSyncClient({ url: api.url, region, credentials: clients.credentials, timeoutMs: clients.timeoutMs });
  return new AppSyncUserWriter(client, {
    model: { ...amplifyModelNames(settings.amplify.typename), ...api.modelNames },
    fields: apiFields(settings),
    erasedValues: api.erasedValues,
    ownerField: settings.amplify.ownerField,
  });
}

/** A function's writer: it signs AppSync requests with the DynamoDB client's own credentials, in the function's region. */
export function functionRowWriter(settings: FunctionSettings, dynamodb: DynamoDBClient, timeoutMs?: number): RowWriter {
  return rowWriterFor(settings, { dynamodb, credentials: dynamodb.config.credentials, region: process.env.AWS_REGION, timeoutMs });
}

/** The one writer of a function: the API when the settings name one, else the table. */
export function rowWriterFor(settings: FunctionSettings, clients: RowWriterClients): RowWriter {
  if (settings.amplifyApi) return apiRowWriter(appSyncUserWriter(settings, clients), personalFields(settings));
  return tableRowWriter(clients.dynamodb, settings.tableName, layoutOf(settings));
}
