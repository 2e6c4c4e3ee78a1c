/**
 * The reconcile engine with the API writer (what the CLI and the scheduled
 * worker run when `amplifyApi` is set), against a local AppSync running
 * Amplify's resolvers: a missing row is created, a stale one refreshed and an
 * orphan pruned, each through the model's mutations, so an Admin's delta sync
 * sees all three; the orphan becomes AppSync's tombstone, backed up first.
 */
import { amplifyModelNames, AppSyncUserWriter } from "../core/appsync-writer";
import { AppSyncClient } from "../core/appsync-client";
import { reconcile } from "../core/reconcile/engine";
import { apiFields, apiRowWriter } from "../core/row-writer";
import { personalFields, type RowMapping } from "../core/user-record";
import { LOCAL_CREDENTIALS } from "../tools/local/clients";
import { startLocalAppSync, type LocalAppSync } from "../tools/local/stand-ins/appsync/local-appsync";
import { ownerToken, syncedItems, USER_SCHEMA } from "./helpers/appsync";
import { memoryBackup, POOL, reconcileFixture, user } from "./helpers/reconcile";
import { scanAll } from "./helpers/sandbox";

const fx = reconcileFixture("api-rows");
let appsync: LocalAppSync;
afterAll(() => appsync?.stop());

const MAPPING: RowMapping = {
  attributeMap: { given_name: "givenName" },
  amplify: { typename: "User", ownerField: "owner", ownerFormat: "{sub}::{username}", conflictDetection: true },
};

test("reconcile through the API: the missing row created, the stale one refreshed, the orphan a tombstone; every change in a delta sync", async () => {
  appsync = await startLocalAppSync({ schema: USER_SCHEMA, dynamodbEndpoint: await endpointOf(fx.dynamo), apiId: "apirows" });
  const table = appsync.tables.User;
  const iam = new AppSyncClient({ url: appsync.url, region: appsync.region, credentials: LOCAL_CREDENTIALS });
  const api = new AppSyncUserWriter(iam, { model: amplifyModelNames("User"), fields: apiFields(MAPPING), erasedValues: { email: "deleted@example.invalid" }, ownerField: "owner" });
  const writer = apiRowWriter(api, personalFields(MAPPING));
  const [missing, stale] = [user(0), user(1)];
  // The stale user's row holds an old address; the orphan's user is gone from the pool.
  await api.create({ id: "sub-00001", username: "user-1", email: "old@example.com", emailVerified: true, userPoolId: POOL, owner: "sub-00001::user-1" });
  await api.create({ id: "sub-00099", username: "user-99", email: "gone@example.com", userPoolId: POOL, owner: "sub-00099::user-99" });
  const started = Date.now();
  const cognito = await fx.mockCognito([missing, stale]);
  const backup = memoryBackup();

  const report = await reconcile(fx.options(table, cognito.client, { ...MAPPING, writer, pruneOrphans: true, maxPrune: 1, backup }));

  expect(report).toMatchObject({ missing: 1, created: 1, stale: 1, updated: 1, orphans: 1, pruned: 1, failed: 0 });
  expect(backup.entries.map((e) => e.item.id.S)).toEqual(["sub-00099"]);
  const admin = ownerToken(POOL, "0a1b2c3d-0000-4000-8000-0000000000ad", "root", ["Admin"]);
  const latest = async (id: string) => (await syncedItems(appsync.url, admin, id, started - 3_000)).reduce((a, b) => (b._version > a._version ? b : a));
  expect(await latest("sub-00000")).toMatchObject({ email: "u0@example.com", _version: 1 });
  expect(await latest("sub-00001")).toMatchObject({ email: "u1@example.com", _version: 2 });
  // The orphan's personal data is in the backup only: the tombstone holds the placeholders.
  expect(await latest("sub-00099")).toMatchObject({ _deleted: true, email: "deleted@example.invalid", owner: "sub-00099" });
  expect(backup.entries[0].item.email.S).toBe("gone@example.com");
  // AppSync's bookkeeping on every row: each was written through the API.
  expect((await scanAll(fx.dynamo, table)).every((row) => row.__typename === "User" && typeof row._lastChangedAt === "number")).toBe(true);
});

/** The endpoint a local DynamoDB client talks to. */
async function endpointOf(client: typeof fx.dynamo): Promise<string> {
  const e = await client.config.endpoint!();
  return `${e.protocol}//${e.hostname}:${e.port}`;
}
