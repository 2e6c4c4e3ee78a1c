/** Every resource type one stage creates, once each (synth and plan tests agree on it). */
export const EXPECTED_RESOURCE_TYPES = [
  "aws_cloudwatch_log_group",
  "aws_cognito_user_group",
  "aws_cognito_user_pool",
  "aws_cognito_user_pool_client",
  "aws_dynamodb_table",
  "aws_iam_role",
  "aws_iam_role_policy",
  "aws_lambda_function",
  "aws_lambda_permission",
];
