/**
 * The state machine the stack deploys, run locally: its definition taken from
 * the synthesized JSON and validated with asl-validator, run by
 * aws-local-stepfunctions, its Lambda task the worker bundle in the local
 * Lambda runner, against dynalite and a Cognito stand-in that pages (1,200
 * users) as Cognito does. Slices short enough for many steps.
 */
import type { UserType } from "@aws-sdk/client-cognito-identity-provider";
import { BatchWriteItemCommand, ScanCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand, type DescribeExecutionCommandOutput } from "@aws-sdk/client-sfn";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { join } from "node:path";
import { buildUserRecord, syncOwnedFields, syncOwnedValues } from "../../core/user-record";
import { bundleFunction } from "../../lib/function/bundle";
import { resourceNames } from "../../lib/names";
import { loadConfig } from "../../lib/settings";
import { reconcileWorkerSpec, usersTableSpec } from "../../lib/specs";
import { LOCAL_CREDENTIALS, localDynamoDBClient } from "../../tools/local/clients";
import { createTable, startLocalDynamoDB, type LocalDynamoDB } from "../../tools/local/stand-ins/dynamodb";
import { startLambdaRunner, type LambdaRunner } from "../../tools/local/stand-ins/lambda-runner";
import { startPagedCognito, type PagedCognito } from "../../tools/local/stand-ins/paged-cognito";
import { createScratchTableInput, createTableInput } from "../../tools/local/resources";
import { startLocalStepFunctions, type LocalStepFunctions } from "../../tools/local/stand-ins/stepfunctions";
import { synthStack, testBundleRoot } from "../helpers/synth";

const env = { USER_SYNC_STAGE: "sfn", USER_SYNC_ATTRIBUTE_MAP: '{"given_name":"givenName","custom:plan":"plan"}' };
const config = loadConfig({ env, file: false });
const names = resourceNames(config);
const POOL = "us-east-1_Sfn12345";
const MACHINE_ARN = `arn:aws:states:us-east-1:000000000000:stateMachine:${names.reconcileStateMachine}`;
const WORKER_ARN = `arn:aws:lambda:us-east-1:000000000000:function:${names.reconcileWorker.function}`;
const USERS = 1_200;
const validateAsl = (d: unknown) => (require("asl-validator").default ?? require("asl-validator"))(d);

let db: LocalDynamoDB;
let dynamo: DynamoDBClient;
let cognito: PagedCognito;
let runner: LambdaRunner;
let states: LocalStepFunctions;
let sfn: SFNClient;
let definition: any;
const modified = new Date("2026-11-20T10:00:00.000Z");

const users: UserType[] = Array.from({ length: USERS }, (_, i) => ({
  Username: `user-${i}`,
  UserStatus: "CONFIRMED",
  Enabled: true,
  UserLastModifiedDate: modified,
  Attributes: [
    { Name: "sub", Value: `sub-${String(i).padStart(5, "0")}` },
    { Name: "email", Value: `u${i}@example.com` },
    { Name: "email_verified", Value: "true" },
    { Name: "given_name", Value: `Given${i}` },
    ...(i % 3 === 0 ? [{ Name: "custom:plan", Value: "pro" }] : []),
  ],
}));
const attributesOf = (u: UserType) => Object.fromEntries(u.Attributes!.map((a) => [a.Name!, a.Value!]));
const mapping = { attributeMap: config.attributeMap };
const cognitoUser = (u: UserType) => ({ userName: u.Username!, userPoolId: POOL, attributes: attributesOf(u) });

async function rows(): Promise<Map<string, Record<string, any>>> {
  const all = new Map<string, Record<string, any>>();
  let ExclusiveStartKey: any;
  do {
    const page = await dynamo.send(new ScanCommand({ TableName: names.usersTable, ExclusiveStartKey, ConsistentRead: true }));
    for (const item of page.Items ?? []) all.set(item.id.S!, unmarshall(item));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return all;
}

async function put(items: Record<string, unknown>[]) {
  for (let i = 0; i < items.length; i += 25) {
    await dynamo.send(new BatchWriteItemCommand({ RequestItems: { [names.usersTable]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item: marshall(Item) } })) } }));
  }
}

async function run(name: string): Promise<DescribeExecutionCommandOutput> {
  const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: MACHINE_ARN, name, input: "{}" }));
  return finished(executionArn!);
}

async function finished(executionArn: string): Promise<DescribeExecutionCommandOutput> {
  // The bound only stops a hang.
  for (const until = Date.now() + 120_000; Date.now() < until; ) {
    const e = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (e.status !== "RUNNING") return e;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${executionArn} still running after 120 s`);
}

const workerSteps = async () => (await runner.invocations()).filter((i) => i.functionName === names.reconcileWorker.function).length;

beforeAll(async () => {
  // The definition the stack deploys, with the worker's ARN where Terraform would put it.
  const synthesized = synthStack(env).one("aws_sfn_state_machine").definition as string;
  definition = JSON.parse(synthesized.replace(/\$\{aws_lambda_function\.[^.]+\.arn\}/g, WORKER_ARN));

  db = await startLocalDynamoDB();
  dynamo = localDynamoDBClient(db.endpoint);
  await createTable(dynamo, createTableInput(usersTableSpec(config)));
  await createTable(dynamo, createScratchTableInput(names.scratchTable));
  // The pool runs this stage's trigger, so the worker (told its name by the synthesized env) reports no drift.
  cognito = await startPagedCognito({ users: () => users, userPoolId: POOL, postConfirmation: `arn:aws:lambda:us-east-1:123456789012:function:${names.postConfirmation.function}` });
  runner = await startLambdaRunner({ functions: [] });
  states = await startLocalStepFunctions({ stateMachines: [{ arn: MACHINE_ARN, definition }], lambdaEndpoint: runner.endpoint });
  const spec = reconcileWorkerSpec(config, POOL);
  await runner.add({
    name: spec.names.function,
    bundleFile: bundleFunction(spec.entry, join(testBundleRoot(), spec.entry)).file,
    environment: {
      ...spec.environment,
      RECONCILE_RATE: "30",
      AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
      AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: cognito.endpoint,
      AWS_ENDPOINT_URL_SFN: states.endpoint,
    },
    // A step works until its slice ends or Lambda's remaining time less a minute's handover does:
    // with 60.15 s to live, each step gets about 150 ms, so 1,200 users take many steps.
    timeoutMs: 60_150,
  });
  sfn = new SFNClient({ endpoint: states.endpoint, region: "us-east-1", credentials: LOCAL_CREDENTIALS });

  // The table's drift: 300 users without a row, 100 stale rows, app-owned fields on 50 rows, 30 orphans, 10 rows of another pool.
  const now = new Date("2026-11-01T00:00:00.000Z");
  const seeded = users.slice(300).map((u, i) => {
    const row: Record<string, unknown> = buildUserRecord(cognitoUser(u), { ...mapping, now });
    if (i < 100) Object.assign(row, { email: `old-${i}@example.com`, givenName: "Stale" }, i < 20 ? { plan: "stale-plan" } : {});
    if (i >= 100 && i < 150) Object.assign(row, { bio: `bio ${i}`, loginCount: i, settings: { theme: "dark" } });
    return row;
  });
  const orphans = Array.from({ length: 30 }, (_, i) => ({ id: `orphan-${i}`, userPoolId: POOL, email: `gone${i}@example.com` }));
  const foreign = Array.from({ length: 10 }, (_, i) => ({ id: `foreign-${i}`, userPoolId: "us-east-1_Other999", email: `f${i}@example.com` }));
  await put([...seeded, ...orphans, ...foreign]);
}, 120_000);

afterAll(async () => {
  sfn?.destroy();
  dynamo?.destroy();
  await states?.stop();
  await runner?.stop();
  await cognito?.stop();
  await db?.stop();
});

test("the deployed definition is valid ASL", async () => {
  expect((await validateAsl(definition)).isValid).toBe(true);
  expect(definition.States.Step.Resource).toBe(WORKER_ARN);
});

test("one run repairs missing rows and stale fields in many steps; app-owned fields and createdAt stay; counts are exact", async () => {
  const before = await rows();
  const execution = await run("first");
  expect(execution.status).toBe("SUCCEEDED");
  const report = JSON.parse(execution.output!);
  expect(report).toMatchObject({
    scanned: USERS,
    expected: USERS,
    present: 900,
    missing: 300,
    created: 300,
    stale: 100,
    updated: 100,
    failed: 0,
    orphans: 30,
    foreignRows: 10,
    pruned: 0,
  });
  expect(report.updatedFields).toEqual({ email: 100, givenName: 100, plan: 20 });
  expect(await workerSteps()).toBeGreaterThanOrEqual(3);

  const after = await rows();
  for (const user of users) {
    const row = after.get(attributesOf(user).sub)!;
    const expected = syncOwnedValues(cognitoUser(user), mapping);
    for (const field of syncOwnedFields(mapping)) expect([field, row[field]]).toEqual([field, expected[field]]);
    const old = before.get(attributesOf(user).sub);
    if (!old) continue;
    // Everything that is not sync-owned is exactly as it was.
    const appOwned = (r: Record<string, any>) => Object.fromEntries(Object.entries(r).filter(([k]) => ![...syncOwnedFields(mapping), "updatedAt", "cognitoModifiedAt"].includes(k)));
    expect(appOwned(row)).toEqual(appOwned(old));
  }
  expect(after.get("orphan-0")).toBeDefined();
  expect(after.get("foreign-0")).toEqual(before.get("foreign-0"));
});

test("the worker published the run's metrics as an EMF line", async () => {
  const lines = runner.logs(names.reconcileWorker.function).map((l) => JSON.parse(l)).filter((l) => l._aws);
  expect(lines.at(-1)).toMatchObject({ Function: names.reconcileWorker.function, missing: 300, created: 300, updated: 100, orphans: 30, failed: 0, usersScanned: USERS, triggerDrift: 0 });
  expect(lines.at(-1)._aws.CloudWatchMetrics[0].Metrics.map((m: any) => m.Name).sort()).toEqual(
    ["created", "durationMs", "failed", "missing", "orphans", "triggerDrift", "updated", "usersScanned"].sort(),
  );
});

test("a second run changes nothing", async () => {
  const before = await rows();
  const execution = await run("second");
  expect(execution.status).toBe("SUCCEEDED");
  expect(JSON.parse(execution.output!)).toMatchObject({ scanned: USERS, missing: 0, created: 0, stale: 0, updated: 0, failed: 0, orphans: 30 });
  expect(await rows()).toEqual(before);
});

test("a start while a run is going ends at once with AlreadyRunning; the first run finishes", async () => {
  // The first run waits inside its first Cognito call until the second has come and gone.
  cognito.hold();
  let first;
  try {
    first = await sfn.send(new StartExecutionCommand({ stateMachineArn: MACHINE_ARN, name: "guard-first", input: "{}" }));
    while (cognito.held === 0) await new Promise((r) => setTimeout(r, 10));
  } catch (err) {
    cognito.release();
    throw err;
  }
  const second = await run("guard-second").finally(() => cognito.release());
  expect(second.status).toBe("SUCCEEDED");
  expect(JSON.parse(second.output!)).toMatchObject({ phase: "already-running", runningExecution: first.executionArn });
  const done = await finished(first.executionArn!);
  expect(done.status).toBe("SUCCEEDED");
  expect(JSON.parse(done.output!)).toMatchObject({ scanned: USERS });
});

test("a worker failure mid-run fails the execution visibly; a rerun converges", async () => {
  // Rows go missing, then the pool stops answering part way through the listing.
  const lost = users.slice(0, 50).map((u) => attributesOf(u).sub);
  for (const id of lost) await dynamo.send(new BatchWriteItemCommand({ RequestItems: { [names.usersTable]: [{ DeleteRequest: { Key: { id: { S: id } } } }] } }));
  const callsBefore = cognito.calls.length;
  const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: MACHINE_ARN, name: "fails", input: "{}" }));
  while (cognito.calls.length < callsBefore + 4) await new Promise((r) => setTimeout(r, 5));
  cognito.fail("NotAuthorizedException");
  const failed = await finished(executionArn!);
  cognito.fail(undefined);
  expect(failed.status).toBe("FAILED");
  expect(`${failed.error} ${failed.cause}`).toContain("NotAuthorizedException");

  const rerun = await run("rerun");
  expect(rerun.status).toBe("SUCCEEDED");
  expect(JSON.parse(rerun.output!)).toMatchObject({ scanned: USERS, failed: 0, updated: 0 });
  const after = await rows();
  for (const id of lost) expect(after.get(id)).toMatchObject({ id, userPoolId: POOL });
});
