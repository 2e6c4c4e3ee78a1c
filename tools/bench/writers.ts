/**
 * The two row writers side by side, in one process on loopback: a create, a
 * refresh and a deleted user's row, through the table (conditional DynamoDB
 * writes) and through the app's API (Amplify's resolvers in the local
 * AppSync, conflict detection on). Medians per operation, the ratio, and the
 * requests each makes (on AWS every AppSync request is billed and crosses
 * the network; loopback only shows the work and the round trips).
 */
import { AppSyncClient } from "../../core/appsync-client";
import { amplifyModelNames, AppSyncUserWriter } from "../../core/appsync-writer";
import { apiFields, apiRowWriter, tableRowWriter, type RowWriter } from "../../core/row-writer";
import { personalFields, type RowMapping } from "../../core/user-record";
import { LOCAL_CREDENTIALS, localDynamoDBClient } from "../local/clients";
import { startLocalAppSync } from "../local/stand-ins/appsync/local-appsync";
import { startLocalDynamoDB } from "../local/stand-ins/dynamodb";
import { fmt, median } from "./stats";

const USERS = 200;
const POOL = "us-east-1_Bench";
const MAPPING: RowMapping = { attributeMap: { given_name: "givenName" }, amplify: { typename: "User", ownerField: "owner", ownerFormat: "{sub}::{username}", conflictDetection: true } };
const SCHEMA = `type User @model @auth(rules: [{ allow: owner }, { allow: private, provider: iam }]) {
  id: ID!
  username: String
  email: AWSEmail!
  emailVerified: Boolean
  givenName: String
  userPoolId: String
  enabled: Boolean
  deletedAt: AWSDateTime
  cognitoModifiedAt: AWSDateTime
  owner: String
}`;

export async function benchWriters(): Promise<void> {
  const db = await startLocalDynamoDB();
  const dynamo = localDynamoDBClient(db.endpoint);
  const appsync = await startLocalAppSync({ schema: SCHEMA, dynamodbEndpoint: db.endpoint, apiId: "benchwriters" });
  let requests = 0;
  const iam = new AppSyncClient({ url: appsync.url, region: appsync.region, credentials: LOCAL_CREDENTIALS });
  const counted = { request: <T>(q: string, v: Record<string, unknown>) => (requests++, iam.request<T>(q, v)) };
  const writers: Array<[string, RowWriter]> = [
    ["table", tableRowWriter(dynamo, appsync.tables.User, { partitionKey: { name: "id", value: "{sub}" } })],
    ["API", apiRowWriter(new AppSyncUserWriter(counted, { model: amplifyModelNames("User"), fields: apiFields(MAPPING), erasedValues: { email: "deleted@example.invalid" }, ownerField: "owner" }), personalFields(MAPPING))],
  ];
  try {
    const rows: Array<Record<string, string>> = [];
    for (const [name, writer] of writers) {
      const times: Record<string, number[]> = { create: [], refresh: [], delete: [] };
      const calls: Record<string, number> = { create: 0, refresh: 0, delete: 0 };
      const timed = async (op: string, work: () => Promise<unknown>) => {
        const before = requests;
        const started = performance.now();
        await work();
        times[op].push(performance.now() - started);
        calls[op] += requests - before;
      };
      for (let i = 0; i < USERS; i++) {
        const sub = `${name.toLowerCase()}-0000-4000-8000-${String(i).padStart(12, "0")}`;
        const key = { id: sub };
        const at = new Date(Date.UTC(2026, 0, 1, 0, 0, i));
        await timed("create", () => writer.create({ id: sub, username: `u${i}`, email: `u${i}@example.com`, userPoolId: POOL, owner: `${sub}::u${i}`, __typename: "User", _version: 1, _lastChangedAt: at.getTime(), createdAt: at.toISOString(), updatedAt: at.toISOString() }));
        await timed("refresh", () => writer.refresh(key, { set: { givenName: `G${i}` }, remove: [] }, { now: at, sourceModified: at, conflictDetection: true }));
        await timed("delete", () => writer.erase(key, personalFields(MAPPING), { now: at, userPoolId: POOL, conflictDetection: true, tombstone: true }));
      }
      for (const op of Object.keys(times)) {
        rows.push({ writer: name, operation: op, "median ms": fmt(median(times[op]), 2), "AppSync requests": name === "API" ? fmt(calls[op] / USERS, 1) : "0 (1 DynamoDB write)" });
      }
    }
    console.log(`\nRow writers: ${USERS} users each, create, refresh and delete (erase + tombstone), one at a time on loopback`);
    console.table(rows);
    for (const op of ["create", "refresh", "delete"]) {
      const [table, api] = ["table", "API"].map((w) => Number(rows.find((r) => r.writer === w && r.operation === op)!["median ms"]));
      console.log(`  ${op}: the API writer takes ${fmt(api / table, 1)}x the table writer's time`);
    }
  } finally {
    await appsync.stop();
    dynamo.destroy();
    await db.stop();
  }
}
