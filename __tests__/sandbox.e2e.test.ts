/**
 * End to end through the Cognito API: cognito-local runs the PostConfirmation
 * trigger through the local Lambda runner, which runs the shipped bundle
 * against dynalite.
 */
import {
  AdminCreateUserCommand,
  AdminGetUserCommand,
  AdminSetUserPasswordCommand,
  type CognitoIdentityProviderClient,
} from "@aws-sdk/client-cognito-identity-provider";
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { DeleteItemCommand, GetItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { request as httpRequest } from "node:http";
import { createServer } from "node:net";
import { mkdtempSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { startSandbox, type Sandbox } from "../tools/local/sandbox";
import { adminConfirm, confirmWithEmailedCode, resetPassword, signUp } from "../tools/local/sign-up";
import { inParallel, scanAll, startTestSandbox } from "./helpers/sandbox";

const PASSWORD = "Correct-Horse-9";
let sandbox: Sandbox;
let cognito: CognitoIdentityProviderClient;
let dynamo: DynamoDBClient;

async function row(sub: string) {
  const res = await dynamo.send(new GetItemCommand({ TableName: sandbox.tableName, Key: { id: { S: sub } }, ConsistentRead: true }));
  return res.Item ? unmarshall(res.Item) : undefined;
}

beforeAll(async () => {
  sandbox = await startTestSandbox();
  cognito = sandbox.cognitoClient();
  dynamo = sandbox.dynamoClient();
});

afterAll(async () => {
  cognito?.destroy();
  dynamo?.destroy();
  await sandbox?.stop();
});

test("SignUp + AdminConfirmSignUp -> one row with the expected fields", async () => {
  const email = "admin-confirmed@example.com";
  const sub = await signUp(cognito, sandbox.clientId, { email, password: PASSWORD, attributes: { given_name: "Ada", family_name: "Lovelace" } });
  expect(await row(sub)).toBeUndefined();
  await adminConfirm(cognito, sandbox.userPoolId, email);
  expect(await row(sub)).toEqual({
    id: sub,
    username: sub, // email is the username attribute: Cognito's userName is the sub
    email,
    userPoolId: sandbox.userPoolId,
    givenName: "Ada",
    familyName: "Lovelace",
    createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
  });
  const invocations = (await sandbox.lambda.invocations()).filter((i) => i.sub === sub);
  expect(invocations).toEqual([expect.objectContaining({ ok: true, triggerSource: "PostConfirmation_ConfirmSignUp" })]);
});

test("SignUp + ConfirmSignUp with the emailed code -> the same row", async () => {
  const email = "code-confirmed@example.com";
  const sub = await signUp(cognito, sandbox.clientId, { email, password: PASSWORD, attributes: { given_name: "Grace" } });
  await confirmWithEmailedCode(cognito, sandbox.clientId, sandbox.cognito, email);
  expect(await row(sub)).toMatchObject({ id: sub, email, givenName: "Grace", userPoolId: sandbox.userPoolId });
});

test("ForgotPassword + ConfirmForgotPassword on a user with a row leaves the row unchanged", async () => {
  const email = "resets@example.com";
  const sub = await signUp(cognito, sandbox.clientId, { email, password: PASSWORD });
  await adminConfirm(cognito, sandbox.userPoolId, email);
  const before = await row(sub);
  expect(before).toBeDefined();
  await resetPassword(cognito, sandbox.clientId, sandbox.cognito, email, "Another-Horse-10");
  const resets = (await sandbox.lambda.invocations()).filter((i) => i.sub === sub && i.triggerSource === "PostConfirmation_ConfirmForgotPassword");
  expect(resets).toEqual([expect.objectContaining({ ok: true })]);
  expect(await row(sub)).toEqual(before);
});

test("an AdminCreateUser user gets no row: Cognito sends no PostConfirmation for them (reconcile closes this gap)", async () => {
  const email = "admin-created@example.com";
  const created = await cognito.send(
    new AdminCreateUserCommand({ UserPoolId: sandbox.userPoolId, Username: email, UserAttributes: [{ Name: "email", Value: email }], MessageAction: "SUPPRESS" }),
  );
  const sub = created.User!.Attributes!.find((a) => a.Name === "sub")!.Value!;
  expect(await row(sub)).toBeUndefined();
  expect((await sandbox.lambda.invocations()).filter((i) => i.sub === sub)).toEqual([]);
});

// Sized to the machine: enough in flight to interleave every step of every sign-up, not so many
// that a 2-core laptop spends the test queueing. Latency at scale is `npm run bench -- sandbox`.
const IN_FLIGHT = 8 * availableParallelism();
const LOAD = 5 * IN_FLIGHT;

test(`load: ${LOAD} users sign up and confirm concurrently (${IN_FLIGHT} in flight) -> exactly ${LOAD} rows, none duplicated or missing`, async () => {
  const users = Array.from({ length: LOAD }, (_, i) => ({ email: `load-${i}@example.com`, password: PASSWORD, attributes: { given_name: `L${i}` } }));
  const before = await scanAll(dynamo, sandbox.tableName);
  await sandbox.tap!.idle();
  await sandbox.lambda.clearInvocations();
  const subs = await inParallel(users, IN_FLIGHT, async (u) => {
    const sub = await signUp(cognito, sandbox.clientId, u);
    await adminConfirm(cognito, sandbox.userPoolId, u.email);
    return sub;
  });
  const rows = (await scanAll(dynamo, sandbox.tableName)).filter((r) => r.email.startsWith("load-"));
  expect(rows).toHaveLength(LOAD);
  expect(new Set(rows.map((r) => r.id)).size).toBe(LOAD);
  expect(new Set(rows.map((r) => r.id))).toEqual(new Set(subs));
  for (const r of rows) expect(r.givenName).toBe(`L${r.email.slice(5, -12)}`);
  expect((await scanAll(dynamo, sandbox.tableName)).length).toBe(before.length + LOAD);
  // The trigger's invocations (the user-events function runs too, on each confirmation's event).
  const invocations = (await sandbox.lambda.invocations()).filter((i) => i.functionName === sandbox.functionName);
  expect(invocations).toHaveLength(LOAD);
  expect(invocations.filter((i) => !i.ok)).toEqual([]);
  await sandbox.tap!.idle();
});

test("fault: DynamoDB stops mid-batch -> failures reported clearly, nothing crashes, surviving rows intact", async () => {
  const users = Array.from({ length: 40 }, (_, i) => ({ email: `fault-${i}@example.com`, password: PASSWORD, attributes: { given_name: `F${i}`, family_name: "Fault" } }));
  const subs = await inParallel(users, 10, (u) => signUp(cognito, sandbox.clientId, u));
  await sandbox.tap!.idle();
  await sandbox.lambda.clearInvocations();

  await inParallel(users.slice(0, 15), 5, (u) => adminConfirm(cognito, sandbox.userPoolId, u.email));
  await sandbox.dynamodb.pause();
  // cognito-local swallows trigger errors, like a client that ignores them: confirmations still succeed.
  await inParallel(users.slice(15, 30), 5, (u) => adminConfirm(cognito, sandbox.userPoolId, u.email));
  await sandbox.dynamodb.resume();
  await inParallel(users.slice(30), 5, (u) => adminConfirm(cognito, sandbox.userPoolId, u.email));

  // The trigger's invocations (the user-events function runs too, on each confirmation's event).
  const invocations = (await sandbox.lambda.invocations()).filter((i) => i.functionName === sandbox.functionName);
  expect(invocations).toHaveLength(40);
  const failed = invocations.filter((i) => !i.ok);
  expect(failed.length).toBe(15);
  expect(new Set(failed.map((i) => i.sub))).toEqual(new Set(subs.slice(15, 30)));
  for (const f of failed) {
    expect(f.error).toMatch(/^(cannot write the user record: .+|Users table did not answer within \d+ ms; whether the row was written is unknown .+ a retry or the next reconcile converges it)$/);
  }

  // The users stay CONFIRMED either way (as in Cognito): the rows, not the accounts, are what can go missing.
  const status = await cognito.send(new AdminGetUserCommand({ UserPoolId: sandbox.userPoolId, Username: users[20].email }));
  expect(status.UserStatus).toBe("CONFIRMED");

  // Each confirmation's event is retried: a row the trigger could not write is written once DynamoDB is
  // back, or the event is dead-lettered (and the scheduled reconcile repairs it). None is lost silently.
  await sandbox.tap!.idle();
  const confirmed = (sub: string) => sandbox.tap!.deliveries().filter((d) => d.event.detail.eventName === "AdminConfirmSignUp" && d.event.detail.additionalEventData?.sub === sub);
  const rows = new Map((await scanAll(dynamo, sandbox.tableName)).filter((r) => r.familyName === "Fault").map((r) => [r.id, r]));
  const repaired = subs.slice(15, 30).filter((s) => rows.has(s));
  expect(rows.size).toBe(25 + repaired.length);
  for (const sub of subs.slice(15, 30)) {
    const deliveries = confirmed(sub);
    expect([sub, deliveries.length]).toEqual([sub, 1]);
    expect([sub, deliveries[0].ok]).toEqual([sub, rows.has(sub)]);
  }
  users.forEach((u, i) => {
    const r = rows.get(subs[i]);
    if (i >= 15 && i < 30) return;
    expect(r).toEqual({
      id: subs[i],
      username: subs[i],
      email: u.email,
      userPoolId: sandbox.userPoolId,
      givenName: `F${i}`,
      familyName: "Fault",
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
  });
});

test("a port already in use fails at once with a message naming it", async () => {
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r()));
  const port = (blocker.address() as { port: number }).port;
  try {
    for (const service of ["dynamodb", "cognito", "lambda", "stepfunctions"] as const) {
      await expect(
        startSandbox({ stateDir: mkdtempSync(join(tmpdir(), "user-sync-port-")), inMemory: true, ports: { [service]: port } }),
      ).rejects.toThrow(new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use; stop what uses it or choose another port`));
    }
  } finally {
    blocker.close();
  }
});

describe("the sandbox does not answer web pages", () => {
  const invokeUrl = () => `${sandbox.lambda.endpoint}/2015-03-31/functions/${sandbox.functionName}/invocations`;
  /** A raw request, so the Host header is ours to set (fetch would not let us). */
  function raw(url: string, options: { method: string; headers: Record<string, string>; body?: string }): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(url, { method: options.method, headers: options.headers }, (res) => {
        let body = "";
        res.on("data", (d) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode!, body, headers: res.headers }));
      });
      req.on("error", reject);
      req.end(options.body);
    });
  }

  test("a cross-site text/plain or form POST to the Lambda runner is refused and runs nothing", async () => {
    await sandbox.lambda.clearInvocations();
    const event = JSON.stringify({ triggerSource: "PostConfirmation_ConfirmSignUp", request: { userAttributes: { sub: "csrf-sub" } } });
    for (const type of ["text/plain", "application/x-www-form-urlencoded", ""]) {
      const res = await raw(invokeUrl(), { method: "POST", headers: type ? { "content-type": type } : {}, body: event });
      expect(res.status).toBe(415);
    }
    expect(await sandbox.lambda.invocations()).toEqual([]);
    expect(await row("csrf-sub")).toBeUndefined();
  });

  /** What any SDK sends; the stand-ins check that it is there, not what it signs. */
  const signed = { authorization: "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=0", "x-amz-date": "20260101T000000Z" };
  /** Every endpoint the sandbox advertises (and Cognito's own, behind the tap), with a request each understands. */
  const endpoints = () => [
    { name: "DynamoDB", url: sandbox.dynamodb.endpoint, type: "application/x-amz-json-1.0", target: "DynamoDB_20120810.ListTables", body: "{}", secret: sandbox.tableName },
    { name: "Cognito (through the event tap)", url: sandbox.endpointEnv.AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER, type: "application/x-amz-json-1.1", target: "AWSCognitoIdentityProviderService.ListUserPools", body: '{"MaxResults":10}', secret: sandbox.userPoolId },
    { name: "Cognito (cognito-local itself)", url: sandbox.cognito.endpoint, type: "application/x-amz-json-1.1", target: "AWSCognitoIdentityProviderService.ListUserPools", body: '{"MaxResults":10}', secret: sandbox.userPoolId },
    { name: "Lambda", url: invokeUrl(), type: "application/json", target: "", body: "{}", secret: "" },
    { name: "Step Functions", url: sandbox.endpointEnv.AWS_ENDPOINT_URL_SFN, type: "application/x-amz-json-1.0", target: "AWSStepFunctions.ListExecutions", body: JSON.stringify({ stateMachineArn: sandbox.stateMachineArn }), secret: "executions" },
  ];

  test("every endpoint: the right request is served (the control for the refusals below)", async () => {
    for (const e of endpoints().filter((x) => x.secret)) {
      const res = await raw(e.url, { method: "POST", headers: { ...signed, "content-type": e.type, "x-amz-target": e.target }, body: e.body });
      expect([e.name, res.status, res.body.includes(e.secret)]).toEqual([e.name, 200, true]);
    }
  });

  test("every endpoint refuses a foreign Host (DNS rebinding), a foreign Origin, a CORS preflight and a body type a page can send, and grants no CORS", async () => {
    await sandbox.lambda.clearInvocations();
    for (const e of endpoints()) {
      const json = { ...signed, "content-type": e.type, "x-amz-target": e.target };
      const rebind = await raw(e.url, { method: "POST", headers: { ...json, host: "rebind.evil.example" }, body: e.body });
      const origin = await raw(e.url, { method: "POST", headers: { ...json, origin: "https://evil.example" }, body: e.body });
      const preflight = await raw(e.url, { method: "OPTIONS", headers: { origin: "https://evil.example", "access-control-request-method": "POST", "access-control-request-headers": "content-type,x-amz-target" } });
      const plain = await raw(e.url, { method: "POST", headers: { "content-type": "text/plain", "x-amz-target": e.target }, body: e.body });
      for (const [what, res, status] of [["Host", rebind, 403], ["Origin", origin, 403], ["preflight", preflight, 403], ["text/plain", plain, 415]] as const) {
        expect([e.name, what, res.status]).toEqual([e.name, what, status]);
        expect([e.name, what, res.headers["access-control-allow-origin"]]).toEqual([e.name, what, undefined]);
        if (e.secret) expect([e.name, what, res.body.includes(e.secret)]).toEqual([e.name, what, false]);
      }
    }
    // Nothing ran: a refused request never reaches a function.
    expect(await sandbox.lambda.invocations()).toEqual([]);
  });

  test("a loopback Origin (a developer's own page on localhost) is served, still without a CORS grant", async () => {
    const e = endpoints()[0];
    const res = await raw(e.url, { method: "POST", headers: { ...signed, "content-type": e.type, "x-amz-target": e.target, origin: "http://localhost:3000" }, body: e.body });
    expect(res.status).toBe(200);
    expect(res.headers["access-control-allow-origin"]).toBeUndefined();
  });

  test("a foreign Host header (DNS rebinding) is refused by the runner and by Cognito's code mailbox", async () => {
    const runner = await raw(invokeUrl(), { method: "POST", headers: { host: "evil.example:9001", "content-type": "application/json" }, body: "{}" });
    expect(runner.status).toBe(403);
    const codes = await raw(`${sandbox.cognito.endpoint}/_local/codes`, { method: "GET", headers: { host: "rebind.evil.example" } });
    expect(codes.status).toBe(403);
    expect(codes.body).not.toContain("code");
    const loopback = await raw(`${sandbox.cognito.endpoint}/_local/codes`, { method: "GET", headers: { host: "localhost" } });
    expect(loopback.status).toBe(200);
  });

  test("the AWS SDK's own Invoke (application/octet-stream) is served", async () => {
    const lambda = new LambdaClient({ endpoint: sandbox.lambda.endpoint, region: "us-east-1", credentials: { accessKeyId: "local", secretAccessKey: "local" } });
    try {
      const event = { triggerSource: "PostAuthentication_Authentication", request: { userAttributes: { sub: "sdk-sub" } } };
      const res = await lambda.send(new InvokeCommand({ FunctionName: sandbox.functionName, Payload: Buffer.from(JSON.stringify(event)) }));
      expect(res.FunctionError).toBeUndefined();
      expect(JSON.parse(Buffer.from(res.Payload!).toString())).toEqual(event);
    } finally {
      lambda.destroy();
    }
  });
});

test("an admin-created user confirmed by AdminSetUserPassword gets a row from the user-events function (no PostConfirmation ever fires)", async () => {
  const email = "admin-set-password@example.com";
  const created = await cognito.send(
    new AdminCreateUserCommand({ UserPoolId: sandbox.userPoolId, Username: email, UserAttributes: [{ Name: "email", Value: email }], MessageAction: "SUPPRESS" }),
  );
  const sub = created.User!.Attributes!.find((a) => a.Name === "sub")!.Value!;
  expect(await row(sub)).toBeUndefined();
  await cognito.send(new AdminSetUserPasswordCommand({ UserPoolId: sandbox.userPoolId, Username: email, Password: PASSWORD, Permanent: true }));
  await sandbox.tap!.idle();
  expect(await row(sub)).toMatchObject({ id: sub, email, userPoolId: sandbox.userPoolId });
  expect((await sandbox.lambda.invocations()).filter((i) => i.functionName === sandbox.functionName && i.sub === sub)).toEqual([]);
});

test("one scheduled reconcile now: start-execution on the sandbox's state machine repairs a row lost where no event shows it", async () => {
  const email = "scheduled@example.com";
  const created = await cognito.send(
    new AdminCreateUserCommand({ UserPoolId: sandbox.userPoolId, Username: email, UserAttributes: [{ Name: "email", Value: email }], MessageAction: "SUPPRESS" }),
  );
  const sub = created.User!.Attributes!.find((a) => a.Name === "sub")!.Value!;
  await cognito.send(new AdminSetUserPasswordCommand({ UserPoolId: sandbox.userPoolId, Username: email, Password: PASSWORD, Permanent: true }));
  await sandbox.tap!.idle();
  // Lost outside Cognito (a bad script, a restore): no Cognito call, so no event.
  await dynamo.send(new DeleteItemCommand({ TableName: sandbox.tableName, Key: marshall({ id: sub }) }));
  expect(await row(sub)).toBeUndefined();
  const sfn = new SFNClient({ endpoint: sandbox.endpointEnv.AWS_ENDPOINT_URL_SFN, region: "us-east-1", credentials: { accessKeyId: "local", secretAccessKey: "local" } });
  try {
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: sandbox.stateMachineArn, input: "{}" }));
    let execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    // Bounded by the test's timeout; the execution ends by itself.
    while (execution.status === "RUNNING") {
      await new Promise((r) => setTimeout(r, 50));
      execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    }
    expect(execution.status).toBe("SUCCEEDED");
    // Earlier tests left users without rows too (the fault test's, the admin-created one): all repaired.
    const report = JSON.parse(execution.output!);
    expect(report).toMatchObject({ userPoolId: sandbox.userPoolId, failed: 0 });
    expect(report.created).toBe(report.missing);
    expect(report.created).toBeGreaterThanOrEqual(1);
    expect(await row(sub)).toMatchObject({ id: sub, email, userPoolId: sandbox.userPoolId });
  } finally {
    sfn.destroy();
  }
});
