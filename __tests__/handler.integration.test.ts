/**
 * The built bundle, run as Lambda would run it, against a real DynamoDB API
 * (dynalite on a free loopback port).
 */
import { GetItemCommand, PutItemCommand, ScanCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { mkdtempSync } from "node:fs";
import { connect, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_ATTRIBUTE_MAP } from "../core/row-fields";
import { buildUserRecord } from "../core/user-record";
import { bundleFunction } from "../lib/function/bundle";
import { loadConfig } from "../lib/settings";
import { postConfirmationSpec, usersTableSpec } from "../lib/specs";
import { localDynamoDBClient } from "../tools/local/clients";
import { createTable, startLocalDynamoDB, type LocalDynamoDB } from "../tools/local/stand-ins/dynamodb";
import { startLambdaRunner, type LambdaRunner } from "../tools/local/stand-ins/lambda-runner";
import { createTableInput } from "../tools/local/resources";
import { cognitoLocalEvent, dzoneStyleEvent, uniqueEvent } from "./fixtures/events";

const TABLE = "user-sync-test-users";
const FN = "post-confirmation";
let bundleFile: string;
let db: LocalDynamoDB;
let client: DynamoDBClient;
let fn: LambdaRunner;

const spec = postConfirmationSpec(loadConfig({ env: {}, file: false }));
const environment = { ...spec.environment, USERS_TABLE_NAME: TABLE };

/** A runner for the bundle with exactly this environment. */
function runner(env: Record<string, string>): Promise<LambdaRunner> {
  return startLambdaRunner({ functions: [{ name: FN, bundleFile, environment: env, timeoutMs: spec.timeoutSeconds * 1000 }] });
}

async function getRow(id: string) {
  const res = await client.send(new GetItemCommand({ TableName: TABLE, Key: { id: { S: id } }, ConsistentRead: true }));
  return res.Item ? unmarshall(res.Item) : undefined;
}
async function rowCount() {
  return (await client.send(new ScanCommand({ TableName: TABLE, Select: "COUNT" }))).Count;
}

beforeAll(async () => {
  bundleFile = bundleFunction(FN, mkdtempSync(join(tmpdir(), "user-sync-it-"))).file;
  db = await startLocalDynamoDB();
  client = localDynamoDBClient(db.endpoint);
  await createTable(client, createTableInput({ ...usersTableSpec(loadConfig({ env: {}, file: false })), tableName: TABLE }));
  fn = await runner({ ...environment, AWS_ENDPOINT_URL_DYNAMODB: db.endpoint });
});

afterAll(async () => {
  await fn?.stop();
  await db?.stop();
  client?.destroy();
});

test("first delivery creates the row and returns the event unchanged", async () => {
  const event = dzoneStyleEvent();
  const { payload, functionError } = await fn.invoke(FN, event);
  expect(functionError).toBeUndefined();
  expect(payload).toEqual(event);
  expect(await getRow(event.request.userAttributes.sub)).toMatchObject({
    id: event.request.userAttributes.sub,
    username: "lopezlucas",
    email: "lucas.lopez@example.com",
    emailVerified: true,
    givenName: "Lucas",
  });
});

test("the cognito-local event (region local) is handled too", async () => {
  const event = cognitoLocalEvent();
  const { payload, functionError } = await fn.invoke(FN, event);
  expect(functionError).toBeUndefined();
  expect(payload).toEqual(event);
  expect(await getRow(event.request.userAttributes.sub)).toMatchObject({ email: "a@b.co", givenName: "Zoë", userPoolId: "local_2Yu8pAj9" });
});

test("the same event three times leaves one row with the first createdAt", async () => {
  const event = uniqueEvent(1);
  const before = await rowCount();
  await fn.invoke(FN, event);
  const first = await getRow(event.request.userAttributes.sub);
  await new Promise((r) => setTimeout(r, 5));
  const retries = await Promise.all([fn.invoke(FN, event), fn.invoke(FN, event)]);
  for (const r of retries) expect(r.functionError).toBeUndefined();
  expect(await rowCount()).toBe(before! + 1);
  expect(await getRow(event.request.userAttributes.sub)).toEqual(first);
  const logs = fn.logs(FN).map((l) => JSON.parse(l)).filter((l) => l.sub === event.request.userAttributes.sub);
  expect(logs.map((l) => l.outcome)).toEqual(["created", "exists", "exists"]);
});

test("a password reset on an existing row changes nothing, even with new attribute values", async () => {
  const signUp = uniqueEvent(2);
  await fn.invoke(FN, signUp);
  const before = await getRow(signUp.request.userAttributes.sub);
  const reset = uniqueEvent(2, "PostConfirmation_ConfirmForgotPassword");
  reset.request.userAttributes.given_name = "Renamed";
  const { functionError } = await fn.invoke(FN, reset);
  expect(functionError).toBeUndefined();
  expect(await getRow(signUp.request.userAttributes.sub)).toEqual(before);
});

test("a password reset for a user with no row repairs it", async () => {
  const reset = uniqueEvent(3, "PostConfirmation_ConfirmForgotPassword");
  expect(await getRow(reset.request.userAttributes.sub)).toBeUndefined();
  const { functionError } = await fn.invoke(FN, reset);
  expect(functionError).toBeUndefined();
  expect(await getRow(reset.request.userAttributes.sub)).toMatchObject({ username: "user3", givenName: "Given3" });
});

test("an unknown trigger source writes nothing, warns, and returns the event", async () => {
  const event = uniqueEvent(4, "PostAuthentication_Authentication");
  const before = await rowCount();
  const { payload, functionError } = await fn.invoke(FN, event);
  expect(functionError).toBeUndefined();
  expect(payload).toEqual(event);
  expect(await rowCount()).toBe(before);
  const warning = fn.logs(FN).map((l) => JSON.parse(l)).find((l) => l.sub === event.request.userAttributes.sub);
  expect(warning).toMatchObject({ level: "WARN", outcome: "skipped", triggerSource: "PostAuthentication_Authentication" });
});

test("a missing sub fails with a message naming it and writes nothing", async () => {
  const event = uniqueEvent(5);
  delete (event.request.userAttributes as any).sub;
  const before = await rowCount();
  const { payload, functionError } = await fn.invoke(FN, event);
  expect(functionError).toBe("Unhandled");
  expect(payload.errorMessage).toMatch(/missing request\.userAttributes\.sub/);
  expect(await rowCount()).toBe(before);
});

test("logs are JSON lines with sub, trigger, outcome and latency, and no email, name or raw event", async () => {
  // Its own invocations: created, exists, skipped and failed.
  const before = fn.logs(FN).length;
  const created = uniqueEvent(40);
  await fn.invoke(FN, created);
  await fn.invoke(FN, created);
  await fn.invoke(FN, uniqueEvent(41, "PostAuthentication_Authentication"));
  const invalid = uniqueEvent(42);
  invalid.request.userAttributes.email_verified = "lucas.lopez@example.com";
  await fn.invoke(FN, invalid);
  const all = fn.logs(FN).slice(before).map((l) => JSON.parse(l));
  // Metrics are separate embedded-metric-format lines, one per written or failed invocation.
  const metrics = all.filter((l) => l._aws);
  const lines = fn.logs(FN).slice(before).filter((l) => !JSON.parse(l)._aws);
  expect(lines.map((l) => JSON.parse(l).outcome)).toEqual(["created", "exists", "skipped", "failed"]);
  expect(metrics.map(({ _aws, ...rest }) => rest)).toEqual([
    { Function: FN, created: 1 },
    { Function: FN, exists: 1 },
    { Function: FN, failed: 1 },
  ]);
  for (const m of metrics) {
    expect(m._aws.CloudWatchMetrics).toEqual([{ Namespace: "UserSync", Dimensions: [["Function"]], Metrics: [{ Name: Object.keys(m).find((k) => !["_aws", "Function"].includes(k)), Unit: "Count" }] }]);
    expect(typeof m._aws.Timestamp).toBe("number");
  }
  for (const line of lines) {
    const entry = JSON.parse(line);
    expect(Object.keys(entry).every((k) => ["level", "message", "sub", "triggerSource", "outcome", "latencyMs", "errorName", "errorMessage"].includes(k))).toBe(true);
  }
  const first = lines.map((l) => JSON.parse(l)).find((l) => l.outcome === "created");
  expect(first).toEqual(expect.objectContaining({ sub: expect.any(String), triggerSource: expect.any(String), latencyMs: expect.any(Number) }));
  const text = fn.logs(FN).slice(before).join("\n");
  for (const pii of ["lucas.lopez@example.com", "Lucas", "Lopez", "user40@example.com", "user42@example.com", "Given40", "Family41", "Given42"]) {
    expect(text).not.toContain(pii);
  }
});

describe("inside Cognito's 5 s budget", () => {
  const runnerAgainst = (endpoint: string) => runner({ ...environment, AWS_ENDPOINT_URL_DYNAMODB: endpoint });

  test("DynamoDB stopped: fails fast with a clear error", async () => {
    const stopped = await startLocalDynamoDB();
    await stopped.stop();
    const runner = await runnerAgainst(stopped.endpoint);
    try {
      const { payload, functionError } = await runner.invoke(FN, uniqueEvent(6));
      expect(functionError).toBe("Unhandled");
      // The handler's own error, not the runner's 5 s timeout: it gave up by itself.
      expect(payload.errorMessage).toMatch(/cannot write the user record|did not answer/);
      expect(payload.errorMessage).not.toMatch(/timed out after/);
    } finally {
      await runner.stop();
    }
  });

  test("only the first connection stalls: the attempt times out, the retry answers, the row is written within the budget", async () => {
    const dbPort = Number(new URL(db.endpoint).port);
    const sockets: Socket[] = [];
    let connections = 0;
    const proxy: Server = createServer((client) => {
      sockets.push(client);
      if (++connections === 1) return; // accepted, never answered
      const upstream = connect(dbPort, "127.0.0.1");
      sockets.push(upstream);
      client.pipe(upstream).pipe(client);
      upstream.on("error", () => client.destroy());
      client.on("error", () => upstream.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", () => r()));
    const runner = await runnerAgainst(`http://127.0.0.1:${(proxy.address() as { port: number }).port}`);
    try {
      const event = uniqueEvent(8);
      const { functionError, payload } = await runner.invoke(FN, event);
      // Success means within the budget: past it the handler throws its deadline error.
      expect(functionError).toBeUndefined();
      expect(payload).toEqual(event);
      expect(connections).toBeGreaterThanOrEqual(2);
      expect(await getRow(event.request.userAttributes.sub)).toMatchObject({ username: "user8" });
    } finally {
      await runner.stop();
      sockets.forEach((s) => s.destroy());
      proxy.close();
    }
  });

  test("writing through an AppSync API that accepts connections but never answers: fails before Cognito gives up, naming the API", async () => {
    const sockets: Socket[] = [];
    const blackhole: Server = createServer((s) => void sockets.push(s));
    await new Promise<void>((r) => blackhole.listen(0, "127.0.0.1", () => r()));
    const port = (blackhole.address() as { port: number }).port;
    const fn = await runner({ ...environment, AMPLIFY_TYPENAME: "User", AMPLIFY_API_URL: `http://127.0.0.1:${port}/graphql`, AWS_ENDPOINT_URL_DYNAMODB: db.endpoint });
    try {
      const { payload, functionError } = await fn.invoke(FN, uniqueEvent(9));
      expect(functionError).toBe("Unhandled");
      expect(payload.errorMessage).toMatch(/^The AppSync API did not answer within \d+ ms; whether the row was written is unknown/);
      expect(payload.errorMessage).not.toMatch(/timed out after 5\.00 seconds/);
      expect(sockets.length).toBeGreaterThan(0);
      // Nothing reached the table: the API is the only writer.
      expect(await getRow(uniqueEvent(9).request.userAttributes.sub)).toBeUndefined();
    } finally {
      await fn.stop();
      sockets.forEach((s) => s.destroy());
      blackhole.close();
    }
  });

  test("DynamoDB accepting connections but never answering: fails before Cognito gives up", async () => {
    const sockets: Socket[] = [];
    const blackhole: Server = createServer((s) => void sockets.push(s));
    await new Promise<void>((r) => blackhole.listen(0, "127.0.0.1", () => r()));
    const port = (blackhole.address() as { port: number }).port;
    const runner = await runnerAgainst(`http://127.0.0.1:${port}`);
    try {
      const { payload, functionError } = await runner.invoke(FN, uniqueEvent(7));
      expect(functionError).toBe("Unhandled");
      // The handler's deadline answered, not the runner's 5 s timeout: Cognito gets a clear error.
      expect(payload.errorMessage).toMatch(/Users table did not answer within \d+ ms; whether the row was written is unknown|cannot write the user record/);
      expect(payload.errorMessage).not.toMatch(/timed out after 5\.00 seconds/);
      const [record] = await runner.invocations();
      expect(record).toMatchObject({ ok: false, triggerSource: "PostConfirmation_ConfirmSignUp" });
    } finally {
      await runner.stop();
      sockets.forEach((s) => s.destroy());
      blackhole.close();
    }
  });
});

/** An event carrying every attribute of the default map, with distinct values. */
function everyAttributeEvent(i: number) {
  const event = uniqueEvent(i);
  for (const attribute of Object.keys(DEFAULT_ATTRIBUTE_MAP)) {
    event.request.userAttributes[attribute] = attribute.endsWith("_verified") ? "true" : `${attribute}-${i}`;
  }
  return event;
}

test("the function received the default attribute map: every mapped attribute lands in its field", async () => {
  const event = everyAttributeEvent(50);
  await fn.invoke(FN, event);
  const row = await getRow(event.request.userAttributes.sub);
  const { createdAt, updatedAt, ...expected } = buildUserRecord(
    { userName: event.userName, userPoolId: event.userPoolId, attributes: event.request.userAttributes },
    { attributeMap: DEFAULT_ATTRIBUTE_MAP, now: new Date() },
  );
  expect(row).toEqual({ ...expected, createdAt: expect.any(String), updatedAt: expect.any(String) });
  for (const field of Object.values(DEFAULT_ATTRIBUTE_MAP)) expect(row).toHaveProperty(field);
});

test("a bundle with only USERS_TABLE_NAME set still copies the documented default attributes", async () => {
  const bare = await runner({ USERS_TABLE_NAME: TABLE, AWS_ENDPOINT_URL_DYNAMODB: db.endpoint });
  try {
    const event = everyAttributeEvent(51);
    const { functionError } = await bare.invoke(FN, event);
    expect(functionError).toBeUndefined();
    const row = await getRow(event.request.userAttributes.sub);
    expect(row).toMatchObject({ givenName: "given_name-51", familyName: "family_name-51", phoneNumber: "phone_number-51", phoneNumberVerified: true });
    for (const field of Object.values(DEFAULT_ATTRIBUTE_MAP)) expect(row).toHaveProperty(field);
  } finally {
    await bare.stop();
  }
});

describe("a single-table key layout (pk = USER#{sub}, sk = PROFILE)", () => {
  const SINGLE = "user-sync-test-single";
  const layoutEnv = {
    USER_SYNC_TABLE_EXISTING: SINGLE,
    USER_SYNC_TABLE_PARTITION_KEY: "pk",
    USER_SYNC_TABLE_PARTITION_KEY_VALUE: "USER#{sub}",
    USER_SYNC_TABLE_SORT_KEY: "sk",
    USER_SYNC_TABLE_SORT_KEY_VALUE: "PROFILE",
  };
  const config = loadConfig({ env: layoutEnv, file: false });
  let single: LambdaRunner;

  beforeAll(async () => {
    await createTable(client, createTableInput(usersTableSpec(config)));
    single = await runner({ ...postConfirmationSpec(config).environment, AWS_ENDPOINT_URL_DYNAMODB: db.endpoint });
  });
  afterAll(async () => {
    await single?.stop();
  });
  const getSingle = async (sub: string) => {
    const res = await client.send(new GetItemCommand({ TableName: SINGLE, Key: { pk: { S: `USER#${sub}` }, sk: { S: "PROFILE" } }, ConsistentRead: true }));
    return res.Item ? unmarshall(res.Item) : undefined;
  };

  test("the row is keyed by the layout; a second delivery leaves it as it was", async () => {
    const event = uniqueEvent(60);
    const sub = event.request.userAttributes.sub;
    expect((await single.invoke(FN, event)).functionError).toBeUndefined();
    const first = await getSingle(sub);
    expect(first).toMatchObject({ pk: `USER#${sub}`, sk: "PROFILE", username: "user60", email: "user60@example.com" });
    expect(first).not.toHaveProperty("id");
    expect((await single.invoke(FN, event)).functionError).toBeUndefined();
    expect(await getSingle(sub)).toEqual(first);
    expect(single.logs(FN).map((l) => JSON.parse(l)).filter((l) => l.sub === sub).map((l) => l.outcome)).toEqual(["created", "exists"]);
  });

  test("another entity in the same partition is not a row's existence: the profile is still created", async () => {
    const event = uniqueEvent(61);
    const sub = event.request.userAttributes.sub;
    await client.send(new PutItemCommand({ TableName: SINGLE, Item: { pk: { S: `USER#${sub}` }, sk: { S: "ORDER#1" }, total: { N: "12" } } }));
    expect((await single.invoke(FN, event)).functionError).toBeUndefined();
    expect(await getSingle(sub)).toMatchObject({ sk: "PROFILE", email: "user61@example.com" });
  });
});
