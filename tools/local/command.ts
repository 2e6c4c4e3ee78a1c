/** `user-sync local` (npm run local) and `user-sync demo` (npm run demo). */
import type { Command } from "commander";
import { readFileSync } from "node:fs";
import { integerIn, UsageError, type Register } from "../command-helpers";

interface LocalFlags {
  reset?: boolean;
  stateDir?: string;
  host: string;
  dynamodbPort: number;
  cognitoPort: number;
  lambdaPort: number;
  stepfunctionsPort: number;
  amplifySchema?: string;
  amplifyConflictHandler: "AUTOMERGE" | "OPTIMISTIC_CONCURRENCY";
}

const port = (name: string) => integerIn(name, 0, 65535);

function conflictHandler(value: string): LocalFlags["amplifyConflictHandler"] {
  if (value === "AUTOMERGE" || value === "OPTIMISTIC_CONCURRENCY") return value;
  throw new UsageError(`--amplify-conflict-handler: ${JSON.stringify(value)} is not AUTOMERGE or OPTIMISTIC_CONCURRENCY`);
}

function printEndpoints(sandbox: import("./sandbox").Sandbox): void {
  const env = sandbox.endpointEnv;
  console.log(`
Local user-sync sandbox
  DynamoDB (dynalite)      ${sandbox.dynamodb.endpoint}   table ${sandbox.tableName}
  Cognito (cognito-local)  ${sandbox.tap?.endpoint ?? sandbox.cognito.endpoint}   pool ${sandbox.userPoolId}, client ${sandbox.clientId}${
    sandbox.tap ? `
                           (through the event tap: CloudTrail + EventBridge for ${sandbox.userEventsFunctionName})` : ""
  }
  Lambda runner            ${sandbox.lambda.endpoint}   function ${sandbox.functionName} (PostConfirmation), the reconcile worker${sandbox.tap ? " and user events" : ""}
  Step Functions           ${sandbox.stepfunctions.endpoint}   ${sandbox.stateMachineArn}${
    sandbox.appsync ? `
  AppSync (Amplify's)      ${sandbox.appsync.url}   subscriptions ${sandbox.appsync.realtimeUrl}; every row is written through it` : ""
  }

Point the AWS CLI (v1 or v2) or an SDK at it:
${Object.entries(env)
  .map(([k, v]) => `  export ${k}=${v}`)
  .join("\n")}

e.g.  aws cognito-idp sign-up --client-id ${sandbox.clientId} --username me@example.com --password '${EXAMPLE_PASSWORD}'
      aws cognito-idp admin-confirm-sign-up --user-pool-id ${sandbox.userPoolId} --username me@example.com
      aws dynamodb scan --table-name ${sandbox.tableName}
      aws cognito-idp admin-update-user-attributes --user-pool-id ${sandbox.userPoolId} --username me@example.com --user-attributes Name=given_name,Value=Ada
      aws cognito-idp admin-delete-user --user-pool-id ${sandbox.userPoolId} --username me@example.com    # the row is erased within a second
      aws stepfunctions start-execution --state-machine-arn ${sandbox.stateMachineArn}    # one scheduled reconcile now
      curl ${sandbox.lambda.endpoint}/_runner/invocations     # every function run and its outcome
`);
}

/** The password the README and this output use in examples; it meets the pool's policy. */
export const EXAMPLE_PASSWORD = "Correct-Horse-9";

async function runLocal(flags: LocalFlags): Promise<number> {
  const [{ DEFAULT_STATE_DIR, startSandbox }, { isLoopback }] = await Promise.all([import("./sandbox"), import("./http/guard")]);
  if (!isLoopback(flags.host)) {
    process.stderr.write(
      `\n!!! WARNING: --host ${flags.host} is not a loopback address. The sandbox needs no credentials, runs functions and hands out\n` +
        `!!! confirmation codes: anyone who can reach ${flags.host} can use it. Use 127.0.0.1 unless you really mean it.\n\n`,
    );
  }
  const stateDir = flags.stateDir ?? DEFAULT_STATE_DIR;
  let amplifySchema: string | undefined;
  if (flags.amplifySchema) {
    try {
      amplifySchema = readFileSync(flags.amplifySchema, "utf8");
    } catch (err) {
      throw new UsageError(`--amplify-schema: cannot read ${flags.amplifySchema} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); give the app's schema.graphql`);
    }
  }
  const sandbox = await startSandbox({
    amplifySchema,
    amplifyConflictHandler: flags.amplifyConflictHandler,
    stateDir,
    reset: flags.reset,
    host: flags.host,
    ports: { dynamodb: flags.dynamodbPort, cognito: flags.cognitoPort, lambda: flags.lambdaPort, stepfunctions: flags.stepfunctionsPort },
    onFunctionLog: (fn, line) => console.log(`[${fn}] ${line}`),
  });
  printEndpoints(sandbox);
  console.log(`State: ${stateDir} (--reset starts empty). Ctrl-C stops everything.`);
  const parent = process.ppid;
  let watch: NodeJS.Timeout | undefined;
  const signal = await new Promise<string>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
    // The terminal closed.
    process.once("SIGHUP", resolve);
    // Whatever started us (npm, a shell, a test) is gone, e.g. `kill` of npm alone: stop too, or our
    // services keep their ports. Services are children that exit when we do (IPC disconnect).
    watch = setInterval(() => process.ppid !== parent && resolve("parent exited"), 250);
  });
  clearInterval(watch);
  console.log(`\nStopping (${signal})...`);
  const invocations = await sandbox.lambda.invocations().catch(() => undefined);
  await sandbox.stop();
  const failed = invocations?.filter((i) => !i.ok) ?? [];
  console.log(`Stopped.${invocations ? ` ${invocations.length} function invocation(s), ${failed.length} failed.` : ""}`);
  for (const f of failed) console.log(`  failed: ${f.functionName} sub ${f.sub ?? "-"} (${f.triggerSource ?? "-"}): ${f.error}`);
  return 0;
}

async function runDemo(): Promise<number> {
  const [{ startSandbox }, { demo }, { mkdtempSync, rmSync }, { tmpdir }, { join }] = await Promise.all([
    import("./sandbox"),
    import("./demo"),
    import("node:fs"),
    import("node:os"),
    import("node:path"),
  ]);
  // Throw-away: fresh state and free ports, so it works next to a running sandbox.
  const stateDir = mkdtempSync(join(tmpdir(), "user-sync-demo-"));
  const sandbox = await startSandbox({ stateDir, reset: true });
  try {
    await demo(sandbox);
    console.log("\nDemo passed: the real bundles wrote the row (PostConfirmation) and made it follow the change and the delete (user events).");
    return 0;
  } finally {
    await sandbox.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

export const registerLocal: Register = (program: Command, run) => {
  program
    .command("local")
    .description("The sandbox until Ctrl-C, no AWS account needed: DynamoDB (dynalite), Cognito (cognito-local) behind the event tap (CloudTrail + EventBridge), the Lambda runner with the shipped bundles (trigger, user events, reconcile worker) and Step Functions with the scheduled reconcile; prints the endpoints and commands to use")
    .option("--reset", "start with empty state")
    .option("--state-dir <dir>", "where DynamoDB and Cognito keep their data (default .local/sandbox)")
    .option("--host <host>", "interface to listen on", "127.0.0.1")
    .option("--dynamodb-port <port>", "DynamoDB port (0 picks a free one)", port("--dynamodb-port"), 8000)
    .option("--cognito-port <port>", "Cognito port (0 picks a free one)", port("--cognito-port"), 9229)
    .option("--lambda-port <port>", "Lambda runner port (0 picks a free one)", port("--lambda-port"), 9001)
    .option("--stepfunctions-port <port>", "Step Functions port (0 picks a free one)", port("--stepfunctions-port"), 8083)
    .option("--amplify-schema <file>", "with amplifyApi set: the app's model schema, served by a local AppSync (Amplify's resolvers) that every function writes through")
    .option("--amplify-conflict-handler <handler>", "the local AppSync's conflict handler: AUTOMERGE or OPTIMISTIC_CONCURRENCY", conflictHandler, "AUTOMERGE")
    .action(run((flags: LocalFlags) => runLocal(flags)));

  program
    .command("demo")
    .description("A throw-away sandbox: sign a user up and confirm them (the trigger writes the row), change their email (user events refresh it), delete them (the row is erased); print each row, then exit")
    .action(run(() => runDemo()));
};
