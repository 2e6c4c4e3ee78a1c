/**
 * The scheduled reconcile as synthesized: state machine, worker, scratch
 * table, schedule, alarms, and IAM that is exact (named actions on named
 * resources, the log-stream suffix the only "*").
 */
import { reconcileDefinition } from "../lib/reconcile-definition";
import { synthStack, type Synthesized } from "./helpers/synth";

const validateAsl: (definition: unknown) => Promise<{ isValid: boolean; errors: unknown[] }> = (() => {
  const mod = require("asl-validator");
  return async (definition) => (mod.default ?? mod)(definition);
})();

/** A role's inline policy statements (from its policy document), by role logical-id prefix. */
function statementsOf(s: Synthesized, rolePrefix: string): any[] {
  const policy = s.one("aws_iam_role_policy", rolePrefix);
  const docName = /data\.aws_iam_policy_document\.([^.]+)\.json/.exec(policy.policy)![1];
  return s.json.data.aws_iam_policy_document[docName].statement;
}
/** A trust policy; interpolations (resolved by Terraform) keep their text with ' for ". */
const trustOf = (s: Synthesized, rolePrefix: string) =>
  JSON.parse(s.one("aws_iam_role", rolePrefix).assume_role_policy.replace(/\$\{[^}]*\}/g, (m: string) => m.replace(/"/g, "'"))).Statement;
const accountExpr = (s: Synthesized) => `\${element(split(":", ${s.ref("aws_iam_role", "arn", "post-confirmation").slice(2, -1)}), 4)}`;

describe("default stage", () => {
  const s = synthStack();
  const worker = () => s.one("aws_lambda_function", "reconcile_worker");
  const machine = () => s.one("aws_sfn_state_machine");

  test("a Standard state machine whose definition is reconcileDefinition(worker), valid ASL", async () => {
    expect(machine()).toMatchObject({ name: "user-sync-dev-reconcile", type: "STANDARD", role_arn: s.ref("aws_iam_role", "arn", "reconcile_role") });
    const definition = JSON.parse(machine().definition);
    expect(definition).toEqual(reconcileDefinition(s.ref("aws_lambda_function", "arn", "reconcile_worker")));
    expect(await validateAsl(definition)).toMatchObject({ isValid: true, errors: [] });
  });

  test("the worker: its own bundle, 15-minute timeout, the pool, table, scratch table and pacing in its environment", () => {
    expect(worker()).toMatchObject({ function_name: "user-sync-dev-reconcile", runtime: "nodejs22.x", timeout: 900, memory_size: 1024, handler: "index.handler" });
    expect(worker().environment.variables).toMatchObject({
      USERS_TABLE_NAME: "user-sync-dev-users",
      USER_POOL_ID: s.ref("aws_cognito_user_pool", "id"),
      SCRATCH_TABLE_NAME: "user-sync-dev-reconcile-scratch",
      RECONCILE_RATE: "20",
      RECONCILE_SLICE_SECONDS: "600",
      RECONCILE_PRUNE: "false",
      POST_CONFIRMATION_FUNCTION: "user-sync-dev-post-confirmation",
    });
    expect(s.one("aws_cloudwatch_log_group", "reconcile")).toMatchObject({ name: "/aws/lambda/user-sync-dev-reconcile", retention_in_days: 30 });
  });

  test("the scratch table: keyed by run, TTL on, not protected (scratch data expires)", () => {
    expect(s.one("aws_dynamodb_table", "reconcile_scratch")).toMatchObject({
      name: "user-sync-dev-reconcile-scratch",
      hash_key: "pk",
      range_key: "sk",
      ttl: { attribute_name: "expiresAt", enabled: true },
      billing_mode: "PAY_PER_REQUEST",
    });
  });

  test("worker IAM: exactly the DynamoDB actions it uses on the one table, ListUsers on the one pool, its scratch table, ListExecutions on its machine", () => {
    const table = s.ref("aws_dynamodb_table", "arn", "users-table");
    expect(statementsOf(s, "reconcile_worker").map((st) => [st.sid, st.actions, st.resources])).toEqual([
      ["DescribeUserTable", ["dynamodb:DescribeTable"], [table]],
      ["ReadUserRows", ["dynamodb:GetItem", "dynamodb:BatchGetItem"], [table]],
      ["ScanUserRows", ["dynamodb:Scan"], [table]],
      ["CreateUserRows", ["dynamodb:PutItem"], [table]],
      ["UpdateUserRows", ["dynamodb:UpdateItem"], [table]],
      ["ListPoolUsers", ["cognito-idp:DescribeUserPool", "cognito-idp:ListUsers", "cognito-idp:AdminGetUser"], [s.ref("aws_cognito_user_pool", "arn")]],
      ["UseReconcileScratch", ["dynamodb:BatchWriteItem", "dynamodb:Query"], [s.ref("aws_dynamodb_table", "arn", "reconcile_scratch")]],
      [
        "SeeOtherRuns",
        ["states:ListExecutions"],
        [`arn:\${element(split(":", ${s.ref("aws_iam_role", "arn", "post-confirmation").slice(2, -1)}), 1)}:states:us-east-1:${accountExpr(s)}:stateMachine:user-sync-dev-reconcile`],
      ],
      ["WriteOwnLogs", ["logs:CreateLogStream", "logs:PutLogEvents"], [`${s.ref("aws_cloudwatch_log_group", "arn", "reconcile")}:log-stream:*`]],
    ]);
    expect(trustOf(s, "reconcile_worker")).toEqual([{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }]);
  });

  test("the state machine may invoke the worker only; the scheduler may start the state machine only; both for this account only", () => {
    expect(statementsOf(s, "reconcile_policy").map((st) => [st.sid, st.actions, st.resources])).toEqual([
      ["InvokeWorker", ["lambda:InvokeFunction"], [s.ref("aws_lambda_function", "arn", "reconcile_worker")]],
    ]);
    expect(statementsOf(s, "reconcile_scheduler").map((st) => [st.sid, st.actions, st.resources])).toEqual([
      ["StartReconcile", ["states:StartExecution"], [s.ref("aws_sfn_state_machine", "arn")]],
    ]);
    for (const [prefix, service] of [["reconcile_role", "states.amazonaws.com"], ["reconcile_scheduler", "scheduler.amazonaws.com"]]) {
      expect(trustOf(s, prefix)).toEqual([
        { Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole", Condition: { StringEquals: { "aws:SourceAccount": accountExpr(s).replace(/"/g, "'") } } },
      ]);
    }
  });

  test("no * action allowed anywhere; no * resource but the log-stream suffix; the only Deny refuses plain HTTP", () => {
    for (const doc of Object.values(s.json.data.aws_iam_policy_document) as any[]) {
      for (const st of doc.statement) {
        if (st.effect === "Deny") {
          expect(st).toMatchObject({ sid: "DenyInsecureTransport", condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }] });
          continue;
        }
        for (const action of st.actions) expect(action).not.toMatch(/[*?]/);
        for (const resource of st.resources) expect(resource.replace(/:log-stream:\*$/, "")).not.toMatch(/\*/);
      }
    }
  });

  test("the schedule: daily at 03:00 UTC, starting the state machine with its own role", () => {
    expect(s.one("aws_scheduler_schedule")).toEqual({
      name: "user-sync-dev-reconcile",
      schedule_expression: "cron(0 3 * * ? *)",
      schedule_expression_timezone: "UTC",
      flexible_time_window: { mode: "OFF" },
      target: { arn: s.ref("aws_sfn_state_machine", "arn"), role_arn: s.ref("aws_iam_role", "arn", "reconcile_scheduler"), input: "{}" },
    });
  });

  test("alarms: trigger errors, p99 duration over 3 s, throttles, reconcile failed or timed out, missing rows, trigger detached; no topic by default", () => {
    const alarms = Object.values(s.json.resource.aws_cloudwatch_metric_alarm) as any[];
    const byName = Object.fromEntries(alarms.map((a) => [a.alarm_name, a]));
    const fn = s.ref("aws_lambda_function", "function_name", "post-confirmation");
    expect(byName["user-sync-dev-post-confirmation-errors"]).toMatchObject({ namespace: "AWS/Lambda", metric_name: "Errors", dimensions: { FunctionName: fn }, period: 300, statistic: "Sum", threshold: 0, comparison_operator: "GreaterThanThreshold" });
    expect(byName["user-sync-dev-post-confirmation-duration-p99"]).toMatchObject({ metric_name: "Duration", extended_statistic: "p99", threshold: 3000 });
    expect(byName["user-sync-dev-post-confirmation-throttles"]).toMatchObject({ metric_name: "Throttles", threshold: 0 });
    const machineArn = s.ref("aws_sfn_state_machine", "arn");
    expect(byName["user-sync-dev-reconcile-failed"]).toMatchObject({ namespace: "AWS/States", metric_name: "ExecutionsFailed", dimensions: { StateMachineArn: machineArn } });
    expect(byName["user-sync-dev-reconcile-timed-out"]).toMatchObject({ namespace: "AWS/States", metric_name: "ExecutionsTimedOut", dimensions: { StateMachineArn: machineArn } });
    // The worker's own EMF metrics: rows it found missing, and a pool whose trigger is not ours.
    for (const [alarm, metric] of [["reconcile-missing-rows", "missing"], ["post-confirmation-detached", "triggerDrift"]]) {
      expect(byName[`user-sync-dev-${alarm}`]).toMatchObject({
        namespace: "UserSync",
        metric_name: metric,
        dimensions: { Function: s.ref("aws_lambda_function", "function_name", "reconcile_worker") },
        statistic: "Maximum",
        threshold: 0,
      });
    }
    for (const alarm of alarms) expect(alarm.alarm_actions).toBeUndefined();
    expect(s.json.resource.aws_sns_topic).toBeUndefined();
  });
});

describe("options", () => {
  test("reconcileSchedule off: the state machine stays, no schedule and no scheduler role", () => {
    const s = synthStack({ USER_SYNC_RECONCILE_SCHEDULE: "off" });
    expect(s.json.resource.aws_scheduler_schedule).toBeUndefined();
    expect(s.names("aws_iam_role").some((n) => n.startsWith("reconcile_scheduler"))).toBe(false);
    expect(s.one("aws_sfn_state_machine")).toBeDefined();
  });

  test("any schedule expression and time zone; rate, slice and prune reach the worker; prune adds DeleteItem", () => {
    const s = synthStack({
      USER_SYNC_RECONCILE_SCHEDULE: "rate(6 hours)",
      USER_SYNC_RECONCILE_SCHEDULE_TIMEZONE: "Europe/Paris",
      USER_SYNC_RECONCILE_RATE: "10",
      USER_SYNC_RECONCILE_SLICE_SECONDS: "300",
      USER_SYNC_RECONCILE_PRUNE: "true",
      USER_SYNC_RECONCILE_MAX_PRUNE: "500",
    });
    expect(s.one("aws_scheduler_schedule")).toMatchObject({ schedule_expression: "rate(6 hours)", schedule_expression_timezone: "Europe/Paris" });
    expect(s.one("aws_lambda_function", "reconcile_worker").environment.variables).toMatchObject({
      RECONCILE_RATE: "10",
      RECONCILE_SLICE_SECONDS: "300",
      RECONCILE_PRUNE: "true",
      RECONCILE_MAX_PRUNE: "500",
    });
    expect(statementsOf(s, "reconcile_worker").find((st) => st.sid === "DeleteUserRows").actions).toEqual(["dynamodb:DeleteItem"]);
    expect(statementsOf(synthStack(), "reconcile_worker").some((st) => st.actions.includes("dynamodb:DeleteItem"))).toBe(false);
    // The strongly consistent read before a row is created or revived, and before each prune delete: with prune or without.
    for (const stack of [s, synthStack()]) {
      expect(statementsOf(stack, "reconcile_worker").find((st) => st.sid === "ListPoolUsers").actions).toEqual(["cognito-idp:DescribeUserPool", "cognito-idp:ListUsers", "cognito-idp:AdminGetUser"]);
    }
  });

  test("alarmEmail: a topic with the address subscribed, every alarm notifies it", () => {
    const s = synthStack({ USER_SYNC_ALARM_EMAIL: "ops@acme.example" });
    expect(s.one("aws_sns_topic")).toMatchObject({ name: "user-sync-dev-alarms" });
    expect(s.one("aws_sns_topic_subscription")).toEqual({ topic_arn: s.ref("aws_sns_topic", "arn"), protocol: "email", endpoint: "ops@acme.example" });
    for (const alarm of Object.values(s.json.resource.aws_cloudwatch_metric_alarm) as any[]) {
      expect(alarm.alarm_actions).toEqual([s.ref("aws_sns_topic", "arn")]);
      expect(alarm.ok_actions).toEqual([s.ref("aws_sns_topic", "arn")]);
    }
  });

  test("alarmTopicArn: your topic, none created", () => {
    const topic = "arn:aws:sns:us-east-1:123456789012:ops";
    const s = synthStack({ USER_SYNC_ALARM_TOPIC_ARN: topic });
    expect(s.json.resource.aws_sns_topic).toBeUndefined();
    for (const alarm of Object.values(s.json.resource.aws_cloudwatch_metric_alarm) as any[]) expect(alarm.alarm_actions).toEqual([topic]);
  });

  test("a customer KMS key encrypts the scratch table too, and the worker's KMS statement appears once", () => {
    const kms = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    const s = synthStack({ USER_SYNC_KMS_KEY_ARN: kms });
    expect(s.one("aws_dynamodb_table", "reconcile_scratch").server_side_encryption).toEqual({ enabled: true, kms_key_arn: kms });
    expect(statementsOf(s, "reconcile_worker").filter((st) => st.sid === "UseTableKeyThroughDynamoDB")).toHaveLength(1);
  });
});
