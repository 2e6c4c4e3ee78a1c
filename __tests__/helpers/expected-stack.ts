/** Every resource one stage creates by default, and how many of each (synth and plan tests agree on it). */
export const EXPECTED_RESOURCES: Readonly<Record<string, number>> = {
  aws_cloudwatch_event_rule: 1,
  aws_cloudwatch_event_target: 1,
  aws_cloudwatch_log_group: 3,
  aws_cloudwatch_metric_alarm: 9,
  aws_cognito_user_group: 1,
  aws_cognito_user_pool: 1,
  aws_cognito_user_pool_client: 1,
  aws_dynamodb_table: 2,
  aws_iam_role: 5,
  aws_iam_role_policy: 5,
  aws_lambda_function: 3,
  aws_lambda_function_event_invoke_config: 1,
  aws_lambda_permission: 2,
  aws_scheduler_schedule: 1,
  aws_sfn_state_machine: 1,
  aws_sqs_queue: 1,
  aws_sqs_queue_policy: 1,
};

export const EXPECTED_RESOURCE_TYPES = Object.keys(EXPECTED_RESOURCES).sort();

/** The post-confirmation stack's addresses as version 0.1 deployed them: renaming one replaces the resource. */
export const STABLE_ADDRESSES = [
  "aws_cloudwatch_log_group.post-confirmation_logs_3785CB78",
  "aws_cognito_user_group.user-pool_admin-group_049D6E02",
  "aws_cognito_user_pool.user-pool_54D4728B",
  "aws_cognito_user_pool_client.user-pool_client_AC2AAB02",
  "aws_dynamodb_table.users-table_CD9EEDAB",
  "aws_iam_role.post-confirmation_role_F69A47F7",
  "aws_iam_role_policy.post-confirmation_policy_4279868A",
  "aws_lambda_function.post-confirmation_function_24802DD1",
  "aws_lambda_permission.user-pool_invoke-permission_2D9D793E",
];
