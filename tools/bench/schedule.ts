/**
 * The scheduled reconcile's worker loop (core/reconcile/worker.ts, called
 * step after step as the state machine does) over 100,000 users.
 *
 * ListUsers is simulated by the paged Cognito stand-in
 * (tools/local/paged-cognito.ts): real HTTP, pages of 60, and a token bucket
 * of R requests/s that answers TooManyRequestsException beyond it, as
 * Cognito's quota does. On real AWS that quota is the floor: 60·R users/s.
 * DynamoDB is dynalite. Every request the worker makes is counted, and the
 * AWS cost of one run is projected from those counts.
 */
import type { UserType } from "@aws-sdk/client-cognito-identity-provider";
import { BatchWriteItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SFNClient } from "@aws-sdk/client-sfn";
import { marshall } from "@aws-sdk/util-dynamodb";
import { BATCH_CLIENT, createCognitoClient } from "../../core/clients";
import { DEFAULT_ATTRIBUTE_MAP } from "../../core/row-fields";
import { step, type RunState } from "../../core/reconcile/worker";
import { buildUserRecord } from "../../core/user-record";
import { loadConfig } from "../../lib/settings";
import { usersTableSpec } from "../../lib/specs";
import { LOCAL_CREDENTIALS, localDynamoDBClient } from "../local/clients";
import { createTable, startLocalDynamoDB } from "../local/stand-ins/dynamodb";
import { startPagedCognito } from "../local/stand-ins/paged-cognito";
import { createScratchTableInput, createTableInput } from "../local/resources";
import { fmt } from "./stats";

const USERS = 100_000;
const MISSING = 5_000;
const RATE = 30;
const POOL = "us-east-1_Bench0001";
const TABLE = "bench-schedule-users";
const SCRATCH = "bench-schedule-scratch";
const SLICE_MS = 20_000;

/** us-east-1 on-demand prices (AWS price pages, November 2026). */
const PRICE = {
  dynamoReadUnit: 0.125 / 1e6,
  dynamoWriteUnit: 0.625 / 1e6,
  lambdaGbSecondArm: 0.0000133334,
  lambdaRequest: 0.2 / 1e6,
  stateTransition: 0.025 / 1000,
};

interface Counts {
  /** Size of a stored row, for what a scan reads. */
  itemBytes: number;
  readUnits: number;
  writeUnits: number;
  requests: Record<string, number>;
}

/** Counts DynamoDB requests and the capacity units AWS would bill for them (4 KB reads, 1 KB writes). */
function counting(client: DynamoDBClient, counts: Counts): DynamoDBClient {
  const size = (item: unknown) => Buffer.byteLength(JSON.stringify(item));
  const send = client.send.bind(client);
  (client as any).send = async (command: any, options?: any) => {
    const name = command.constructor.name.replace(/Command$/, "");
    counts.requests[name] = (counts.requests[name] ?? 0) + 1;
    const res: any = await send(command, options);
    const input = command.input;
    if (name === "BatchGetItem") for (const items of Object.values<any>(res.Responses ?? {})) counts.readUnits += items.reduce((n: number, i: unknown) => n + Math.ceil(size(i) / 4096), 0) || 0;
    if (name === "BatchGetItem") for (const r of Object.values<any>(input.RequestItems)) counts.readUnits += r.Keys.length - (res.Responses?.[Object.keys(input.RequestItems)[0]]?.length ?? 0);
    // A scan is billed on what it reads (whole items, eventually consistent: half), not on what it returns.
    if (name === "Scan") counts.readUnits += Math.ceil(((res.ScannedCount ?? 0) * counts.itemBytes) / 4096 / 2);
    if (name === "Query") counts.readUnits += Math.ceil((res.Items ?? []).reduce((n: number, i: unknown) => n + size(i), 0) / 4096);
    if (name === "PutItem" || name === "UpdateItem" || name === "DeleteItem") counts.writeUnits += Math.max(1, Math.ceil(size(input.Item ?? {}) / 1024));
    if (name === "BatchWriteItem") for (const reqs of Object.values<any>(input.RequestItems)) for (const r of reqs) counts.writeUnits += Math.max(1, Math.ceil(size(r.PutRequest?.Item ?? {}) / 1024));
    if (name === "DescribeTable" || name === "GetItem") counts.readUnits += name === "GetItem" ? 1 : 0;
    return res;
  };
  return client;
}

export async function benchSchedule(): Promise<void> {
  const users: UserType[] = Array.from({ length: USERS }, (_, i) => ({
    Username: `user-${i}`,
    UserStatus: "CONFIRMED",
    Enabled: true,
    UserLastModifiedDate: new Date("2026-11-01T00:00:00Z"),
    Attributes: [
      { Name: "sub", Value: `${String(i).padStart(8, "0")}-0000-4000-8000-000000000000` },
      { Name: "email", Value: `bench${i}@example.com` },
      { Name: "email_verified", Value: "true" },
      { Name: "given_name", Value: `Bench${i}` },
    ],
  }));
  const db = await startLocalDynamoDB();
  const raw = localDynamoDBClient(db.endpoint);
  await createTable(raw, createTableInput({ ...usersTableSpec(loadConfig({ env: {}, file: false })), tableName: TABLE }));
  await createTable(raw, createScratchTableInput(SCRATCH));
  const seedStarted = performance.now();
  const rows = users.slice(MISSING).map((u) =>
    buildUserRecord(
      { userName: u.Username!, userPoolId: POOL, attributes: Object.fromEntries(u.Attributes!.map((a) => [a.Name!, a.Value!])), lastModified: u.UserLastModifiedDate },
      { attributeMap: DEFAULT_ATTRIBUTE_MAP, now: new Date() },
    ),
  );
  const itemBytes = Buffer.byteLength(JSON.stringify(marshall(rows[0])));
  await Promise.all(
    Array.from({ length: 8 }, async (_, w) => {
      for (let i = w * 25; i < rows.length; i += 8 * 25) {
        let pending: any = { [TABLE]: rows.slice(i, i + 25).map((r) => ({ PutRequest: { Item: marshall(r) } })) };
        while (pending && Object.keys(pending).length) pending = (await raw.send(new BatchWriteItemCommand({ RequestItems: pending }))).UnprocessedItems;
      }
    }),
  );
  const cognitoServer = await startPagedCognito({ users: () => users, userPoolId: POOL, rate: RATE });
  const counts: Counts = { itemBytes, readUnits: 0, writeUnits: 0, requests: {} };
  const dynamodb = counting(localDynamoDBClient(db.endpoint), counts);
  const cognito = createCognitoClient(BATCH_CLIENT, { endpoint: cognitoServer.endpoint, region: "us-east-1", credentials: LOCAL_CREDENTIALS });
  const sfn = new SFNClient({ region: "us-east-1", credentials: LOCAL_CREDENTIALS });
  console.log(`\n## Scheduled reconcile: ${USERS.toLocaleString()} users, ${MISSING.toLocaleString()} rows missing (seeded in ${fmt((performance.now() - seedStarted) / 1000, 1)} s)`);

  let state: RunState | undefined;
  const stepTimes: Array<{ phase: string; ms: number; bytes: number }> = [];
  const started = performance.now();
  try {
    do {
      const t = performance.now();
      const before = state?.phase ?? "users";
      state = await step(
        { state },
        {
          cognito,
          dynamodb,
          sfn,
          settings: { userPoolId: POOL, tableName: TABLE, scratchTableName: SCRATCH, attributeMap: DEFAULT_ATTRIBUTE_MAP, rate: RATE, sliceMs: SLICE_MS, prune: false },
          remainingMs: () => 900_000,
        },
      );
      stepTimes.push({ phase: before, ms: performance.now() - t, bytes: Buffer.byteLength(JSON.stringify(state)) });
    } while (state.phase !== "done");
  } finally {
    cognito.destroy();
    dynamodb.destroy();
    raw.destroy();
    sfn.destroy();
    await cognitoServer.stop();
    await db.stop();
  }
  const totalMs = performance.now() - started;
  const report = state!.report;
  if (report.scanned !== USERS || report.created !== MISSING || report.failed !== 0) throw new Error(`unexpected report ${JSON.stringify(report)}`);
  // The users phase is the listing: from the first ListUsers request to the last (the stand-in times them).
  const pages = cognitoServer.calls.filter((c) => !c.input.Filter);
  const listingMs = pages[pages.length - 1].at - pages[0].at;
  const achieved = USERS / (listingMs / 1000);
  const scanSeconds = Math.max(0, totalMs - listingMs) / 1000;
  const floor = 60 * RATE;
  const throttled = cognitoServer.calls.filter((c) => c.throttled).length;
  console.table([
    { measure: "users phase", value: `${fmt(listingMs / 1000, 1)} s for ${USERS.toLocaleString()} users: ${fmt(achieved)} users/s` },
    { measure: "Cognito's floor at R", value: `60 x ${RATE} requests/s = ${floor} users/s` },
    { measure: "achieved / floor", value: `${fmt(achieved / floor, 3)} (goal >= 0.9)` },
    { measure: "whole run (users, scan, verify)", value: `${fmt(totalMs / 1000, 1)} s in ${stepTimes.length} steps of <= ${SLICE_MS / 1000} s; scan and verify ${fmt(scanSeconds, 1)} s` },
    { measure: "ListUsers throttled by the simulated quota", value: `${throttled} of ${cognitoServer.calls.length}` },
    { measure: "largest state between steps", value: `${fmt(Math.max(...stepTimes.map((s) => s.bytes)) / 1024, 1)} KB (Step Functions allows 256 KB)` },
    { measure: "DynamoDB requests", value: Object.entries(counts.requests).map(([k, v]) => `${k} ${v}`).join(", ") },
  ]);

  // Projection: per-user costs measured above, scaled; wall time from the quota floor and the measured scan rate.
  const project = (n: number) => {
    const scale = n / USERS;
    const wallS = n / (achieved) + scanSeconds * scale;
    const steps = Math.ceil(wallS / 600) + 1;
    const transitions = 2 + steps * 2 + 1;
    const gbSeconds = wallS * 1; // 1024 MB worker
    const dynamoCost = counts.readUnits * scale * PRICE.dynamoReadUnit + counts.writeUnits * scale * PRICE.dynamoWriteUnit;
    const lambdaCost = gbSeconds * PRICE.lambdaGbSecondArm + steps * PRICE.lambdaRequest;
    const sfnCost = transitions * PRICE.stateTransition;
    return {
      users: n.toLocaleString(),
      "wall time": wallS > 3600 ? `${fmt(wallS / 3600, 1)} h` : `${fmt(wallS / 60, 1)} min`,
      steps,
      "state transitions": transitions,
      "Lambda GB-s": fmt(gbSeconds),
      "DynamoDB RRU / WRU": `${fmt(counts.readUnits * scale)} / ${fmt(counts.writeUnits * scale)}`,
      "cost USD": fmt(dynamoCost + lambdaCost + sfnCost, 3),
      "of which DynamoDB": fmt(dynamoCost, 3),
    };
  };
  console.log(`\nProjected cost of one run (rate ${RATE}/s, ${fmt((MISSING / USERS) * 100)}% of rows missing, item ${itemBytes} B; us-east-1 on-demand prices):`);
  console.table([100_000, 1_000_000, 10_000_000].map(project));
}
