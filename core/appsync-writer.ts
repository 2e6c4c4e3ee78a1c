/**
 * Rows written through the app's own AppSync API (Amplify's model mutations)
 * instead of the table: AppSync then records each change in its Delta table
 * and fires its subscriptions, so DataStore clients and subscribers see new
 * users, profile changes and deletes at once. The same rules as the table
 * writer (user-store.ts):
 * - a create that finds the row is not an error ("exists");
 * - a refresh writes only the sync-owned fields that changed, on the version
 *   it read, and never older Cognito data (the update's condition); a
 *   conflict (another writer got there first, or AUTOMERGE kept the server's
 *   value) is re-read and retried, within the attempts given;
 * - a deleted user's row loses its personal fields (required ones are
 *   replaced by the configured placeholders) and then becomes AppSync's
 *   tombstone (`deleteUser`: `_deleted`), which DataStore clients receive.
 * AppSync's own fields (`_version`, `_lastChangedAt`, `_deleted`, `_ttl`,
 * `__typename`) are never sent: AppSync keeps them.
 */
import type { AppSyncClient, GraphQLError, GraphQLResponse } from "./appsync-client";

/** The model's GraphQL names; Amplify's defaults come from amplifyModelNames. */
export interface AppSyncModelNames {
  readonly typename: string;
  readonly get: string;
  readonly create: string;
  readonly update: string;
  readonly delete: string;
}

/** The names Amplify's transformer generates for `type <T> @model`. */
export const amplifyModelNames = (typename: string): AppSyncModelNames => ({
  typename,
  get: `get${typename}`,
  create: `create${typename}`,
  update: `update${typename}`,
  delete: `delete${typename}`,
});

export interface AppSyncUserWriterOptions {
  readonly model: AppSyncModelNames;
  /** The sync-owned fields the model has (what a write sends and reads back). */
  readonly fields: readonly string[];
  /** Values that replace required personal fields when a user is deleted (e.g. `{ email: "deleted@example.invalid" }`); every other personal field becomes null. @default {} */
  readonly erasedValues?: Readonly<Record<string, string | number | boolean>>;
  /**
   * The owner rule's field. A tombstone keeps it as the bare sub: Amplify's owner
   * rule accepts the sub alone, so the deleted user's devices still receive the
   * tombstone, and the username in `{sub}::{username}` is gone. @default undefined
   */
  readonly ownerField?: string;
  /** Tries of one write when conflicts keep coming. @default 4 */
  readonly maxAttempts?: number;
}

/** AppSync's own bookkeeping: never in an input. */
const APPSYNC_FIELDS = new Set(["__typename", "_version", "_lastChangedAt", "_deleted", "_ttl", "createdAt", "updatedAt"]);
const STAMP = "cognitoModifiedAt";
const ERASED = "deletedAt";

/** An answer the writer cannot act on (authorization, validation): fails the call, so the function's retry and alarms see it. */
export class AppSyncWriteError extends Error {
  name = "AppSyncWriteError";
  constructor(
    message: string,
    readonly errors: readonly GraphQLError[],
  ) {
    super(message);
  }
}

type Row = Record<string, any> & { id: string; _version: number; _deleted?: boolean | null };

const isConditionFailure = (e: GraphQLError) => e.errorType === "DynamoDB:ConditionalCheckFailedException";
const isConflict = (e: GraphQLError) => e.errorType === "ConflictUnhandled";

export class AppSyncUserWriter {
  private readonly selection: string;
  private readonly maxAttempts: number;

  constructor(
    private readonly client: Pick<AppSyncClient, "request">,
    private readonly options: AppSyncUserWriterOptions,
  ) {
    this.selection = [...new Set(["id", "_version", "_deleted", STAMP, ERASED, "updatedAt", ...options.fields])].join(" ");
    this.maxAttempts = options.maxAttempts ?? 4;
  }

  /** The row as AppSync serves it, or undefined. */
  async read(id: string): Promise<Row | undefined> {
    const { get, typename } = this.options.model;
    const res = await this.client.request<Record<string, Row | null>>(`query Get${typename}($id: ID!) { ${get}(id: $id) { ${this.selection} } }`, { id });
    this.failOn(res, `reading ${typename} ${id}`);
    return res.data?.[get] ?? undefined;
  }

  /** createUser; "exists" when a row with that id is already there (the trigger ran twice, or an event came first). */
  async create(record: Readonly<Record<string, unknown>>): Promise<"created" | "exists"> {
    const { create, typename } = this.options.model;
    const input = Object.fromEntries(Object.entries(record).filter(([field, value]) => !APPSYNC_FIELDS.has(field) && value !== undefined));
    const res = await this.client.request<Record<string, Row | null>>(`mutation Create${typename}($input: Create${typename}Input!) { ${create}(input: $input) { ${this.selection} } }`, { input });
    if (res.errors?.some(isConditionFailure)) return "exists";
    this.failOn(res, `creating ${typename} ${String(record.id)}`);
    return "created";
  }

  /**
   * Sets `set` and clears `remove` on the row, as of Cognito's `sourceModified`:
   * "skipped" when there is no row, it is a tombstone or an erased row (unless
   * the change lifts the erasure), or it holds newer Cognito data.
   */
  async refresh(id: string, change: { readonly set: Readonly<Record<string, unknown>>; readonly remove: readonly string[] }, sourceModified?: Date): Promise<"updated" | "skipped"> {
    const values: Record<string, unknown> = { ...change.set, ...Object.fromEntries(change.remove.map((f) => [f, null])) };
    for (const field of Object.keys(values)) if (APPSYNC_FIELDS.has(field)) delete values[field];
    const conditions: unknown[] = [];
    // An erased row stays erased: only a refresh decided on it (Cognito says the user lives) lifts it.
    if (!change.remove.includes(ERASED)) conditions.push({ [ERASED]: { attributeExists: false } });
    if (sourceModified) {
      values[STAMP] = sourceModified.toISOString();
      // Never older Cognito data: the row's stamp must be absent or not after this one.
      conditions.push({ or: [{ [STAMP]: { attributeExists: false } }, { [STAMP]: { le: sourceModified.toISOString() } }] });
    }
    return (await this.update(id, values, conditions.length > 1 ? { and: conditions } : conditions[0])) ? "updated" : "skipped";
  }

  /**
   * A deleted user's row: personal fields cleared (or replaced where the
   * schema requires a value), `deletedAt` and `enabled: false` set; with
   * `tombstone`, then `deleteUser`, AppSync's soft delete that DataStore
   * clients receive. Only a row of `userPoolId` is touched. Both steps are
   * idempotent, so a retried event finishes what a failed one began.
   */
  async erase(id: string, personalFields: readonly string[], options: { readonly now: Date; readonly userPoolId: string; readonly tombstone: boolean }): Promise<"erased" | "skipped"> {
    return this.eraseIf(id, personalFields, options, { userPoolId: { eq: options.userPoolId } });
  }

  /**
   * A prune: exactly the row that was read (its `_version`, and `updatedAt`
   * and pool unchanged) is erased and becomes the tombstone; "skipped" when it
   * changed since. The prune backed that very row up first.
   */
  async removeUnchanged(id: string, read: { readonly _version?: number; readonly updatedAt?: string; readonly userPoolId?: string }, personalFields: readonly string[], now: Date): Promise<"deleted" | "skipped"> {
    const same = (field: string, value: string | undefined) => (value === undefined ? { [field]: { attributeExists: false } } : { [field]: { eq: value } });
    const condition = { and: [same("updatedAt", read.updatedAt), same("userPoolId", read.userPoolId)] };
    const outcome = await this.eraseIf(id, personalFields, { now, tombstone: true }, condition, read._version);
    return outcome === "erased" ? "deleted" : "skipped";
  }

  /** The erasure (on `onlyVersion`, when given: another version is not the row that was read), then the tombstone. */
  private async eraseIf(id: string, personalFields: readonly string[], options: { readonly now: Date; readonly tombstone: boolean }, condition: unknown, onlyVersion?: number): Promise<"erased" | "skipped"> {
    const erased = this.options.erasedValues ?? {};
    const values: Record<string, unknown> = Object.fromEntries(personalFields.map((f) => [f, f === this.options.ownerField ? id : Object.hasOwn(erased, f) ? erased[f] : null]));
    values[ERASED] = options.now.toISOString();
    values.enabled = false;
    const cleared = await this.update(id, values, condition, { keepDeletedAt: true, onlyVersion });
    if (!cleared) return "skipped";
    if (!options.tombstone) return "erased";
    // The erasure just landed, and its condition held: the delete follows it, on the version it wrote.
    const outcome = await this.remove(id, cleared._version);
    // Gone meanwhile (another delete got there first) is the same end.
    return outcome === "skipped" ? "skipped" : "erased";
  }

  /** deleteUser on `version` (the one just written), then, after a conflict, on the version read again. */
  private async remove(id: string, version: number): Promise<"deleted" | "gone" | "skipped"> {
    const { delete: remove, typename } = this.options.model;
    for (let attempt = 1; ; attempt++) {
      if (attempt > 1) {
        const row = await this.read(id);
        if (!row || row._deleted) return "gone";
        version = row._version;
      }
      const res = await this.client.request<Record<string, Row | null>>(`mutation Delete${typename}($input: Delete${typename}Input!) { ${remove}(input: $input) { id _version _deleted } }`, {
        input: { id, _version: version },
      });
      const errors = res.errors ?? [];
      if (!errors.length) return "deleted";
      if (errors.some(isConditionFailure)) return "skipped";
      if (!errors.some(isConflict)) this.failOn(res, `deleting ${typename} ${id}`);
      if (attempt >= this.maxAttempts) throw new AppSyncWriteError(`${remove} of ${id} did not land after ${attempt} tries (a conflict each time)`, errors);
    }
  }

  /**
   * updateUser on the version just read; a conflict, or AUTOMERGE keeping the
   * server's value, is read again and retried. With `onlyVersion`, a row at
   * another version is skipped instead. The written row, or undefined: skipped.
   */
  private async update(id: string, values: Record<string, unknown>, condition: unknown, options: { keepDeletedAt?: boolean; onlyVersion?: number } = {}): Promise<Row | undefined> {
    const { update, typename } = this.options.model;
    for (let attempt = 1; ; attempt++) {
      const row = await this.read(id);
      if (!row || row._deleted) return undefined;
      if (options.onlyVersion !== undefined && row._version !== options.onlyVersion) return undefined;
      // An erasure keeps the first erasure's time.
      const input = { ...values, ...(options.keepDeletedAt && row[ERASED] ? { [ERASED]: row[ERASED] } : {}), id, _version: row._version };
      const res: GraphQLResponse<Record<string, Row | null>> = await this.client.request(
        `mutation Update${typename}($input: Update${typename}Input!, $condition: Model${typename}ConditionInput) { ${update}(input: $input, condition: $condition) { ${this.selection} } }`,
        { input, condition },
      );
      const errors = res.errors ?? [];
      if (errors.some(isConditionFailure)) return undefined;
      if (errors.length && !errors.some(isConflict)) this.failOn(res, `updating ${typename} ${id}`);
      const written = res.data?.[update];
      if (!errors.length && written && landed(values, written)) return written;
      if (attempt >= this.maxAttempts) {
        throw new AppSyncWriteError(`${update} of ${id} did not land after ${attempt} tries (a conflict each time)`, errors);
      }
    }
  }

  private failOn(res: GraphQLResponse<unknown>, what: string): void {
    if (!res.errors?.length) return;
    const first = res.errors[0];
    throw new AppSyncWriteError(`${what}: ${first.errorType ?? "error"}: ${first.message}`, res.errors);
  }
}

/** Whether the written row holds every value sent (AUTOMERGE keeps a server value silently). */
function landed(values: Record<string, unknown>, written: Record<string, unknown>): boolean {
  return Object.entries(values).every(([field, value]) => !(field in written) || JSON.stringify(written[field] ?? null) === JSON.stringify(value ?? null));
}
