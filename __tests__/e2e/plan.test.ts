/**
 * The offline plan with the real Terraform CLI and the real AWS provider from
 * the machine's mirror. One init for the whole file.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { offlineCliConfig, PlanError, runPlan, type PlanResult } from "../../tools/plan/plan";
import { EXPECTED_RESOURCES } from "../helpers/expected-stack";
import { describeWithTerraform } from "../helpers/terraform";
import { userEventsPattern } from "../../core/user-events/cloudtrail";
import { isWildcard, summarizePlan } from "../../tools/plan/plan-summary";
import { BIN } from "../helpers/cli";


function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, USER_SYNC_STAGE: "plantest", ...extra };
  delete e.TF_CLI_CONFIG_FILE;
  return e;
}

describeWithTerraform("offline terraform plan", () => {
  let result: PlanResult;
  // The PostConfirmation side, where a type has several resources (the reconcile worker has its own).
  const PREFIX: Record<string, string> = {
    aws_lambda_function: "post-confirmation",
    aws_iam_role: "post-confirmation",
    aws_iam_role_policy: "post-confirmation",
    aws_iam_policy_document: "post-confirmation",
    aws_cloudwatch_log_group: "post-confirmation",
    aws_dynamodb_table: "users-table",
    aws_lambda_permission: "user-pool",
  };
  const matches = (r: any, type: string, prefix = PREFIX[type]) => r.type === type && (!prefix || r.name.startsWith(prefix));
  const changeOf = (type: string, prefix?: string) => result.plan.resource_changes.find((rc: any) => matches(rc, type, prefix));
  const configOf = (type: string, prefix?: string) => result.plan.configuration.root_module.resources.find((r: any) => matches(r, type, prefix));

  beforeAll(() => {
    result = runPlan({ offline: true, env: env(), outdir: mkdtempSync(join(tmpdir(), "user-sync-plan-")), log: () => undefined });
  }, 180_000);

  test("creates exactly the expected resources and only reads local policy documents", () => {
    const creates: Record<string, number> = {};
    for (const rc of result.plan.resource_changes.filter((rc: any) => rc.change.actions.join() === "create")) creates[rc.type] = (creates[rc.type] ?? 0) + 1;
    expect(creates).toEqual(EXPECTED_RESOURCES);
    const others = result.plan.resource_changes.filter((rc: any) => rc.change.actions.join() !== "create");
    expect(new Set(others.map((rc: any) => `${rc.address.split(".").slice(0, 2).join(".")} ${rc.change.actions.join()}`))).toEqual(
      new Set(["data.aws_iam_policy_document read"]),
    );
    expect(result.plan.errored).toBe(false);
  });

  test("function: nodejs22.x, arm64, 5 s, code from the synth-time zip", () => {
    const fn = changeOf("aws_lambda_function").change.after;
    expect(fn).toMatchObject({ runtime: "nodejs22.x", architectures: ["arm64"], timeout: 5, handler: "index.handler", memory_size: 256 });
    expect(fn.filename).toMatch(/^assets\/.+archive\.zip$/);
    expect(fn.source_code_hash).toMatch(/^[A-Za-z0-9+/]{43}=$/);
  });

  test("permission: cognito-idp only, scoped to this pool's ARN and this account", () => {
    const perm = changeOf("aws_lambda_permission");
    expect(perm.change.after).toMatchObject({ action: "lambda:InvokeFunction", principal: "cognito-idp.amazonaws.com" });
    expect(perm.change.after_unknown).toMatchObject({ source_arn: true, source_account: true });
    const expressions = configOf("aws_lambda_permission").expressions;
    const pool = configOf("aws_cognito_user_pool").address;
    expect(expressions.source_arn.references).toContain(`${pool}.arn`);
    expect(expressions.source_account.references).toContain(`${configOf("aws_iam_role").address}.arn`);
    expect(configOf("aws_cognito_user_pool").expressions.lambda_config[0].post_confirmation.references).toContain(
      `${configOf("aws_lambda_function").address}.arn`,
    );
  });

  test("IAM policy: exactly PutItem and the two log actions", () => {
    const doc = changeOf("aws_iam_policy_document").change.after;
    expect(doc.statement.map((s: any) => [s.sid, s.effect, s.actions])).toEqual([
      ["CreateUserRows", "Allow", ["dynamodb:PutItem"]],
      ["WriteOwnLogs", "Allow", ["logs:CreateLogStream", "logs:PutLogEvents"]],
    ]);
    const resources = configOf("aws_iam_policy_document").expressions.statement.map((s: any) => s.resources.constant_value);
    expect(resources).toEqual([
      [`\${${configOf("aws_dynamodb_table").address}.arn}`],
      [`\${${configOf("aws_cloudwatch_log_group").address}.arn}:log-stream:*`],
    ]);
  });

  test("the scheduled reconcile: state machine, schedule, worker and their exact grants, as planned", () => {
    const machine = changeOf("aws_sfn_state_machine").change;
    expect(machine.after).toMatchObject({ name: "user-sync-plantest-reconcile", type: "STANDARD" });
    expect(machine.after_unknown.definition).toBe(true);
    const definition = configOf("aws_sfn_state_machine").expressions.definition;
    expect(definition.references).toContain(`${configOf("aws_lambda_function", "reconcile_worker").address}.arn`);
    expect(changeOf("aws_scheduler_schedule").change.after).toMatchObject({ schedule_expression: "cron(0 3 * * ? *)", schedule_expression_timezone: "UTC" });
    const worker = changeOf("aws_iam_policy_document", "reconcile_worker").change.after;
    expect(worker.statement.map((st: any) => [st.sid, st.actions])).toEqual([
      ["DescribeUserTable", ["dynamodb:DescribeTable"]],
      ["ReadUserRows", ["dynamodb:BatchGetItem", "dynamodb:GetItem"]],
      ["ScanUserRows", ["dynamodb:Scan"]],
      ["CreateUserRows", ["dynamodb:PutItem"]],
      ["UpdateUserRows", ["dynamodb:UpdateItem"]],
      ["ListPoolUsers", ["cognito-idp:AdminGetUser", "cognito-idp:DescribeUserPool", "cognito-idp:ListUsers"]],
      ["UseReconcileScratch", ["dynamodb:BatchWriteItem", "dynamodb:Query"]],
      ["SeeOtherRuns", ["states:ListExecutions"]],
      ["WriteOwnLogs", ["logs:CreateLogStream", "logs:PutLogEvents"]],
    ]);
    expect(changeOf("aws_iam_policy_document", "reconcile_policy").change.after.statement.map((st: any) => st.actions)).toEqual([["lambda:InvokeFunction"]]);
    expect(changeOf("aws_iam_policy_document", "reconcile_scheduler").change.after.statement.map((st: any) => st.actions)).toEqual([["states:StartExecution"]]);
    const alarms = result.plan.resource_changes.filter((rc: any) => rc.type === "aws_cloudwatch_metric_alarm").map((rc: any) => rc.change.after.alarm_name);
    expect(alarms.sort()).toEqual(
      ["post-confirmation-detached", "post-confirmation-duration-p99", "post-confirmation-errors", "post-confirmation-throttles", "reconcile-failed", "reconcile-missing-rows", "reconcile-timed-out", "user-events-dead-letters", "user-events-unidentified"].map(
        (a) => `user-sync-plantest-${a}`,
      ),
    );
  });

  test("table and pool protections", () => {
    expect(changeOf("aws_dynamodb_table").change.after).toMatchObject({
      hash_key: "id",
      billing_mode: "PAY_PER_REQUEST",
      point_in_time_recovery: [{ enabled: true }],
      deletion_protection_enabled: true,
    });
    expect(changeOf("aws_cognito_user_pool").change.after).toMatchObject({
      deletion_protection: "ACTIVE",
      mfa_configuration: "OPTIONAL",
      software_token_mfa_configuration: [{ enabled: true }],
      password_policy: [expect.objectContaining({ require_symbols: true })],
      user_attribute_update_settings: [{ attributes_require_verification_before_update: ["email"] }],
      user_pool_add_ons: [{ advanced_security_mode: "OFF" }],
    });
    expect(changeOf("aws_cognito_user_pool_client").change.after.write_attributes.some((a: string) => a.startsWith("custom:"))).toBe(false);
    expect(changeOf("aws_cloudwatch_log_group").change.after.retention_in_days).toBe(30);
  });

  test("user events: the rule's pattern, its target with a dead-letter queue, exact grants, and what a missing trail means", () => {
    const rule = changeOf("aws_cloudwatch_event_rule").change.after;
    expect(JSON.parse(rule.event_pattern)).toEqual(userEventsPattern());
    expect(changeOf("aws_sqs_queue").change.after).toMatchObject({ name: "user-sync-plantest-user-events-dlq", sqs_managed_sse_enabled: true });
    expect(changeOf("aws_lambda_function_event_invoke_config").change.after).toMatchObject({ maximum_retry_attempts: 2 });
    const doc = changeOf("aws_iam_policy_document", "user-events_function").change.after;
    expect(doc.statement.map((st: any) => [st.sid, st.actions])).toEqual([
      ["GetUserRows", ["dynamodb:GetItem"]],
      ["CreateUserRows", ["dynamodb:PutItem"]],
      ["UpdateUserRows", ["dynamodb:UpdateItem"]],
      ["ReadPoolUsers", ["cognito-idp:AdminGetUser", "cognito-idp:ListUsers"]],
      ["DeadLetterFailedEvents", ["sqs:SendMessage"]],
      ["WriteOwnLogs", ["logs:CreateLogStream", "logs:PutLogEvents"]],
    ]);
    expect(result.summary.markdown).toContain("User events need a CloudTrail trail that logs management events in us-east-1");
    expect(result.summary.markdown).toContain("wait for the scheduled reconcile");
  });

  test("the summary lists changes and settings and finds no risk in the default stack", () => {
    expect(result.offline).toBe(true);
    const total = Object.values(EXPECTED_RESOURCES).reduce((a, b) => a + b, 0);
    expect(result.summary.counts).toEqual({ add: total, change: 0, replace: 0, destroy: 0 });
    expect(result.summary.risks).toEqual([]);
    expect(result.summary.markdown).toContain("Offline plan");
    expect(result.summary.markdown).toContain("| aws_dynamodb_table | 2 |");
    expect(result.summary.markdown).toContain("`dynamodb:PutItem`");
    expect(result.summary.markdown).toContain("| point-in-time recovery | `on` |");
    // The scheduled reconcile's grants are in the summary too, exact.
    expect(result.summary.markdown).toContain("`states:ListExecutions`");
    expect(result.summary.markdown).toContain("`states:StartExecution`");
    expect(result.summary.markdown).toContain("`lambda:InvokeFunction`");
    expect(result.summary.markdown).toMatch(/reconcile.*\(trust\).*`Service:states.amazonaws.com`/);
  });

  test("the summary flags wildcards, replaced tables and protections turned off", () => {
    const plan = structuredClone(result.plan);
    const table = plan.resource_changes.find((rc: any) => rc.type === "aws_dynamodb_table" && rc.name.startsWith("users-table"));
    table.change.actions = ["delete", "create"];
    table.change.after.deletion_protection_enabled = false;
    plan.resource_changes.find((rc: any) => rc.type === "aws_cognito_user_pool").change.after.deletion_protection = "INACTIVE";
    plan.resource_changes.find((rc: any) => rc.type === "aws_iam_policy_document").change.after.statement[0].actions = ["dynamodb:*"];
    const { risks, counts } = summarizePlan(plan);
    expect(counts.replace).toBe(1);
    expect(risks).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/aws_dynamodb_table\..* will be REPLACED/),
        expect.stringMatching(/aws_dynamodb_table\..*deletion protection is off/),
        expect.stringMatching(/aws_cognito_user_pool\..*deletion protection is off/),
        expect.stringMatching(/wildcard action `dynamodb:\*`/),
      ]),
    );
  });

  test("plan-summary prints again exactly the summary plan printed, notes included; a file that is not a plan is an error", () => {
    const again = spawnSync(process.execPath, [BIN, "plan-summary", result.planJsonFile], { encoding: "utf8", env: env() });
    expect(again.status).toBe(0);
    expect(again.stdout).toBe(`${result.summary.markdown}\n`);
    expect(again.stdout).toContain("> Offline plan:");
    const notPlan = join(mkdtempSync(join(tmpdir(), "user-sync-not-plan-")), "plan.json");
    writeFileSync(notPlan, "{}");
    const refused = spawnSync(process.execPath, [BIN, "plan-summary", notPlan], { encoding: "utf8" });
    expect(refused.status).toBe(1);
    expect(refused.stdout).toBe("");
    expect(refused.stderr).toContain("is not a plan written by terraform show -json");
  });

  test("a missing provider in the mirror fails with the fix, before terraform runs", () => {
    // The version the synthesized stack requires, as @cdktf/provider-aws writes it.
    const version = JSON.parse(readFileSync(join(result.stackDir, "cdk.tf.json"), "utf8")).terraform.required_providers.aws.version;
    expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    const empty = mkdtempSync(join(tmpdir(), "user-sync-empty-mirror-"));
    mkdirSync(join(empty, "registry.terraform.io"));
    expect(() => runPlan({ offline: true, env: env({ USER_SYNC_TF_MIRROR: empty }), outdir: mkdtempSync(join(tmpdir(), "p-")), log: () => undefined })).toThrow(
      new PlanError(`the provider mirror ${empty} has no registry.terraform.io/hashicorp/aws/${version}; set USER_SYNC_TF_MIRROR to a mirror that has it (terraform providers mirror <dir> on a connected machine creates one)`),
    );
  });
});

test("a missing terraform binary fails with the fix", () => {
  expect(() => runPlan({ offline: true, env: env({ TERRAFORM: "/nonexistent/terraform" }), log: () => undefined })).toThrow(/is not on PATH: install Terraform/);
});

test("another mirror is written into a copy of the CLI config literally, $ patterns and all", () => {
  const dir = mkdtempSync(join(tmpdir(), "user-sync-tfrc-test-"));
  const file = join(dir, "offline.tfrc");
  writeFileSync(file, 'provider_installation {\n  filesystem_mirror {\n    path = "/old/mirror"\n  }\n}\n');
  const mirror = "/mirrors/a$'b$&c$1";
  const derived = offlineCliConfig({ USER_SYNC_TF_CLI_CONFIG: file, USER_SYNC_TF_MIRROR: mirror });
  expect(derived.mirror).toBe(mirror);
  expect(readFileSync(derived.file, "utf8")).toBe(`provider_installation {\n  filesystem_mirror {\n    path = ${JSON.stringify(mirror)}\n  }\n}\n`);
  expect(readFileSync(file, "utf8")).toContain('"/old/mirror"');
});

test("wildcards are flagged except the log-stream part of one log group", () => {
  expect(isWildcard("arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/fn:log-stream:*")).toBe(false);
  expect(isWildcard("${aws_cloudwatch_log_group.x.arn}:log-stream:* (after apply)")).toBe(false);
  expect(isWildcard("arn:aws:logs:us-east-1:123456789012:log-group:*")).toBe(true);
  expect(isWildcard("arn:aws:dynamodb:us-east-1:123456789012:table/*")).toBe(true);
  expect(isWildcard("*")).toBe(true);
});

describeWithTerraform("offline terraform plan of an adopting stage (existing table and pool, single-table layout, Amplify)", () => {
  let result: PlanResult;
  beforeAll(() => {
    const adopt = env({
      USER_SYNC_STAGE: "adopt",
      USER_SYNC_TABLE_EXISTING: "AppTable",
      USER_SYNC_TABLE_PARTITION_KEY: "pk",
      USER_SYNC_TABLE_PARTITION_KEY_VALUE: "USER#{sub}",
      USER_SYNC_TABLE_SORT_KEY: "sk",
      USER_SYNC_TABLE_SORT_KEY_VALUE: "PROFILE",
      USER_SYNC_USER_POOL_EXISTING: "us-east-1_Existing1",
      USER_SYNC_AMPLIFY_TYPENAME: "User",
      USER_SYNC_CLOUD_TRAIL: "create",
      USER_SYNC_ON_USER_DELETED: "delete",
    });
    result = runPlan({ offline: true, env: adopt, outdir: mkdtempSync(join(tmpdir(), "user-sync-plan-adopt-")), log: () => undefined });
  }, 180_000);

  test("creates no pool, client, group or Users table; only the scratch table", () => {
    const types = result.plan.resource_changes.filter((rc: any) => rc.change.actions.join() === "create").map((rc: any) => rc.type);
    for (const type of ["aws_cognito_user_pool", "aws_cognito_user_pool_client", "aws_cognito_user_group"]) expect(types).not.toContain(type);
    expect(types.filter((t: string) => t === "aws_dynamodb_table")).toHaveLength(1);
    expect(result.plan.errored).toBe(false);
  });

  test("the permission names the existing pool's ARN and the functions the existing table and layout", () => {
    const permission = result.plan.configuration.root_module.resources.find((r: any) => r.type === "aws_lambda_permission" && r.name.startsWith("existing-user-pool"));
    expect(permission.expressions.source_arn.constant_value).toMatch(/^arn:\$\{element\(split\(":", aws_iam_role\.post-confirmation_role_F69A47F7\.arn\), 1\)\}:cognito-idp:us-east-1:.*:userpool\/us-east-1_Existing1$/);
    const fn = result.plan.resource_changes.find((rc: any) => rc.type === "aws_lambda_function" && rc.name.startsWith("post-confirmation")).change.after;
    expect(fn.environment[0].variables).toMatchObject({ USERS_TABLE_NAME: "AppTable", AMPLIFY_TYPENAME: "User" });
    expect(JSON.parse(fn.environment[0].variables.USERS_TABLE_KEY_LAYOUT)).toEqual({ partitionKey: { name: "pk", value: "USER#{sub}" }, sortKey: { name: "sk", value: "PROFILE" } });
  });

  test("user events with a trail of their own; a delete under conflict detection is a soft delete, so no DeleteItem", () => {
    const created = (type: string) => result.plan.resource_changes.filter((rc: any) => rc.type === type && rc.change.actions.join() === "create");
    expect(created("aws_cloudtrail").map((rc: any) => rc.change.after)).toEqual([
      expect.objectContaining({ name: "user-sync-adopt-trail", enable_log_file_validation: true, is_multi_region_trail: false, event_selector: [expect.objectContaining({ read_write_type: "WriteOnly", include_management_events: true })] }),
    ]);
    expect(created("aws_s3_bucket_public_access_block")[0].change.after).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
    expect(created("aws_s3_bucket_lifecycle_configuration")[0].change.after.rule[0]).toMatchObject({ status: "Enabled", expiration: [expect.objectContaining({ days: 90 })] });
    const doc = result.plan.resource_changes.find((rc: any) => rc.type === "aws_iam_policy_document" && rc.name.startsWith("user-events_function")).change.after;
    const actions = doc.statement.flatMap((st: any) => st.actions);
    expect(actions).toEqual(expect.arrayContaining(["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]));
    expect(actions).not.toContain("dynamodb:DeleteItem");
    expect(result.summary.markdown).toContain("this plan creates a trail (user-sync-adopt-trail");
  });

  test("the summary says what is not managed here, and finds no risk", () => {
    expect(result.summary.markdown).toContain("The Users table AppTable is not managed by this stack (table.existing)");
    expect(result.summary.markdown).toContain("The user pool us-east-1_Existing1 is not managed by this stack (userPool.existing)");
    expect(result.summary.risks).toEqual([]);
  });
});
