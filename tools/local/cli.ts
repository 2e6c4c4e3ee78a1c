/**
 * `npm run local [-- --reset] [--demo] [--host h] [--dynamodb-port n] [--cognito-port n] [--lambda-port n]`
 * `npm run demo`: a throw-away sandbox, one user signed up and confirmed, the row printed.
 */
import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ROW_KEY } from "../../core/contract";
import { ConfigError } from "../../lib/settings";
import { DEFAULT_STATE_DIR, startSandbox, type Sandbox } from "./sandbox";
import { confirmWithEmailedCode, signUp } from "./sign-up";

const USAGE = `usage: npm run local -- [--reset] [--demo] [--host 127.0.0.1]
                        [--dynamodb-port 8000] [--cognito-port 9229] [--lambda-port 9001]
  --reset    start with empty state (${DEFAULT_STATE_DIR})
  --demo     sign a user up, confirm them, print their row, and exit (npm run demo)`;

function port(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--${name}: ${JSON.stringify(value)} is not a port number (0-65535; 0 picks a free one)`);
  return n;
}

function printEndpoints(sandbox: Sandbox): void {
  console.log(`
Local user-sync sandbox
  DynamoDB (dynalite)      ${sandbox.dynamodb.endpoint}   table ${sandbox.tableName}
  Cognito (cognito-local)  ${sandbox.cognito.endpoint}   pool ${sandbox.userPoolId}, client ${sandbox.clientId}
  Lambda runner            ${sandbox.lambda.endpoint}   function ${sandbox.functionName} (PostConfirmation)

Point the AWS CLI or an SDK at it:
${Object.entries(sandbox.endpointEnv)
  .map(([k, v]) => `  export ${k}=${v}`)
  .join("\n")}

e.g.  aws cognito-idp sign-up --client-id ${sandbox.clientId} --username me@example.com --password 'Passw0rd-long!'
      aws cognito-idp admin-confirm-sign-up --user-pool-id ${sandbox.userPoolId} --username me@example.com
      aws dynamodb scan --table-name ${sandbox.tableName}
      curl ${sandbox.lambda.endpoint}/_runner/invocations     # every trigger run and its outcome
`);
}

/** Signs a user up, confirms them with the emailed code, and reads the row back. */
export async function demo(sandbox: Sandbox): Promise<Record<string, unknown>> {
  const cognito = sandbox.cognitoClient();
  const dynamo = sandbox.dynamoClient();
  try {
    const email = `demo-${randomBytes(4).toString("hex")}@example.com`;
    console.log(`1. SignUp ${email}`);
    const sub = await signUp(cognito, sandbox.clientId, { email, password: `Demo-${randomBytes(6).toString("hex")}A1`, attributes: { given_name: "Demo" } });
    console.log(`   sub ${sub}; confirmation code delivered: ${(await sandbox.cognito.lastCode(email)) ? "yes" : "no"}`);
    console.log("2. ConfirmSignUp with the emailed code (Cognito runs the PostConfirmation trigger)");
    await confirmWithEmailedCode(cognito, sandbox.clientId, sandbox.cognito, email);
    const invocation = (await sandbox.lambda.invocations()).find((i) => i.sub === sub);
    if (!invocation) throw new Error("the PostConfirmation trigger was not invoked");
    if (!invocation.ok) throw new Error(`the PostConfirmation trigger failed: ${invocation.error}`);
    console.log(`   trigger ${invocation.triggerSource} ok in ${invocation.durationMs} ms`);
    console.log(`3. GetItem ${sandbox.tableName} ${ROW_KEY}=${sub}`);
    const res = await dynamo.send(new GetItemCommand({ TableName: sandbox.tableName, Key: { [ROW_KEY]: { S: sub } }, ConsistentRead: true }));
    if (!res.Item) throw new Error(`no row for ${sub} in ${sandbox.tableName}`);
    const row = unmarshall(res.Item);
    console.log(JSON.stringify(row, null, 2));
    return row;
  } finally {
    cognito.destroy();
    dynamo.destroy();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      reset: { type: "boolean" },
      demo: { type: "boolean" },
      help: { type: "boolean" },
      host: { type: "string" },
      "dynamodb-port": { type: "string" },
      "cognito-port": { type: "string" },
      "lambda-port": { type: "string" },
    },
  });
  if (values.help) return console.log(USAGE);
  // The demo is throw-away: fresh state and free ports, so it works next to a running sandbox.
  const stateDir = values.demo ? mkdtempSync(join(tmpdir(), "user-sync-demo-")) : DEFAULT_STATE_DIR;
  const sandbox = await startSandbox({
    stateDir,
    reset: values.reset,
    host: values.host,
    ports: {
      dynamodb: port("dynamodb-port", values["dynamodb-port"], values.demo ? 0 : 8000),
      cognito: port("cognito-port", values["cognito-port"], values.demo ? 0 : 9229),
      lambda: port("lambda-port", values["lambda-port"], values.demo ? 0 : 9001),
    },
    onFunctionLog: values.demo ? undefined : (fn, line) => console.log(`[${fn}] ${line}`),
  });
  if (values.demo) {
    try {
      await demo(sandbox);
      console.log("\nDemo passed: the row was written by the real bundle through the PostConfirmation trigger.");
    } finally {
      await sandbox.stop();
      rmSync(stateDir, { recursive: true, force: true });
    }
    return;
  }
  printEndpoints(sandbox);
  console.log(`State: ${stateDir} (--reset starts empty). Ctrl-C stops everything.`);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  console.log("\nStopping...");
  const invocations = await sandbox.lambda.invocations().catch(() => undefined);
  await sandbox.stop();
  const failed = invocations?.filter((i) => !i.ok) ?? [];
  console.log(`Stopped.${invocations ? ` ${invocations.length} trigger invocation(s), ${failed.length} failed.` : ""}`);
  for (const f of failed) console.log(`  failed: sub ${f.sub ?? "-"} (${f.triggerSource}): ${f.error}`);
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : `local sandbox failed: ${(err as Error).message}`);
  process.exit(1);
});
