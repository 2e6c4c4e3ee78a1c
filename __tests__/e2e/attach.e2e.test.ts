/**
 * `user-sync attach` / `detach` against the sandbox's Cognito stand-in, whose
 * UpdateUserPool resets what it is not given, as Cognito's does: an existing
 * pool with many settings gets this stack's trigger and keeps everything else;
 * another function's trigger is not replaced without --replace; a pool the
 * function may not be invoked from is refused; sign-ups then create rows.
 */
import {
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  DescribeUserPoolCommand,
  UpdateUserPoolCommand,
  type CognitoIdentityProviderClient,
  type UserPoolType,
} from "@aws-sdk/client-cognito-identity-provider";
import { execFile } from "node:child_process";
import { localFunctionArn } from "../../tools/local/stand-ins/lambda-runner";
import { grantCognitoInvoke, type Sandbox } from "../../tools/local/sandbox";
import { adminConfirm, signUp } from "../../tools/local/sign-up";
import { triggerDriftNote } from "../../tools/attach/drift";
import { changedSettings, updateKeepingEverything } from "../../tools/attach/pool-update";
import { scanAll, startTestSandbox } from "../helpers/sandbox";
import { BIN } from "../helpers/cli";

const OTHER_TRIGGER = "arn:aws:lambda:us-east-1:000000000000:function:acme-legacy-post-confirmation";

function cli(sandbox: Sandbox, args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { ...process.env, ...sandbox.endpointEnv, USER_SYNC_STAGE: "e2e" }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe("attach and detach", () => {
  let sandbox: Sandbox;
  let cognito: CognitoIdentityProviderClient;
  let pool: UserPoolType;
  const describePool = async (id = pool.Id!) => (await cognito.send(new DescribeUserPoolCommand({ UserPoolId: id }))).UserPool!;

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    cognito = sandbox.cognitoClient();
    // An app's existing pool: settings UpdateUserPool would reset, another trigger, no PostConfirmation.
    const created = await cognito.send(
      new CreateUserPoolCommand({
        PoolName: "acme-existing",
        Policies: { PasswordPolicy: { MinimumLength: 12, RequireNumbers: true, RequireSymbols: true, RequireUppercase: true, RequireLowercase: true, TemporaryPasswordValidityDays: 2 } },
        LambdaConfig: { PreTokenGeneration: "arn:aws:lambda:us-east-1:000000000000:function:acme-pre-token" },
        AutoVerifiedAttributes: ["email"],
        UsernameAttributes: ["email"],
        MfaConfiguration: "OFF",
        EmailVerificationSubject: "Acme: your code",
        EmailVerificationMessage: "Acme code {####}",
        SmsAuthenticationMessage: "Acme sign-in {####}",
        DeviceConfiguration: { ChallengeRequiredOnNewDevice: true, DeviceOnlyRememberedOnUserPrompt: false },
        EmailConfiguration: { EmailSendingAccount: "COGNITO_DEFAULT", ReplyToEmailAddress: "help@acme.example" },
        UserPoolTags: { team: "identity" },
        AdminCreateUserConfig: { AllowAdminCreateUserOnly: false, InviteMessageTemplate: { EmailSubject: "Welcome to Acme", EmailMessage: "Hi {username}, {####}" } },
        AccountRecoverySetting: { RecoveryMechanisms: [{ Name: "verified_email", Priority: 1 }] },
      }),
    );
    pool = created.UserPool!;
  });
  afterAll(async () => {
    cognito?.destroy();
    await sandbox?.stop();
  });

  it("refuses a pool the function may not be invoked from, naming the fix", async () => {
    const out = await cli(sandbox, ["attach", "--user-pool-id", pool.Id!, "--function-name", sandbox.functionName]);
    expect(out.status).toBe(1);
    expect(out.stderr).toContain("does not let cognito-idp.amazonaws.com invoke it");
    expect(out.stderr).toContain(`userPool.existing = "${pool.Id}"`);
    expect((await describePool()).LambdaConfig?.PostConfirmation).toBeUndefined();
  });

  it("--dry-run prints the exact difference and changes nothing", async () => {
    await grantCognitoInvoke(sandbox.lambda.endpoint, sandbox.functionName, pool.Arn!);
    const before = await describePool();
    const out = await cli(sandbox, ["attach", "--user-pool-id", pool.Id!, "--function-name", sandbox.functionName, "--dry-run"]);
    expect(out.status).toBe(0);
    expect(out.stdout).toContain("dry run: nothing changed");
    expect(out.stdout).toMatch(/LambdaConfig\.PostConfirmation: \(none\) -> arn:aws:lambda:.*:function:user-sync-e2e-post-confirmation/);
    expect(out.stdout).toContain("MfaConfiguration");
    expect(await describePool()).toEqual(before);
  });

  it("attaches the trigger, keeps every other setting, and sign-ups then create rows", async () => {
    const before = await describePool();
    const out = await cli(sandbox, ["attach", "--user-pool-id", pool.Id!, "--function-name", sandbox.functionName, "--json"]);
    if (out.status !== 0) throw new Error(out.stdout + out.stderr);
    const change = JSON.parse(out.stdout);
    expect(change).toMatchObject({ userPoolId: pool.Id, before: null, unchanged: false, alsoChanged: [] });
    const after = await describePool();
    expect(after.LambdaConfig).toEqual({ ...before.LambdaConfig, PostConfirmation: change.after });
    expect(changedSettings(before, after)).toEqual(["LambdaConfig"]);
    expect(after.EmailVerificationSubject).toBe("Acme: your code");
    expect(after.UserPoolTags).toEqual({ team: "identity" });

    const { UserPoolClient } = await cognito.send(new CreateUserPoolClientCommand({ UserPoolId: pool.Id!, ClientName: "app" }));
    const sub = await signUp(cognito, UserPoolClient!.ClientId!, { email: "adopted@example.com", password: "Correct-Horse-9!x" });
    await adminConfirm(cognito, pool.Id!, "adopted@example.com");
    const rows = await scanAll(sandbox.dynamoClient(), sandbox.tableName);
    expect(rows.find((r) => r.id === sub)).toMatchObject({ email: "adopted@example.com", userPoolId: pool.Id });
  });

  it("attaching again is a no-op", async () => {
    const out = await cli(sandbox, ["attach", "--user-pool-id", pool.Id!, "--function-name", sandbox.functionName]);
    expect(out.status).toBe(0);
    expect(out.stdout).toContain("nothing to do");
  });

  it("a plain UpdateUserPool would have wiped the settings attach kept (the trap is real in the stand-in)", async () => {
    const scratch = (await cognito.send(new CreateUserPoolCommand({ PoolName: "trap", EmailVerificationSubject: "kept?", UserPoolTags: { a: "b" } }))).UserPool!;
    await cognito.send(new UpdateUserPoolCommand({ UserPoolId: scratch.Id!, LambdaConfig: { PostConfirmation: localFunctionArn("x") } }));
    const wiped = await describePool(scratch.Id!);
    expect(wiped.EmailVerificationSubject).toBeUndefined();
    expect(wiped.UserPoolTags).toBeUndefined();
  });

  it("refuses to replace another function's trigger without --replace, and replaces it with it", async () => {
    const current = await describePool();
    await cognito.send(new UpdateUserPoolCommand(updateKeepingEverything(current, { ...current.LambdaConfig, PostConfirmation: OTHER_TRIGGER })));
    const refused = await cli(sandbox, ["attach", "--user-pool-id", pool.Id!, "--function-name", sandbox.functionName]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain("acme-legacy-post-confirmation");
    expect(refused.stderr).toContain("--replace");
    expect((await describePool()).LambdaConfig?.PostConfirmation).toBe(OTHER_TRIGGER);
    const replaced = await cli(sandbox, ["attach", "--user-pool-id", pool.Id!, "--function-name", sandbox.functionName, "--replace"]);
    expect(replaced.status).toBe(0);
    expect(replaced.stdout).toContain("verified: nothing else changed");
    expect((await describePool()).LambdaConfig?.PostConfirmation).toMatch(/:function:user-sync-e2e-post-confirmation$/);
  });

  it("detach removes only this stack's trigger and keeps every other setting", async () => {
    const before = await describePool();
    const out = await cli(sandbox, ["detach", "--user-pool-id", pool.Id!, "--function-name", sandbox.functionName]);
    expect(out.status).toBe(0);
    const after = await describePool();
    const { PostConfirmation, ...others } = before.LambdaConfig!;
    expect(PostConfirmation).toBeDefined();
    expect(after.LambdaConfig).toEqual(others);
    expect(changedSettings(before, after)).toEqual(["LambdaConfig"]);
    const again = await cli(sandbox, ["detach", "--user-pool-id", pool.Id!, "--function-name", "someone-else"]);
    expect(again.stdout).toContain("nothing to do");
  });

  it("reconcile warns when the pool's PostConfirmation is not this stage's function (drift), and not when it is", async () => {
    const reconcile = (id: string) => cli(sandbox, ["reconcile", "--user-pool-id", id, "--table", sandbox.tableName, "--json", "--dry-run", "--allow-foreign-table"]);
    const drifted = await reconcile(pool.Id!);
    expect(JSON.parse(drifted.stdout).triggerDrift).toEqual({ expected: "user-sync-e2e-post-confirmation", actual: null });
    expect(drifted.stderr).toContain(`warning: user pool ${pool.Id} runs no function on PostConfirmation, not user-sync-e2e-post-confirmation`);
    expect(drifted.stderr).toContain("npm run attach");
    const own = await reconcile(sandbox.userPoolId);
    expect(JSON.parse(own.stdout).triggerDrift).toBeUndefined();
    expect(own.stderr).not.toContain("PostConfirmation");
  });

  it("the online plan's drift note reads the pool's trigger and never fails the plan", async () => {
    expect(await triggerDriftNote(cognito, pool.Id!, sandbox.functionName)).toMatch(new RegExp(`^DRIFT: user pool ${pool.Id} runs no function on PostConfirmation`));
    expect(await triggerDriftNote(cognito, sandbox.userPoolId, sandbox.functionName)).toBeUndefined();
    expect(await triggerDriftNote(cognito, sandbox.userPoolId, "another-function")).toContain("--replace");
    expect(await triggerDriftNote(cognito, "local_missing", sandbox.functionName)).toMatch(/^Could not check user pool local_missing/);
  });

  it("the sandbox's own pool: attach --dry-run finds this stage's trigger already there (try attach here first)", async () => {
    const out = await cli(sandbox, ["attach", "--user-pool-id", sandbox.userPoolId, "--dry-run"]);
    expect(out).toMatchObject({ status: 0 });
    expect(out.stdout).toContain("nothing to do");
  });

  it("a missing --user-pool-id is a one-line usage error", async () => {
    const out = await cli(sandbox, ["attach"]);
    expect(out.status).toBe(2);
    expect(out.stderr.trim().split("\n")).toHaveLength(1);
    expect(out.stderr).toContain("--user-pool-id");
  });
});
