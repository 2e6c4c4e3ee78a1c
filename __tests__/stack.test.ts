import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ALLOWED_TYPES } from "../tools/plan/plan-summary";
import { EXPECTED_RESOURCES, EXPECTED_RESOURCE_TYPES, STABLE_ADDRESSES } from "./helpers/expected-stack";
import { synthStack, type Synthesized } from "./helpers/synth";
import { ROOT } from "./helpers/cli";


/** The role policy's statements, in IAM JSON terms. */
function policyOf(s: Synthesized): any {
  const [name, document] = Object.entries(s.json.data.aws_iam_policy_document).find(([n]) => n.startsWith("post-confirmation")) as [string, any];
  expect(s.one("aws_iam_role_policy", "post-confirmation").policy).toBe(`\${data.aws_iam_policy_document.${name}.json}`);
  return {
    Statement: document.statement.map((st: any) => ({
      Sid: st.sid,
      Effect: st.effect,
      Action: st.actions,
      Resource: st.resources,
      ...(st.condition ? { Condition: Object.fromEntries(st.condition.map((c: any) => [c.test, { [c.variable]: c.values[0] }])) } : {}),
    })),
  };
}

describe("default stage", () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synthStack();
  });

  test("creates exactly the expected resource types, once each", () => {
    expect(Object.keys(s.json.resource).sort()).toEqual(EXPECTED_RESOURCE_TYPES);
    for (const type of EXPECTED_RESOURCE_TYPES) expect([type, Object.keys(s.json.resource[type]).length]).toEqual([type, EXPECTED_RESOURCES[type]]);
  });

  test("upgrading keeps the addresses version 0.1 deployed: nothing it created is replaced", () => {
    const addresses = Object.entries(s.json.resource).flatMap(([type, byName]) => Object.keys(byName as object).map((n) => `${type}.${n}`));
    expect(addresses).toEqual(expect.arrayContaining(STABLE_ADDRESSES));
  });

  test("every resource type the stack creates is one the plan summary expects", () => {
    for (const type of Object.keys(s.json.resource)) expect(ALLOWED_TYPES.has(type)).toBe(true);
  });

  test("Users table: on demand, keyed by id (the sub), PITR, AWS-owned encryption, deletion protection", () => {
    const table = s.one("aws_dynamodb_table", "users-table");
    expect(table).toMatchObject({
      name: "user-sync-dev-users",
      billing_mode: "PAY_PER_REQUEST",
      hash_key: "id",
      attribute: [{ name: "id", type: "S" }],
      point_in_time_recovery: { enabled: true },
      server_side_encryption: { enabled: false },
      deletion_protection_enabled: true,
    });
    expect(table.range_key).toBeUndefined();
    expect(table.global_secondary_index).toBeUndefined();
  });

  test("log group has the default 30-day retention and the function's name", () => {
    expect(s.one("aws_cloudwatch_log_group", "post-confirmation")).toMatchObject({
      name: "/aws/lambda/user-sync-dev-post-confirmation",
      retention_in_days: 30,
    });
  });

  test("IAM policy allows exactly PutItem on the table and log writes on the function's log group", () => {
    const policy = policyOf(s);
    const logGroupArn = s.ref("aws_cloudwatch_log_group", "arn", "post-confirmation");
    expect(policy.Statement).toEqual([
      { Sid: "CreateUserRows", Effect: "Allow", Action: ["dynamodb:PutItem"], Resource: [s.ref("aws_dynamodb_table", "arn", "users-table")] },
      {
        Sid: "WriteOwnLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: [`${logGroupArn}:log-stream:*`],
      },
    ]);
    for (const st of policy.Statement) {
      for (const action of st.Action) expect(action).not.toContain("*");
      for (const resource of st.Resource) expect(resource.replace(/:log-stream:\*$/, "")).not.toContain("*");
    }
    expect(s.one("aws_iam_role_policy", "post-confirmation").role).toBe(s.ref("aws_iam_role", "id", "post-confirmation"));
  });

  test("role can only be assumed by Lambda", () => {
    const trust = JSON.parse(s.one("aws_iam_role", "post-confirmation").assume_role_policy);
    expect(trust.Statement).toEqual([
      { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
    ]);
  });

  test("function: nodejs22.x on arm64, within Cognito's 5 s, 256 MB, JSON logs, table env", () => {
    const fn = s.one("aws_lambda_function", "post-confirmation");
    expect(fn).toMatchObject({
      function_name: "user-sync-dev-post-confirmation",
      runtime: "nodejs22.x",
      architectures: ["arm64"],
      handler: "index.handler",
      memory_size: 256,
      role: s.ref("aws_iam_role", "arn", "post-confirmation"),
      logging_config: { log_format: "JSON", log_group: s.ref("aws_cloudwatch_log_group", "name", "post-confirmation") },
    });
    expect(fn.timeout).toBeLessThanOrEqual(5);
    expect(fn.environment.variables.USERS_TABLE_NAME).toBe("user-sync-dev-users");
    expect(JSON.parse(fn.environment.variables.USER_ATTRIBUTE_MAP)).toMatchObject({ given_name: "givenName" });
    expect(fn.environment.variables.AMPLIFY_TYPENAME).toBeUndefined();
  });

  test("archive packaging: archive_file zips the bundle and the function uses its path and hash", () => {
    const zip = s.oneData("archive_file", "post-confirmation");
    const [zipName] = Object.keys(s.json.data.archive_file).filter((n) => n.startsWith("post-confirmation"));
    expect(zip.type).toBe("zip");
    expect(zip.source_dir).toMatch(/^assets\//);
    const fn = s.one("aws_lambda_function", "post-confirmation");
    expect(fn.filename).toBe(`\${data.archive_file.${zipName}.output_path}`);
    expect(fn.source_code_hash).toBe(`\${data.archive_file.${zipName}.output_base64sha256}`);
    expect(s.json.provider.archive).toBeDefined();
  });

  test("user pool: email username, auto-verified, password policy, email recovery, protected, trigger wired", () => {
    expect(s.one("aws_cognito_user_pool")).toMatchObject({
      name: "user-sync-dev-users",
      username_attributes: ["email"],
      auto_verified_attributes: ["email"],
      password_policy: { minimum_length: 12, require_lowercase: true, require_uppercase: true, require_numbers: true },
      account_recovery_setting: { recovery_mechanism: [{ name: "verified_email", priority: 1 }] },
      deletion_protection: "ACTIVE",
      lambda_config: { post_confirmation: s.ref("aws_lambda_function", "arn", "post-confirmation") },
    });
  });

  test("production pool: optional TOTP MFA, symbols in passwords, the old email kept until a new one is verified, no threat protection", () => {
    const pool = s.one("aws_cognito_user_pool");
    expect(pool).toMatchObject({
      mfa_configuration: "OPTIONAL",
      software_token_mfa_configuration: { enabled: true },
      password_policy: { require_symbols: true },
      user_attribute_update_settings: { attributes_require_verification_before_update: ["email"] },
      email_configuration: { email_sending_account: "COGNITO_DEFAULT" },
      user_pool_add_ons: { advanced_security_mode: "OFF" },
    });
    expect(pool.sms_configuration).toBeUndefined();
    expect(pool.user_pool_tier).toBeUndefined();
  });

  test("client: explicit read and write attributes; no custom attribute is user-writable by default", () => {
    const client = s.one("aws_cognito_user_pool_client");
    expect(client.write_attributes).toEqual(expect.arrayContaining(["email", "given_name", "family_name", "phone_number"]));
    expect(client.write_attributes).not.toContain("email_verified");
    expect(client.write_attributes.some((a: string) => a.startsWith("custom:"))).toBe(false);
    expect(client.read_attributes).toEqual(expect.arrayContaining(["email", "email_verified", "phone_number_verified"]));
  });

  test("client: no secret, SRP and refresh only, user-existence errors prevented", () => {
    expect(s.one("aws_cognito_user_pool_client")).toMatchObject({
      user_pool_id: s.ref("aws_cognito_user_pool", "id"),
      generate_secret: false,
      explicit_auth_flows: ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
      prevent_user_existence_errors: "ENABLED",
    });
    expect(s.one("aws_cognito_user_group")).toMatchObject({ name: "Admin", user_pool_id: s.ref("aws_cognito_user_pool", "id") });
  });

  test("invoke permission: only cognito-idp, only from this pool, only from this account", () => {
    expect(s.one("aws_lambda_permission", "user-pool_")).toEqual(
      expect.objectContaining({
        action: "lambda:InvokeFunction",
        function_name: s.ref("aws_lambda_function", "function_name", "post-confirmation"),
        principal: "cognito-idp.amazonaws.com",
        source_arn: s.ref("aws_cognito_user_pool", "arn"),
        source_account: `\${element(split(":", ${s.ref("aws_iam_role", "arn", "post-confirmation").slice(2, -1)}), 4)}`,
      }),
    );
  });

  test("no data source calls AWS: only the local archive_file and policy documents", () => {
    expect(Object.keys(s.json.data).sort()).toEqual(["archive_file", "aws_iam_policy_document"]);
  });

  test("outputs", () => {
    expect(Object.keys(s.json.output).sort()).toEqual(
      [
        "function_name",
        "reconcile_scratch_table_name",
        "reconcile_state_machine_arn",
        "region",
        "user_events_dead_letter_queue_url",
        "user_events_function_name",
        "user_pool_arn",
        "user_pool_client_id",
        "user_pool_id",
        "users_table_arn",
        "users_table_name",
      ].sort(),
    );
    expect(s.json.output.region.value).toBe("us-east-1");
    expect(s.json.output.users_table_arn.value).toBe(s.ref("aws_dynamodb_table", "arn", "users-table"));
  });

  test("nothing machine-specific: no absolute paths anywhere in the synthesized JSON", () => {
    expect(s.text).not.toMatch(/"\/(?!\/"|aws\/lambda\/)[^"]*"/);
    expect(s.text).not.toContain(process.cwd());
    expect(s.text).not.toMatch(/[A-Z]:\\\\/);
  });

  test("local state in the project root through a relative path, no provider skip flags by default", () => {
    expect(s.json.terraform.backend).toEqual({ local: { path: "../../../terraform.test-stack.tfstate" } });
    expect(s.json.provider.aws[0]).toEqual({ region: "us-east-1" });
  });
});

test("the real app (main.ts) writes a cdk.tf.json with no absolute path and its assets beside it", () => {
  const outdir = mkdtempSync(join(tmpdir(), "user-sync-app-"));
  execFileSync(process.execPath, ["--import", "tsx", "main.ts"], {
    cwd: ROOT,
    env: { ...process.env, CDKTF_OUTDIR: outdir, USER_SYNC_STAGE: "apptest", USER_SYNC_PACKAGING: "asset" },
    stdio: "pipe",
  });
  const stackDir = join(outdir, "stacks", "user-sync-apptest");
  const text = readFileSync(join(stackDir, "cdk.tf.json"), "utf8");
  expect(text).not.toContain(ROOT);
  expect(text).not.toContain(outdir);
  expect(text).not.toMatch(/"\/(?!\/"|aws\/lambda\/)[^"]*"/);
  const fn = Object.values(JSON.parse(text).resource.aws_lambda_function)[0] as any;
  expect(existsSync(join(stackDir, fn.filename))).toBe(true);
});

describe("options", () => {
  test("asset packaging: zipped at synth, no archive provider, hash of the zip", () => {
    const s = synthStack({ USER_SYNC_PACKAGING: "asset" });
    expect(Object.keys(s.json.data)).toEqual(["aws_iam_policy_document"]);
    expect(s.json.provider.archive).toBeUndefined();
    const fn = s.one("aws_lambda_function", "post-confirmation");
    expect(fn.filename).toMatch(/^assets\/.+\/archive\.zip$/);
    expect(fn.source_code_hash).toBe(`\${filebase64sha256("${fn.filename}")}`);
  });

  test("stage, region, retention, memory, tags and protection off", () => {
    const s = synthStack({
      USER_SYNC_STAGE: "prod",
      USER_SYNC_REGION: "eu-west-1",
      USER_SYNC_LOG_RETENTION_DAYS: "365",
      USER_SYNC_FUNCTION_MEMORY_MB: "512",
      USER_SYNC_DELETION_PROTECTION: "false",
      USER_SYNC_TAGS: '{"team":"identity"}',
    });
    expect(s.one("aws_dynamodb_table", "users-table")).toMatchObject({ name: "user-sync-prod-users", deletion_protection_enabled: false });
    expect(s.one("aws_cognito_user_pool").deletion_protection).toBe("INACTIVE");
    expect(s.one("aws_cloudwatch_log_group", "post-confirmation").retention_in_days).toBe(365);
    expect(s.one("aws_lambda_function", "post-confirmation").memory_size).toBe(512);
    expect(s.json.provider.aws[0]).toEqual({ region: "eu-west-1", default_tags: [{ tags: { team: "identity" } }] });
  });

  test("customer KMS key, email GSI, custom attributes, Amplify mode", () => {
    const kms = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    const s = synthStack({
      USER_SYNC_KMS_KEY_ARN: kms,
      USER_SYNC_EMAIL_INDEX: "true",
      USER_SYNC_ATTRIBUTE_MAP: '{"given_name":"firstName","custom:plan":"plan"}',
      USER_SYNC_AMPLIFY_TYPENAME: "User",
    });
    const table = s.one("aws_dynamodb_table", "users-table");
    expect(table.server_side_encryption).toEqual({ enabled: true, kms_key_arn: kms });
    expect(table.global_secondary_index).toEqual([{ name: "email-index", hash_key: "email", projection_type: "KEYS_ONLY" }]);
    expect(table.attribute).toEqual([{ name: "id", type: "S" }, { name: "email", type: "S" }]);
    expect(s.one("aws_cognito_user_pool").schema).toEqual([
      expect.objectContaining({ name: "plan", attribute_data_type: "String", mutable: true }),
    ]);
    const env = s.one("aws_lambda_function", "post-confirmation").environment.variables;
    expect(JSON.parse(env.USER_ATTRIBUTE_MAP)).toEqual({ given_name: "firstName", "custom:plan": "plan" });
    expect(env.AMPLIFY_TYPENAME).toBe("User");
    const kmsStatement = policyOf(s).Statement.find((st: any) => st.Sid === "UseTableKeyThroughDynamoDB");
    expect(kmsStatement).toEqual({
      Sid: "UseTableKeyThroughDynamoDB",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:GenerateDataKey"],
      Resource: [kms],
      Condition: { StringEquals: { "kms:ViaService": "dynamodb.us-east-1.amazonaws.com" } },
    });
  });

  test("pool options: MFA on or off, symbols optional, SES sending, threat protection, user-writable custom attributes", () => {
    const ses = "arn:aws:ses:us-east-1:123456789012:identity/acme.example";
    const on = synthStack({
      USER_SYNC_MFA: "ON",
      USER_SYNC_PASSWORD_REQUIRE_SYMBOLS: "false",
      USER_SYNC_SES_SOURCE_ARN: ses,
      USER_SYNC_FROM_ADDRESS: "Acme <no-reply@acme.example>",
      USER_SYNC_ADVANCED_SECURITY: "enforced",
      USER_SYNC_ATTRIBUTE_MAP: '{"custom:plan":"plan","custom:nickname2":"nick"}',
      USER_SYNC_USER_WRITABLE_ATTRIBUTES: '["custom:nickname2"]',
    });
    expect(on.one("aws_cognito_user_pool")).toMatchObject({
      mfa_configuration: "ON",
      software_token_mfa_configuration: { enabled: true },
      password_policy: { require_symbols: false },
      email_configuration: { email_sending_account: "DEVELOPER", source_arn: ses, from_email_address: "Acme <no-reply@acme.example>" },
      user_pool_add_ons: { advanced_security_mode: "ENFORCED" },
      user_pool_tier: "PLUS",
    });
    const client = on.one("aws_cognito_user_pool_client");
    expect(client.write_attributes).toContain("custom:nickname2");
    expect(client.write_attributes).not.toContain("custom:plan");
    expect(client.read_attributes).toEqual(expect.arrayContaining(["custom:plan", "custom:nickname2"]));

    const off = synthStack({ USER_SYNC_MFA: "OFF" }).one("aws_cognito_user_pool");
    expect(off.mfa_configuration).toBe("OFF");
    expect(off.software_token_mfa_configuration).toBeUndefined();
  });

  test("S3 remote backend with native locking, or a DynamoDB lock table", () => {
    const s = synthStack({ USER_SYNC_BACKEND_BUCKET: "acme-tf-state", USER_SYNC_STAGE: "qa" });
    expect(s.json.terraform.backend.s3).toEqual({
      bucket: "acme-tf-state",
      key: "user-sync/qa/terraform.tfstate",
      region: "us-east-1",
      encrypt: true,
      use_lockfile: true,
    });
    const locked = synthStack({ USER_SYNC_BACKEND_BUCKET: "acme-tf-state", USER_SYNC_BACKEND_LOCK: "tf-locks" });
    expect(locked.json.terraform.backend.s3).toMatchObject({ dynamodb_table: "tf-locks" });
    expect(locked.json.terraform.backend.s3.use_lockfile).toBeUndefined();
  });

  test("offline plan mode: provider skips credential, account-id and metadata checks", () => {
    const s = synthStack({ USER_SYNC_OFFLINE_PLAN: "true" });
    expect(s.json.provider.aws[0]).toMatchObject({
      skip_credentials_validation: true,
      skip_requesting_account_id: true,
      skip_metadata_api_check: "true",
    });
  });
});
