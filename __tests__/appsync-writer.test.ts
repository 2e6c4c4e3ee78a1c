/**
 * The AppSync writer (core/appsync) against a local AppSync that runs
 * Amplify's own generated resolvers (its GraphQL transformer and AppSync
 * simulator) over dynalite, with AppSync's versioned data source: every
 * mutation is in the Delta table, so a DataStore client's delta sync and
 * subscriptions see it; a write made straight to the table is not.
 */
import { PutItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { AppSyncClient } from "../core/appsync-client";
import { amplifyModelNames, AppSyncUserWriter } from "../core/appsync-writer";
import { LOCAL_CREDENTIALS, localDynamoDBClient } from "../tools/local/clients";
import { startLocalAppSync, type LocalAppSync } from "../tools/local/stand-ins/appsync/local-appsync";
import { startLocalDynamoDB, type LocalDynamoDB } from "../tools/local/stand-ins/dynamodb";
import WebSocket from "ws";
import { asUser, eventually, ownerToken, subscribe, SYNC_USERS, USER_SCHEMA } from "./helpers/appsync";

const FIELDS = ["username", "email", "emailVerified", "givenName", "userPoolId", "enabled", "deletedAt", "owner"];
const PERSONAL = ["username", "email", "emailVerified", "givenName", "owner"];
const POOL = "us-east-1_AppSync01";
const ERASED_EMAIL = "deleted@example.invalid";

let db: LocalDynamoDB;
let dynamo: DynamoDBClient;
const apis: LocalAppSync[] = [];
/** The APIs' clock: tests move it to place lastSync "a few seconds earlier". */
let clock = Date.parse("2026-03-01T12:00:00Z");

beforeAll(async () => {
  db = await startLocalDynamoDB();
  dynamo = localDynamoDBClient(db.endpoint);
});
afterAll(async () => {
  for (const api of apis) await api.stop();
  dynamo.destroy();
  await db.stop();
});

async function api(conflictHandler: "AUTOMERGE" | "OPTIMISTIC_CONCURRENCY") {
  const started = await startLocalAppSync({ schema: USER_SCHEMA, dynamodbEndpoint: db.endpoint, apiId: `api${conflictHandler.toLowerCase().replace(/_/g, "")}`, conflictHandler, now: () => clock });
  apis.push(started);
  const iam = new AppSyncClient({ url: started.url, region: started.region, credentials: LOCAL_CREDENTIALS });
  return { api: started, iam };
}

const asOwner = <T>(appsync: LocalAppSync, sub: string, username: string, query: string, variables: Record<string, unknown>) => asUser<T>(appsync.url, ownerToken(POOL, sub, username), query, variables);

const SYNC = SYNC_USERS;

const record = (sub: string, username: string, extra: Record<string, unknown> = {}) => ({
  id: sub,
  username,
  email: `${username}@example.com`,
  emailVerified: true,
  userPoolId: POOL,
  owner: `${sub}::${username}`,
  ...extra,
});

describe.each(["AUTOMERGE", "OPTIMISTIC_CONCURRENCY"] as const)("with %s conflict handling", (handler) => {
  let appsync: LocalAppSync;
  let iam: AppSyncClient;
  let writer: AppSyncUserWriter;
  beforeAll(async () => {
    ({ api: appsync, iam } = await api(handler));
    writer = new AppSyncUserWriter(iam, { model: amplifyModelNames("User"), fields: FIELDS, erasedValues: { email: ERASED_EMAIL }, ownerField: "owner" });
  });

  test("a sign-up, an email change and a delete each reach the owner's delta sync with lastSync a few seconds earlier; the tombstone keeps no personal data", async () => {
    const sub = `${handler.length}a1b2c3d-0000-4000-8000-000000000001`;
    const sync = async (lastSync: number) => {
      const res = await asOwner<any>(appsync, sub, "ann", SYNC, { lastSync });
      if (!res.data?.syncUsers) throw new Error(JSON.stringify(res.errors));
      return res.data.syncUsers.items.filter((i: any) => i.id === sub);
    };

    clock += 10_000;
    expect(await writer.create(record(sub, "ann", { givenName: "Ann" }))).toBe("created");
    expect(await sync(clock - 3_000)).toEqual([expect.objectContaining({ email: "ann@example.com", givenName: "Ann", _version: 1, _deleted: null })]);

    clock += 10_000;
    expect(await writer.refresh(sub, { set: { email: "ann@new.example.com", emailVerified: false }, remove: [] }, new Date(clock - 1_000))).toBe("updated");
    expect(await sync(clock - 3_000)).toEqual([expect.objectContaining({ email: "ann@new.example.com", _version: 2 })]);

    clock += 10_000;
    expect(await writer.erase(sub, PERSONAL, { now: new Date(clock), userPoolId: POOL, tombstone: true })).toBe("erased");
    const tombstone = (await sync(clock - 3_000)).at(-1);
    // email is required: the placeholder, never the user's address; optional fields are gone.
    expect(tombstone).toMatchObject({ _deleted: true, email: ERASED_EMAIL, givenName: null, deletedAt: new Date(clock).toISOString() });
    expect(JSON.stringify(await sync(clock - 3_000))).not.toContain("ann@new.example.com");
    // The owner's devices still receive it: the owner field keeps the bare sub, which the owner rule accepts; the username is gone.
    expect(tombstone.owner).toBe(sub);
  });

  test("subscribers receive the create, the change and the tombstone as they happen", async () => {
    const sub = `${handler.length}a1b2c3d-0000-4000-8000-000000000006`;
    const fields = "id email givenName owner _version _deleted";
    const admin = ownerToken(POOL, "0a1b2c3d-0000-4000-8000-0000000000ad", "root", ["Admin"]);
    const owner = ownerToken(POOL, sub, "fay");
    const watch = (token: string, args = "") =>
      Promise.all(["onCreateUser", "onUpdateUser", "onDeleteUser"].map((field) => subscribe(appsync.realtimeUrl, token, `subscription { ${field}${args} { ${fields} } }`)));
    const [adminSubs, ownerSubs, otherSubs] = await Promise.all([watch(admin), watch(owner, `(owner: "${sub}::fay")`), watch(ownerToken(POOL, "0a1b2c3d-0000-4000-8000-0000000000ee", "eve"))]);
    const all = [...adminSubs, ...ownerSubs, ...otherSubs];
    const mine = (s: (typeof all)[number]) => s.received.map((p) => Object.values(p.data ?? {})[0] as Record<string, any>).filter((item) => item?.id === sub);
    try {
      await writer.create(record(sub, "fay", { givenName: "Fay" }));
      await writer.refresh(sub, { set: { email: "fay@new.example.com" }, remove: [] }, new Date(clock + 1_000));
      await writer.erase(sub, PERSONAL, { now: new Date(clock + 2_000), userPoolId: POOL, tombstone: true });
      await eventually(async () => (mine(adminSubs[2]).length ? true : undefined), "the Admin's onDeleteUser");
      // An Admin sees everything: the create, the refresh, the erasure (placeholders only) and the tombstone.
      expect(mine(adminSubs[0])).toEqual([expect.objectContaining({ email: "fay@example.com", givenName: "Fay", _version: 1 })]);
      expect(mine(adminSubs[1]).map((u) => u.email)).toEqual(["fay@new.example.com", ERASED_EMAIL]);
      expect(mine(adminSubs[2])).toEqual([expect.objectContaining({ _deleted: true, email: ERASED_EMAIL, givenName: null, owner: sub })]);
      // The owner's subscriptions (owner argument `sub::username`) see their live row change; the
      // erased row's owner is the bare sub, which their devices get in the next delta sync.
      await eventually(async () => (mine(ownerSubs[1]).length ? true : undefined), "the owner's onUpdateUser");
      expect(mine(ownerSubs[0]).map((u) => u.email)).toEqual(["fay@example.com"]);
      expect(mine(ownerSubs[1]).map((u) => u.email)).toEqual(["fay@new.example.com"]);
      // Another user's subscriptions (the owner rule as a runtime filter) see none of it.
      expect(otherSubs.flatMap(mine)).toEqual([]);
    } finally {
      await Promise.all(all.map((s) => s.close()));
    }
  });

  test("a row written straight to the table never reaches a delta sync (the direct writer's limit)", async () => {
    const sub = `${handler.length}a1b2c3d-0000-4000-8000-000000000002`;
    clock += 10_000;
    await dynamo.send(new PutItemCommand({ TableName: appsync.tables.User, Item: marshall({ ...record(sub, "bob"), __typename: "User", _version: 1, _lastChangedAt: clock, createdAt: new Date(clock).toISOString(), updatedAt: new Date(clock).toISOString() }) }));
    const delta = (await asOwner<any>(appsync, sub, "bob", SYNC, { lastSync: clock - 3_000 })).data!.syncUsers.items;
    const base = (await asOwner<any>(appsync, sub, "bob", SYNC, { lastSync: null })).data!.syncUsers.items;
    expect(delta.map((i: any) => i.id)).not.toContain(sub);
    expect(base.map((i: any) => i.id)).toContain(sub);
  });

  test("an owner's edit of an app-owned field survives the next refresh, even when it lands between the writer's read and its write", async () => {
    const sub = `${handler.length}a1b2c3d-0000-4000-8000-000000000003`;
    await writer.create(record(sub, "cy", { givenName: "Cy" }));
    const ownerEdit = async () => {
      const current = (await iam.request<any>(`query { getUser(id: "${sub}") { _version } }`, {})).data.getUser;
      const res = await asOwner<any>(appsync, sub, "cy", `mutation U($input: UpdateUserInput!) { updateUser(input: $input) { bio _version } }`, { input: { id: sub, bio: "hello", _version: current._version } });
      expect(res.errors).toBeUndefined();
    };
    // The app's edit lands right after the writer read the row: the writer's version is stale.
    let edited = false;
    let updates = 0;
    const racing = {
      request: async <T>(query: string, variables: Record<string, unknown>) => {
        if (query.includes("updateUser")) {
          updates++;
          if (!edited) {
            edited = true;
            await ownerEdit();
          }
        }
        return iam.request<T>(query, variables);
      },
    };
    const racingWriter = new AppSyncUserWriter(racing, { model: amplifyModelNames("User"), fields: FIELDS });
    expect(await racingWriter.refresh(sub, { set: { givenName: "Cyrus" }, remove: [] }, new Date(clock))).toBe("updated");
    expect(updates).toBe(2);
    const row = (await iam.request<any>(`query { getUser(id: "${sub}") { givenName bio _version } }`, {})).data.getUser;
    // AUTOMERGE applied the stale write in part (one version), then the retry landed; optimistic concurrency rejected it.
    expect(row).toEqual({ givenName: "Cyrus", bio: "hello", _version: handler === "AUTOMERGE" ? 4 : 3 });
  });

  test("mapped fields are Cognito's: the owner cannot change them through the API, only app-owned ones", async () => {
    const sub = `${handler.length}a1b2c3d-0000-4000-8000-000000000004`;
    await writer.create(record(sub, "di"));
    const version = (await iam.request<any>(`query { getUser(id: "${sub}") { _version } }`, {})).data.getUser._version;
    const denied = await asOwner<any>(appsync, sub, "di", `mutation U($input: UpdateUserInput!) { updateUser(input: $input) { email } }`, { input: { id: sub, email: "evil@example.com", _version: version } });
    expect(denied.errors?.[0]?.errorType).toBe("Unauthorized");
    const row = (await iam.request<any>(`query { getUser(id: "${sub}") { email } }`, {})).data.getUser;
    expect(row.email).toBe("di@example.com");
  });

  test("older Cognito data never overwrites newer; a create that finds the row is not an error; nothing is created by a refresh", async () => {
    const sub = `${handler.length}a1b2c3d-0000-4000-8000-000000000005`;
    expect(await writer.create(record(sub, "eve"))).toBe("created");
    expect(await writer.create(record(sub, "eve"))).toBe("exists");
    expect(await writer.refresh(sub, { set: { givenName: "New" }, remove: [] }, new Date("2026-03-01T12:00:05Z"))).toBe("updated");
    expect(await writer.refresh(sub, { set: { givenName: "Old" }, remove: [] }, new Date("2026-03-01T12:00:01Z"))).toBe("skipped");
    expect((await iam.request<any>(`query { getUser(id: "${sub}") { givenName } }`, {})).data.getUser.givenName).toBe("New");
    expect(await writer.refresh("0a1b2c3d-0000-4000-8000-00000000ffff", { set: { givenName: "X" }, remove: [] })).toBe("skipped");
    expect((await iam.request<any>(`query { getUser(id: "0a1b2c3d-0000-4000-8000-00000000ffff") { id } }`, {})).data.getUser).toBeNull();
  });
});

test("the local AppSync's real-time endpoint refuses a web page (foreign Origin) and a foreign Host, like every sandbox server", async () => {
  const appsync = await startLocalAppSync({ schema: USER_SCHEMA, dynamodbEndpoint: db.endpoint, apiId: "apiguard" });
  apis.push(appsync);
  const opened = (options: WebSocket.ClientOptions) =>
    new Promise<string>((resolve) => {
      const socket = new WebSocket(`${appsync.realtimeUrl}?header=e30=&payload=e30=`, "graphql-ws", options);
      socket.once("open", () => (socket.close(), resolve("open")));
      socket.once("error", () => resolve("refused"));
    });
  expect(await opened({ origin: "https://evil.example" })).toBe("refused");
  expect(await opened({ headers: { host: "evil.example" } })).toBe("refused");
  expect(await opened({})).toBe("open");
});
