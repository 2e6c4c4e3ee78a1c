/**
 * Reconcile 10,000 users with 1,000 missing rows against the local stand-ins,
 * side by side with a naive loop doing one GetItem per user.
 *
 * Seeding: cognito-local rewrites its whole pool file on every write, so
 * 10,000 API sign-ups would take many minutes. The pool is created through the
 * API, cognito-local is stopped, the users are written into its own store
 * file in the shape AdminCreateUser + AdminSetUserPassword(Permanent) leave
 * them (CONFIRMED, with sub/email/email_verified/given_name), and it is
 * started again. The 9,000 present rows are written with BatchWriteItem from
 * the same buildUserRecord the trigger uses.
 */
import { CreateUserPoolCommand, ListUsersCommand } from "@aws-sdk/client-cognito-identity-provider";
import { BatchWriteItemCommand, GetItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROW_KEY } from "../../core/row-key";
import { DEFAULT_ATTRIBUTE_MAP } from "../../core/row-fields";
import { reconcile } from "../../core/reconcile/engine";
import { attributesFromList, buildUserRecord } from "../../core/user-record";
import { createUserRecordIfAbsent } from "../../core/user-store";
import { loadConfig } from "../../lib/settings";
import { usersTableSpec } from "../../lib/specs";
import { localCognitoClient, localDynamoDBClient } from "../../tools/local/clients";
import { startLocalCognito } from "../local/stand-ins/cognito";
import { startLocalDynamoDB } from "../local/stand-ins/dynamodb";
import { ensureUsersTable } from "../../tools/local/resources";
import { fmt, median } from "./stats";

const USERS = 10_000;
const MISSING = 1_000;
const TABLE = "bench-reconcile-users";

async function batchWrite(client: DynamoDBClient, requests: any[]): Promise<void> {
  for (let i = 0; i < requests.length; i += 25) {
    let items: any = { [TABLE]: requests.slice(i, i + 25) };
    while (items && Object.keys(items).length) {
      const res = await client.send(new BatchWriteItemCommand({ RequestItems: items }));
      items = res.UnprocessedItems;
    }
  }
}

/** The naive way: list users, then one GetItem per user, a put when missing. */
async function naiveReconcile(cognito: ReturnType<typeof localCognitoClient>, dynamo: DynamoDBClient, userPoolId: string): Promise<number> {
  let token: string | undefined;
  let created = 0;
  do {
    const page = await cognito.send(new ListUsersCommand({ UserPoolId: userPoolId, PaginationToken: token }));
    token = page.PaginationToken;
    for (const user of page.Users ?? []) {
      if (user.UserStatus !== "CONFIRMED") continue;
      const attributes = attributesFromList(user.Attributes);
      const got = await dynamo.send(new GetItemCommand({ TableName: TABLE, Key: { [ROW_KEY]: { S: attributes.sub } }, ConsistentRead: true }));
      if (got.Item) continue;
      const record = buildUserRecord({ userName: user.Username!, userPoolId, attributes }, { attributeMap: DEFAULT_ATTRIBUTE_MAP, now: new Date() });
      if ((await createUserRecordIfAbsent(dynamo, TABLE, record)) === "created") created++;
    }
  } while (token);
  return created;
}

export async function benchReconcile(rounds = 3): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "user-sync-bench-reconcile-"));
  const dataDir = join(dir, "cognito");
  const db = await startLocalDynamoDB();
  const dynamo = localDynamoDBClient(db.endpoint);
  await ensureUsersTable(dynamo, { ...usersTableSpec(loadConfig({ env: {}, file: false })), tableName: TABLE });

  const seedStarted = performance.now();
  let cognitoLocal = await startLocalCognito({ dataDir, lambdaEndpoint: "http://127.0.0.1:9" });
  let cognito = localCognitoClient(cognitoLocal.endpoint);
  const pool = await cognito.send(new CreateUserPoolCommand({ PoolName: "bench", UsernameAttributes: ["email"] }));
  const userPoolId = pool.UserPool!.Id!;
  cognito.destroy();
  await cognitoLocal.stop();

  const file = join(dataDir, `${userPoolId}.json`);
  const store = JSON.parse(readFileSync(file, "utf8"));
  const date = new Date().toISOString();
  const subs: string[] = [];
  for (let i = 0; i < USERS; i++) {
    const sub = randomUUID();
    subs.push(sub);
    store.Users[sub] = {
      Username: sub,
      Attributes: [
        { Name: "sub", Value: sub },
        { Name: "email", Value: `bench-${i}@example.com` },
        { Name: "email_verified", Value: "true" },
        { Name: "given_name", Value: `Bench${i}` },
      ],
      Enabled: true,
      UserStatus: "CONFIRMED",
      Password: "Correct-Horse-9",
      RefreshTokens: [],
      UserCreateDate: date,
      UserLastModifiedDate: date,
    };
  }
  writeFileSync(file, JSON.stringify(store));
  cognitoLocal = await startLocalCognito({ dataDir, lambdaEndpoint: "http://127.0.0.1:9" });
  cognito = localCognitoClient(cognitoLocal.endpoint);

  const present = subs.slice(MISSING).map((sub, i) => ({
    PutRequest: {
      Item: marshall(
        buildUserRecord(
          { userName: sub, userPoolId, attributes: { sub, email: `bench-${i + MISSING}@example.com`, email_verified: "true", given_name: `Bench${i + MISSING}` } },
          { attributeMap: DEFAULT_ATTRIBUTE_MAP, now: new Date() },
        ),
      ),
    },
  }));
  await batchWrite(dynamo, present);
  const deleteMissing = () => batchWrite(dynamo, subs.slice(0, MISSING).map((sub) => ({ DeleteRequest: { Key: { [ROW_KEY]: { S: sub } } } })));
  console.log(`\n## Reconcile: ${USERS} users, ${MISSING} rows missing (seeded in ${fmt((performance.now() - seedStarted) / 1000, 1)} s; see tools/bench/reconcile.ts for how)`);

  const ours: number[] = [];
  const naive: number[] = [];
  try {
    for (let r = 0; r < rounds; r++) {
      await deleteMissing();
      let t = performance.now();
      const report = await reconcile({ cognito, dynamodb: dynamo, userPoolId, tableName: TABLE, attributeMap: DEFAULT_ATTRIBUTE_MAP });
      ours.push(performance.now() - t);
      if (report.created !== MISSING || report.present !== USERS - MISSING || report.failed !== 0) throw new Error(`unexpected report ${JSON.stringify(report)}`);

      await deleteMissing();
      t = performance.now();
      const created = await naiveReconcile(cognito, dynamo, userPoolId);
      naive.push(performance.now() - t);
      if (created !== MISSING) throw new Error(`naive loop created ${created}`);
    }
  } finally {
    cognito.destroy();
    dynamo.destroy();
    await cognitoLocal.stop();
    await db.stop();
  }
  console.table([
    { variant: "npm run reconcile (BatchGetItem x100, 16 puts in flight)", "median s": fmt(median(ours) / 1000, 2), "users/s": fmt(USERS / (median(ours) / 1000)) },
    { variant: "naive loop (GetItem per user, sequential)", "median s": fmt(median(naive) / 1000, 2), "users/s": fmt(USERS / (median(naive) / 1000)) },
  ]);
  console.log(`reconcile is x${fmt(median(naive) / median(ours), 1)} faster than the naive loop (${rounds} rounds each, interleaved; the orphan scan is included in reconcile only)`);
}
