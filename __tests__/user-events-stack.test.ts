/** The user-events part of the stack as synthesized: rule, target, dead letters, exact grants, the optional trail. */
import { userEventsPattern } from "../core/user-events/cloudtrail";
import { synthStack } from "./helpers/synth";

const statementsOf = (s: ReturnType<typeof synthStack>) => s.oneData("aws_iam_policy_document", "user-events_function").statement as any[];
const actionsOf = (s: ReturnType<typeof synthStack>) => statementsOf(s).flatMap((st) => st.actions);

describe("default stage", () => {
  const s = synthStack({});
  const fn = () => s.one("aws_lambda_function", "user-events");

  test("the function: its own bundle and log group, the documented environment", () => {
    expect(fn()).toMatchObject({ function_name: "user-sync-dev-user-events", runtime: "nodejs22.x", timeout: 30, handler: "index.handler" });
    expect(fn().environment.variables).toMatchObject({
      USERS_TABLE_NAME: "user-sync-dev-users",
      USER_POOL_ID: s.ref("aws_cognito_user_pool", "id"),
      USER_ATTRIBUTE_MAP: expect.any(String),
      ON_USER_DELETED: "erase",
    });
    expect(s.one("aws_cloudwatch_log_group", "user-events")).toMatchObject({ name: "/aws/lambda/user-sync-dev-user-events", retention_in_days: 30 });
  });

  test("the rule matches successful Cognito user calls via CloudTrail and targets the function, with a dead-letter queue", () => {
    const rule = s.one("aws_cloudwatch_event_rule");
    expect(JSON.parse(rule.event_pattern)).toEqual(userEventsPattern());
    expect(JSON.parse(rule.event_pattern).detail.errorCode).toEqual([{ exists: false }, ""]);
    expect(s.one("aws_cloudwatch_event_target")).toMatchObject({
      rule: s.ref("aws_cloudwatch_event_rule", "name"),
      arn: s.ref("aws_lambda_function", "arn", "user-events"),
      dead_letter_config: { arn: s.ref("aws_sqs_queue", "arn") },
    });
    expect(s.one("aws_lambda_permission", "user-events")).toMatchObject({ principal: "events.amazonaws.com", source_arn: s.ref("aws_cloudwatch_event_rule", "arn") });
    expect(s.one("aws_lambda_function_event_invoke_config")).toMatchObject({
      maximum_retry_attempts: 2,
      destination_config: { on_failure: { destination: s.ref("aws_sqs_queue", "arn") } },
    });
  });

  test("the dead-letter queue: encrypted, two weeks, only this rule may send, TLS only; an alarm on its depth", () => {
    expect(s.one("aws_sqs_queue")).toMatchObject({ name: "user-sync-dev-user-events-dlq", sqs_managed_sse_enabled: true, message_retention_seconds: 1209600 });
    const policy = s.oneData("aws_iam_policy_document", "user-events_dead-letters").statement;
    expect(policy[0]).toMatchObject({
      effect: "Allow",
      principals: [{ type: "Service", identifiers: ["events.amazonaws.com"] }],
      actions: ["sqs:SendMessage"],
      condition: [{ test: "ArnEquals", variable: "aws:SourceArn", values: [s.ref("aws_cloudwatch_event_rule", "arn")] }],
    });
    expect(policy[1]).toMatchObject({ effect: "Deny", condition: [{ variable: "aws:SecureTransport", values: ["false"] }] });
    const alarm = Object.values(s.json.resource.aws_cloudwatch_metric_alarm).find((a: any) => a.alarm_name === "user-sync-dev-user-events-dead-letters") as any;
    expect(alarm).toMatchObject({ namespace: "AWS/SQS", metric_name: "ApproximateNumberOfMessagesVisible", dimensions: { QueueName: s.ref("aws_sqs_queue", "name") }, threshold: 0 });
  });

  test("an alarm on events that name no user (counted by the function, never silent)", () => {
    const alarm = Object.values(s.json.resource.aws_cloudwatch_metric_alarm).find((a: any) => a.alarm_name === "user-sync-dev-user-events-unidentified") as any;
    expect(alarm).toMatchObject({ namespace: "UserSync", metric_name: "unidentified", dimensions: { Function: s.ref("aws_lambda_function", "function_name", "user-events") }, statistic: "Sum", threshold: 0 });
  });

  test("IAM: the DynamoDB and Cognito actions it uses, on this table and pool; no DeleteItem by default", () => {
    expect(statementsOf(s).map((st) => [st.sid, st.actions, st.resources])).toEqual([
      ["GetUserRows", ["dynamodb:GetItem"], [s.ref("aws_dynamodb_table", "arn", "users-table")]],
      ["CreateUserRows", ["dynamodb:PutItem"], [s.ref("aws_dynamodb_table", "arn", "users-table")]],
      ["UpdateUserRows", ["dynamodb:UpdateItem"], [s.ref("aws_dynamodb_table", "arn", "users-table")]],
      ["ReadPoolUsers", ["cognito-idp:AdminGetUser", "cognito-idp:ListUsers"], [s.ref("aws_cognito_user_pool", "arn")]],
      ["DeadLetterFailedEvents", ["sqs:SendMessage"], [s.ref("aws_sqs_queue", "arn")]],
      ["WriteOwnLogs", ["logs:CreateLogStream", "logs:PutLogEvents"], [`${s.ref("aws_cloudwatch_log_group", "arn", "user-events")}:log-stream:*`]],
    ]);
  });

  test("no trail by default (cloudTrail: existing)", () => {
    expect(s.json.resource.aws_cloudtrail).toBeUndefined();
    expect(s.json.resource.aws_s3_bucket).toBeUndefined();
  });
});

test("onUserDeleted delete grants DeleteItem; under Amplify conflict detection a delete is an update, so it does not", () => {
  expect(actionsOf(synthStack({ USER_SYNC_ON_USER_DELETED: "delete" }))).toContain("dynamodb:DeleteItem");
  expect(actionsOf(synthStack({ USER_SYNC_ON_USER_DELETED: "delete", USER_SYNC_AMPLIFY_TYPENAME: "User" }))).not.toContain("dynamodb:DeleteItem");
  expect(actionsOf(synthStack({ USER_SYNC_ON_USER_DELETED: "keep" }))).not.toContain("dynamodb:DeleteItem");
  expect(synthStack({ USER_SYNC_ON_USER_DELETED: "keep" }).one("aws_lambda_function", "user-events").environment.variables.ON_USER_DELETED).toBe("keep");
});

test("cloudTrail create: a write-only management-event trail with validation, into a private, encrypted, TLS-only bucket that expires files", () => {
  const s = synthStack({ USER_SYNC_CLOUD_TRAIL: "create" });
  const trail = s.one("aws_cloudtrail");
  expect(trail).toMatchObject({
    name: "user-sync-dev-trail",
    s3_bucket_name: s.ref("aws_s3_bucket", "id"),
    enable_log_file_validation: true,
    is_multi_region_trail: false,
    event_selector: [{ read_write_type: "WriteOnly", include_management_events: true }],
  });
  expect(trail.depends_on).toEqual([expect.stringMatching(/^aws_s3_bucket_policy\./)]);
  expect(s.one("aws_s3_bucket")).toMatchObject({ bucket_prefix: "user-sync-dev-trail-", force_destroy: false });
  expect(s.one("aws_s3_bucket_public_access_block")).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
  expect(s.one("aws_s3_bucket_ownership_controls").rule).toEqual({ object_ownership: "BucketOwnerEnforced" });
  expect(s.one("aws_s3_bucket_server_side_encryption_configuration").rule).toEqual([{ apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } }]);
  expect(s.one("aws_s3_bucket_lifecycle_configuration").rule[0]).toMatchObject({ status: "Enabled", expiration: [{ days: 90 }] });
  const policy = s.oneData("aws_iam_policy_document", "cloud-trail").statement;
  expect(policy.map((st: any) => [st.sid, st.effect])).toEqual([
    ["TrailAclCheck", "Allow"],
    ["TrailWrite", "Allow"],
    ["DenyInsecureTransport", "Deny"],
  ]);
  for (const st of policy.slice(0, 2)) {
    expect(st.principals).toEqual([{ type: "Service", identifiers: ["cloudtrail.amazonaws.com"] }]);
    expect(st.condition[0]).toMatchObject({ variable: "aws:SourceArn", values: [expect.stringMatching(/:cloudtrail:us-east-1:.*:trail\/user-sync-dev-trail$/)] });
  }
});

test("userEvents false: no function, rule, queue, trail or alarm for them", () => {
  const s = synthStack({ USER_SYNC_USER_EVENTS: "false", USER_SYNC_CLOUD_TRAIL: "create" });
  for (const type of ["aws_cloudwatch_event_rule", "aws_cloudwatch_event_target", "aws_sqs_queue", "aws_cloudtrail", "aws_lambda_function_event_invoke_config"]) expect([type, s.json.resource[type]]).toEqual([type, undefined]);
  expect(s.names("aws_lambda_function").some((n) => n.startsWith("user-events"))).toBe(false);
  expect(Object.values(s.json.resource.aws_cloudwatch_metric_alarm).some((a: any) => a.alarm_name.includes("user-events"))).toBe(false);
});

test("an existing pool: the function reads that pool's ARN", () => {
  const s = synthStack({ USER_SYNC_USER_POOL_EXISTING: "us-east-1_Existing1" });
  expect(s.one("aws_lambda_function", "user-events").environment.variables.USER_POOL_ID).toBe("us-east-1_Existing1");
  expect(statementsOf(s).find((st) => st.sid === "ReadPoolUsers").resources[0]).toMatch(/:cognito-idp:us-east-1:.*:userpool\/us-east-1_Existing1$/);
});
