/** `user-sync attach` (npm run attach) and `user-sync detach` (npm run detach). */
import type { Command } from "commander";
import { UsageError, type Register } from "../command-helpers";
import { outputHint, PACKAGED, projectDefaults } from "../project";

interface TriggerFlags {
  userPoolId?: string;
  stack?: string;
  functionName?: string;
  region?: string;
  dryRun?: boolean;
  replace?: boolean;
  force?: boolean;
  json?: boolean;
  permissionCheck?: boolean;
}

async function run(kind: "attach" | "detach", flags: TriggerFlags): Promise<number> {
  const [{ clientConfig, createCognitoClient }, { LambdaClient }, attach, { cognitoMayInvoke }, { checkCredentials, TOOL_CLIENT, watched }] = await Promise.all([
    import("../../core/clients"),
    import("@aws-sdk/client-lambda"),
    import("./attach"),
    import("./permission"),
    import("../aws"),
  ]);
  const { outputs, stage, problem } = await projectDefaults(flags.stack);
  const userPoolId = flags.userPoolId ?? stage?.existingPool ?? outputs.user_pool_id;
  if (!userPoolId) throw new UsageError(`${kind}: --user-pool-id is required (${PACKAGED ? outputHint("user_pool_id", problem) : "or set userPool.existing in the config"})`);
  const functionName = flags.functionName ?? stage?.postConfirmationFunction ?? outputs.function_name;
  if (!functionName) throw new UsageError(`${kind}: --function-name is required: the function your UserSync created (${outputHint("function_name", problem)})`);
  if (stage?.existingPool && userPoolId !== stage.existingPool) {
    process.stderr.write(`warning: ${userPoolId} is not the config's userPool.existing (${stage.existingPool}); the stack grants Cognito the invoke permission for that pool only\n`);
  }
  const region = flags.region ?? process.env.AWS_REGION ?? outputs.region ?? stage?.region ?? "us-east-1";
  await checkCredentials(region);
  const cognito = watched(createCognitoClient(TOOL_CLIENT, { region }), { name: "Cognito", env: "COGNITO_IDENTITY_PROVIDER", region });
  const lambda = watched(new LambdaClient(clientConfig(TOOL_CLIENT, { region })), { name: "Lambda", env: "LAMBDA", region });
  const checkPermission = flags.permissionCheck === false ? undefined : (fn: string, pool: string) => cognitoMayInvoke(lambda, fn, pool);
  try {
    const change =
      kind === "attach"
        ? await attach.attachTrigger(cognito, { userPoolId, functionName, replace: flags.replace, dryRun: flags.dryRun, checkPermission })
        : await attach.detachTrigger(cognito, { userPoolId, functionName, force: flags.force, dryRun: flags.dryRun });
    if (flags.json) process.stdout.write(`${JSON.stringify(change, null, 2)}\n`);
    else process.stdout.write(`${attach.describeChange(change)}\n`);
    return change.alsoChanged.length ? 1 : 0;
  } catch (err) {
    if (!(err instanceof attach.AttachRefused)) throw err;
    process.stderr.write(`${kind} refused: ${err.message}\n`);
    return 1;
  } finally {
    cognito.destroy();
    lambda.destroy();
  }
}

export const registerAttach: Register = (program: Command, run_) => {
  const common = (c: Command) =>
    c
      .option("--user-pool-id <id>", "the pool (default: the config's userPool.existing, else user_pool_id in user-sync.outputs.json)")
      .option("--function-name <name>", "the trigger function (default: this stage's post-confirmation function, else function_name in user-sync.outputs.json)")
      .option("--stack <name>", "which stack of user-sync.outputs.json (default: this stage's, or the only one with UserSync's outputs)")
      .option("--region <region>", "AWS region (default: AWS_REGION, else the region in user-sync.outputs.json, else the config's)")
      .option("--dry-run", "print the exact difference; change nothing")
      .option("--json", "stdout holds only the JSON result");
  common(
    program
      .command("attach")
      .description(
        "Set a pool's PostConfirmation trigger to this stack's function, copying every other setting back (UpdateUserPool resets what it is not given); refuses to replace another function",
      ),
  )
    .option("--replace", "replace a PostConfirmation function that is not this stack's")
    .option("--no-permission-check", "skip checking that Cognito may invoke the function from this pool (lambda:GetPolicy)")
    .action(run_((flags: TriggerFlags) => run("attach", flags)));
  common(program.command("detach").description("Remove this stack's PostConfirmation trigger from a pool, changing nothing else"))
    .option("--force", "remove a PostConfirmation function that is not this stack's")
    .action(run_((flags: TriggerFlags) => run("detach", flags)));
};
