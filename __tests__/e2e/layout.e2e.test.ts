/**
 * A single-table design end to end: the sandbox's table keyed pk/sk, other
 * entities beside the user rows (some in the users' own partitions), the
 * trigger and `user-sync reconcile` both using the layout, other entities
 * never read as users, never orphans, never touched.
 */
import { AdminCreateUserCommand, AdminSetUserPasswordCommand, type CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import { BatchWriteItemCommand, DeleteItemCommand, ScanCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ReconcileReport } from "../../core/reconcile/report";
import type { Sandbox } from "../../tools/local/sandbox";
import { adminConfirm, signUp } from "../../tools/local/sign-up";
import { inParallel, startTestSandbox } from "../helpers/sandbox";
import { BIN } from "../helpers/cli";

const LAYOUT = {
  USER_SYNC_TABLE_PARTITION_KEY: "pk",
  USER_SYNC_TABLE_PARTITION_KEY_VALUE: "USER#{sub}",
  USER_SYNC_TABLE_SORT_KEY: "sk",
  USER_SYNC_TABLE_SORT_KEY_VALUE: "PROFILE",
  USER_SYNC_TABLE_SHARED: "true",
};
let sandbox: Sandbox;
let cognito: CognitoIdentityProviderClient;
let dynamo: DynamoDBClient;
const subs: string[] = [];

async function items(): Promise<Map<string, string>> {
  const all = new Map<string, string>();
  let ExclusiveStartKey: any;
  do {
    const page = await dynamo.send(new ScanCommand({ TableName: sandbox.tableName, ExclusiveStartKey, ConsistentRead: true }));
    for (const item of page.Items ?? []) all.set(`${item.pk.S}|${item.sk.S}`, JSON.stringify(unmarshall(item)));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return all;
}

function reconcileCli(args: string[]): Promise<{ status: number; report: ReconcileReport }> {
  return new Promise((resolve, reject) =>
    execFile(
      process.execPath,
      [BIN, "reconcile", "--user-pool-id", sandbox.userPoolId, "--table", sandbox.tableName, "--json", ...args],
      { env: { ...process.env, ...sandbox.endpointEnv, USER_SYNC_STAGE: "e2e", ...LAYOUT } },
      (err, stdout, stderr) => {
        try {
          resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, report: JSON.parse(stdout) });
        } catch {
          reject(new Error(`${stdout}\n${stderr}`));
        }
      },
    ),
  );
}

beforeAll(async () => {
  // Reconcile is the backstop when no event arrives (no trail); user events would repair this drift first.
  sandbox = await startTestSandbox({ ...LAYOUT, USER_SYNC_USER_EVENTS: "false" });
  cognito = sandbox.cognitoClient();
  dynamo = sandbox.dynamoClient();
  subs.push(
    ...(await inParallel(Array.from({ length: 20 }, (_, i) => i), 10, async (i) => {
      const sub = await signUp(cognito, sandbox.clientId, { email: `l${i}@example.com`, password: "Correct-Horse-9" });
      await adminConfirm(cognito, sandbox.userPoolId, `l${i}@example.com`);
      return sub;
    })),
  );
});

afterAll(async () => {
  cognito?.destroy();
  dynamo?.destroy();
  await sandbox?.stop();
});

test("the trigger writes USER#<sub> / PROFILE rows", async () => {
  const all = await items();
  for (const sub of subs) expect(JSON.parse(all.get(`USER#${sub}|PROFILE`)!)).toMatchObject({ pk: `USER#${sub}`, sk: "PROFILE", userPoolId: sandbox.userPoolId });
});

test("reconcile repairs and prunes user rows only: other entities, even in a user's partition, are never read as users", async () => {
  // Drift, and neighbours: orders in users' partitions, an organisation, a stray user row.
  await dynamo.send(new DeleteItemCommand({ TableName: sandbox.tableName, Key: marshall({ pk: `USER#${subs[0]}`, sk: "PROFILE" }) }));
  const created = await cognito.send(
    new AdminCreateUserCommand({ UserPoolId: sandbox.userPoolId, Username: "admin-l@example.com", UserAttributes: [{ Name: "email", Value: "admin-l@example.com" }], MessageAction: "SUPPRESS" }),
  );
  await cognito.send(new AdminSetUserPasswordCommand({ UserPoolId: sandbox.userPoolId, Username: "admin-l@example.com", Password: "Correct-Horse-9", Permanent: true }));
  const adminSub = created.User!.Attributes!.find((a) => a.Name === "sub")!.Value!;
  const neighbours = [
    ...subs.slice(0, 5).map((sub, i) => ({ pk: `USER#${sub}`, sk: `ORDER#${i}`, total: i })),
    { pk: "ORG#acme", sk: "META", name: "Acme" },
    { pk: "USER#gone-user", sk: "ORDER#9", total: 9 },
  ];
  const orphans = [{ pk: "USER#gone-user", sk: "PROFILE", userPoolId: sandbox.userPoolId, email: "gone@example.com" }];
  await dynamo.send(new BatchWriteItemCommand({ RequestItems: { [sandbox.tableName]: [...neighbours, ...orphans].map((i) => ({ PutRequest: { Item: marshall(i) } })) } }));
  const before = await items();

  const backup = join(mkdtempSync(join(tmpdir(), "user-sync-layout-")), "pruned.jsonl");
  const { status, report } = await reconcileCli(["--prune-orphans", "--backup-file", backup]);
  expect(status).toBe(0);
  expect(report).toMatchObject({ scanned: 21, missing: 2, created: 2, orphans: 1, pruned: 1, otherItems: 7, failed: 0 });
  expect(report.orphanIds).toEqual(["gone-user"]);

  const after = await items();
  for (const n of neighbours) expect(after.get(`${n.pk}|${n.sk}`)).toBe(before.get(`${n.pk}|${n.sk}`));
  expect(after.has("USER#gone-user|PROFILE")).toBe(false);
  expect(JSON.parse(after.get(`USER#${subs[0]}|PROFILE`)!)).toMatchObject({ email: "l0@example.com" });
  expect(JSON.parse(after.get(`USER#${adminSub}|PROFILE`)!)).toMatchObject({ email: "admin-l@example.com" });
  expect(JSON.parse(readFileSync(backup, "utf8").trim()).item).toEqual(marshall(orphans[0]));
  expect((await reconcileCli([])).report).toMatchObject({ missing: 0, created: 0, updated: 0, orphans: 0, otherItems: 7 });
});
