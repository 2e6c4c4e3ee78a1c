/**
 * Makes the Users table converge with the user pool: every user who can sign
 * in gets the row the trigger would have written (same pure mapping, same
 * conditional put, so it never overwrites and is safe during sign-ups and on
 * re-runs), and rows whose user is gone are reported (and pruned on request).
 */
import { ListUsersCommand, type CognitoIdentityProviderClient, type UserType } from "@aws-sdk/client-cognito-identity-provider";
import {
  BatchGetItemCommand,
  DeleteItemCommand,
  ScanCommand,
  type AttributeValue,
  type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import { retriesOf } from "../clients";
import { ROW_KEY } from "../contract";
import { inParallel } from "../in-parallel";
import { attributesFromList, buildUserRecord } from "../user-record";
import { createUserRecordIfAbsent } from "../user-store";
import { backoffMs, RateLimiter, realSleep, type Sleep } from "./pacing";

/**
 * Statuses whose users can sign in, so must have a row: CONFIRMED (signed up
 * and confirmed, or admin-created users once they set their password),
 * EXTERNAL_PROVIDER (federated users, for whom PostConfirmation may never
 * fire) and RESET_REQUIRED (confirmed users whose password an admin reset).
 */
export const EXPECTED_STATUSES = ["CONFIRMED", "EXTERNAL_PROVIDER", "RESET_REQUIRED"] as const;
/** Added by --include-unconfirmed: users who have not finished signing up yet. */
export const UNCONFIRMED_STATUSES = ["UNCONFIRMED", "FORCE_CHANGE_PASSWORD"] as const;

/** ListUsers returns at most 60 users a page. */
const LIST_USERS_PAGE = 60;
/** BatchGetItem takes at most 100 keys. */
const BATCH_GET_MAX = 100;

export interface ReconcileOptions {
  /** Retries throttled calls itself (see core/clients.ts). */
  readonly cognito: Pick<CognitoIdentityProviderClient, "send">;
  readonly dynamodb: Pick<DynamoDBClient, "send">;
  readonly userPoolId: string;
  readonly tableName: string;
  /** Cognito attribute -> row field, as the trigger uses it (from the config). */
  readonly attributeMap: Readonly<Record<string, string>>;
  /** Amplify DataStore fields, as the trigger writes them. @default off */
  readonly amplifyTypename?: string;
  /** Write and delete nothing. @default false */
  readonly dryRun?: boolean;
  /** Also expect rows for UNCONFIRMED and FORCE_CHANGE_PASSWORD users. @default false */
  readonly includeUnconfirmed?: boolean;
  /** Delete orphan rows (after listing them). @default false */
  readonly pruneOrphans?: boolean;
  /** Cognito requests per second (ListUsers quota is ~30/s per account). @default 20 */
  readonly rate?: number;
  /** Conditional puts in flight. @default 16 */
  readonly writeConcurrency?: number;
  /** Rounds of UnprocessedKeys retries. @default 8 */
  readonly maxRetries?: number;
  readonly onProgress?: (progress: ReconcileProgress) => void;
  /** Called with the orphan ids before any is deleted. */
  readonly onOrphans?: (ids: readonly string[]) => void;
  /** For tests. @default real timers */
  readonly sleep?: Sleep;
  readonly now?: () => number;
}

export interface ReconcileProgress {
  readonly phase: "users" | "orphans";
  readonly scanned: number;
  readonly present: number;
  readonly created: number;
  readonly failed: number;
}

export interface ReconcileFailure {
  readonly sub?: string;
  readonly username?: string;
  readonly error: string;
}

export interface ReconcileReport {
  readonly userPoolId: string;
  readonly tableName: string;
  readonly dryRun: boolean;
  /** Users listed from the pool. */
  scanned: number;
  /** Users whose status means they must have a row. */
  expected: number;
  /** Users by status. */
  byStatus: Record<string, number>;
  /** Expected users whose row exists (including rows the trigger wrote while we ran). */
  present: number;
  /** Expected users with no row when checked. */
  missing: number;
  /** Rows this run wrote. */
  created: number;
  /** Expected users we could neither confirm nor repair. */
  failed: number;
  failures: ReconcileFailure[];
  /** Rows whose sub is not in the pool. */
  orphans: number;
  orphanIds: string[];
  /** Orphan rows this run deleted. */
  pruned: number;
  /** Requests the SDK retried (throttling or transient errors). */
  retried: number;
  durationMs: number;
}

const errorText = (err: unknown) => `${(err as Error).name ?? "Error"}: ${(err as Error).message ?? String(err)}`;
const subOf = (user: UserType) => user.Attributes?.find((a) => a.Name === "sub")?.Value;

export async function reconcile(options: ReconcileOptions): Promise<ReconcileReport> {
  const sleep = options.sleep ?? realSleep;
  const now = options.now ?? Date.now;
  const started = now();
  const maxRetries = options.maxRetries ?? 8;
  const limiter = new RateLimiter(options.rate ?? 20, sleep, now);
  const expectedStatuses = new Set<string>([...EXPECTED_STATUSES, ...(options.includeUnconfirmed ? UNCONFIRMED_STATUSES : [])]);
  const report: ReconcileReport = {
    userPoolId: options.userPoolId,
    tableName: options.tableName,
    dryRun: Boolean(options.dryRun),
    scanned: 0,
    expected: 0,
    byStatus: {},
    present: 0,
    missing: 0,
    created: 0,
    failed: 0,
    failures: [],
    orphans: 0,
    orphanIds: [],
    pruned: 0,
    retried: 0,
    durationMs: 0,
  };
  /** Sends one request, counting the SDK's retries. */
  const counted = async <T extends { $metadata?: { attempts?: number } }>(response: Promise<T>): Promise<T> => {
    const res = await response;
    report.retried += retriesOf(res);
    return res;
  };
  const progress = (phase: ReconcileProgress["phase"]) =>
    options.onProgress?.({ phase, scanned: report.scanned, present: report.present, created: report.created, failed: report.failed });
  const fail = (user: UserType, err: unknown) => {
    report.failed++;
    report.failures.push({ sub: subOf(user), username: user.Username, error: typeof err === "string" ? err : errorText(err) });
  };

  /** Which of these subs have a row, following UnprocessedKeys. */
  async function existingSubs(subs: string[]): Promise<{ found: Set<string>; unprocessed: Set<string> }> {
    const found = new Set<string>();
    let keys: Record<string, AttributeValue>[] = subs.map((s) => ({ [ROW_KEY]: { S: s } }));
    for (let attempt = 0; keys.length > 0; attempt++) {
      if (attempt > maxRetries) break;
      if (attempt > 0) await sleep(backoffMs(attempt - 1));
      const res = await counted(
        options.dynamodb.send(
          new BatchGetItemCommand({
            RequestItems: {
              [options.tableName]: { Keys: keys, ProjectionExpression: "#k", ExpressionAttributeNames: { "#k": ROW_KEY }, ConsistentRead: true },
            },
          }),
        ),
      );
      for (const item of res.Responses?.[options.tableName] ?? []) found.add(item[ROW_KEY].S!);
      keys = (res.UnprocessedKeys?.[options.tableName]?.Keys as Record<string, AttributeValue>[] | undefined) ?? [];
    }
    return { found, unprocessed: new Set(keys.map((k) => k[ROW_KEY].S!)) };
  }

  /** Checks a batch of expected users and writes the missing rows. */
  async function repair(users: UserType[]): Promise<void> {
    const bySub = new Map<string, UserType>();
    for (const user of users) {
      const sub = subOf(user);
      if (!sub) fail(user, "user has no sub attribute; cannot key a row");
      else bySub.set(sub, user);
    }
    const subs = [...bySub.keys()];
    for (let i = 0; i < subs.length; i += BATCH_GET_MAX) {
      const chunk = subs.slice(i, i + BATCH_GET_MAX);
      let found: Set<string>;
      let unprocessed: Set<string>;
      try {
        ({ found, unprocessed } = await existingSubs(chunk));
      } catch (err) {
        for (const sub of chunk) fail(bySub.get(sub)!, err);
        continue;
      }
      const missing: UserType[] = [];
      for (const sub of chunk) {
        if (found.has(sub)) report.present++;
        else if (unprocessed.has(sub)) fail(bySub.get(sub)!, `BatchGetItem left the key unprocessed after ${maxRetries} retries`);
        else missing.push(bySub.get(sub)!);
      }
      report.missing += missing.length;
      if (options.dryRun) continue;
      await inParallel(missing, options.writeConcurrency ?? 16, async (user) => {
        try {
          const record = buildUserRecord(
            { userName: user.Username ?? "", userPoolId: options.userPoolId, attributes: attributesFromList(user.Attributes) },
            { attributeMap: options.attributeMap, amplifyTypename: options.amplifyTypename, now: new Date(now()) },
          );
          const outcome = await createUserRecordIfAbsent(options.dynamodb, options.tableName, record);
          // "exists": the trigger wrote it between our check and our put.
          if (outcome === "created") report.created++;
          else report.present++;
        } catch (err) {
          fail(user, err);
        }
      });
    }
  }

  // Users: page through the pool at a steady rate; check and repair each page
  // while the next one is fetched.
  const poolSubs = new Set<string>();
  let token: string | undefined;
  let inFlight: Promise<void> = Promise.resolve();
  do {
    await limiter.wait();
    const page = await counted(
      options.cognito.send(new ListUsersCommand({ UserPoolId: options.userPoolId, Limit: LIST_USERS_PAGE, PaginationToken: token })),
    );
    token = page.PaginationToken;
    const users = page.Users ?? [];
    const expected: UserType[] = [];
    for (const user of users) {
      report.scanned++;
      const status = user.UserStatus ?? "UNKNOWN";
      report.byStatus[status] = (report.byStatus[status] ?? 0) + 1;
      const sub = subOf(user);
      if (sub) poolSubs.add(sub);
      if (expectedStatuses.has(status)) expected.push(user);
    }
    report.expected += expected.length;
    await inFlight;
    progress("users");
    inFlight = repair(expected);
  } while (token);
  await inFlight;
  progress("users");

  // Orphans: rows whose sub is not in the pool. Each candidate is looked up
  // again, so a user who signed up during the run is never reported or pruned.
  const candidates: string[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await counted(
      options.dynamodb.send(
        new ScanCommand({
          TableName: options.tableName,
          ProjectionExpression: "#k",
          ExpressionAttributeNames: { "#k": ROW_KEY },
          ExclusiveStartKey: startKey,
        }),
      ),
    );
    for (const item of page.Items ?? []) {
      const id = item[ROW_KEY]?.S;
      if (id !== undefined && !poolSubs.has(id)) candidates.push(id);
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  for (const id of candidates) {
    await limiter.wait();
    const found = await counted(
      options.cognito.send(new ListUsersCommand({ UserPoolId: options.userPoolId, Filter: `sub = "${id.replace(/["\\]/g, "\\$&")}"`, Limit: 1 })),
    );
    if ((found.Users ?? []).length === 0) report.orphanIds.push(id);
  }
  report.orphans = report.orphanIds.length;
  progress("orphans");
  options.onOrphans?.(report.orphanIds);

  if (options.pruneOrphans && !options.dryRun) {
    for (const id of report.orphanIds) {
      try {
        await counted(
          options.dynamodb.send(
            new DeleteItemCommand({
              TableName: options.tableName,
              Key: { [ROW_KEY]: { S: id } },
              ConditionExpression: "attribute_exists(#k)",
              ExpressionAttributeNames: { "#k": ROW_KEY },
            }),
          ),
        );
        report.pruned++;
      } catch (err) {
        if ((err as Error).name !== "ConditionalCheckFailedException") {
          report.failed++;
          report.failures.push({ sub: id, error: `could not delete orphan row: ${errorText(err)}` });
        }
      }
    }
  }

  report.durationMs = now() - started;
  return report;
}
