/**
 * The sandbox creates its table, pool, client and functions from the same
 * specs the constructs deploy; this compares what the sandbox sends to the
 * APIs with the synthesized Terraform, so the two cannot drift.
 */
import { loadConfig } from "../lib/settings";
import { reconcileDefinition } from "../lib/reconcile-definition";
import { postConfirmationSpec, reconcileWorkerSpec, userPoolSpec, usersTableSpec } from "../lib/specs";
import { createTableInput, createUserPoolClientInput, createUserPoolInput, mfaConfigInput } from "../tools/local/resources";
import { synthStack } from "./helpers/synth";

const env = {
  USER_SYNC_STAGE: "specs",
  USER_SYNC_EMAIL_INDEX: "true",
  USER_SYNC_ATTRIBUTE_MAP: '{"given_name":"firstName","custom:plan":"plan"}',
  USER_SYNC_AMPLIFY_TYPENAME: "User",
};
const config = loadConfig({ env, file: false });
const s = synthStack(env);

test("table: name, key schema and index", () => {
  const input = createTableInput(usersTableSpec(config));
  const table = s.one("aws_dynamodb_table", "users-table");
  expect(input.TableName).toBe(table.name);
  expect(input.BillingMode).toBe(table.billing_mode);
  expect(input.KeySchema).toEqual([{ AttributeName: table.hash_key, KeyType: "HASH" }]);
  expect(input.AttributeDefinitions).toEqual(table.attribute.map((a: any) => ({ AttributeName: a.name, AttributeType: a.type })));
  expect(input.GlobalSecondaryIndexes).toEqual(
    table.global_secondary_index.map((g: any) => ({
      IndexName: g.name,
      KeySchema: [{ AttributeName: g.hash_key, KeyType: "HASH" }],
      Projection: { ProjectionType: g.projection_type },
    })),
  );
});

test("pool: name, username and auto-verified attributes, password policy, recovery, custom attributes", () => {
  const input = createUserPoolInput(userPoolSpec(config));
  const pool = s.one("aws_cognito_user_pool");
  expect(input.PoolName).toBe(pool.name);
  expect(input.UsernameAttributes).toEqual(pool.username_attributes);
  expect(input.AutoVerifiedAttributes).toEqual(pool.auto_verified_attributes);
  expect(input.UsernameConfiguration).toEqual({ CaseSensitive: pool.username_configuration.case_sensitive });
  const policy = pool.password_policy;
  expect(input.Policies!.PasswordPolicy).toEqual({
    MinimumLength: policy.minimum_length,
    RequireLowercase: policy.require_lowercase,
    RequireUppercase: policy.require_uppercase,
    RequireNumbers: policy.require_numbers,
    RequireSymbols: policy.require_symbols,
    TemporaryPasswordValidityDays: policy.temporary_password_validity_days,
  });
  expect(input.AccountRecoverySetting!.RecoveryMechanisms).toEqual(
    pool.account_recovery_setting.recovery_mechanism.map((m: any) => ({ Name: m.name, Priority: m.priority })),
  );
  expect(input.DeletionProtection).toBe(pool.deletion_protection);
  expect(input.Schema).toEqual(
    pool.schema.map((a: any) => ({
      Name: a.name,
      AttributeDataType: a.attribute_data_type,
      Mutable: a.mutable,
      DeveloperOnlyAttribute: a.developer_only_attribute,
      StringAttributeConstraints: { MinLength: a.string_attribute_constraints.min_length, MaxLength: a.string_attribute_constraints.max_length },
    })),
  );
  expect(input.Schema!.map((a) => a.Name)).toEqual(["plan"]);
  expect(input.MfaConfiguration).toBe(pool.mfa_configuration);
  expect(mfaConfigInput(userPoolSpec(config), "p")!.SoftwareTokenMfaConfiguration).toEqual({ Enabled: pool.software_token_mfa_configuration.enabled });
  expect(input.UserAttributeUpdateSettings).toEqual({
    AttributesRequireVerificationBeforeUpdate: pool.user_attribute_update_settings.attributes_require_verification_before_update,
  });
  expect(input.EmailConfiguration).toEqual({ EmailSendingAccount: pool.email_configuration.email_sending_account });
  expect(input.UserPoolAddOns).toEqual({ AdvancedSecurityMode: pool.user_pool_add_ons.advanced_security_mode });
});

test("client and admin group", () => {
  const input = createUserPoolClientInput(userPoolSpec(config), "pool-id");
  const client = s.one("aws_cognito_user_pool_client");
  expect(input.ClientName).toBe(client.name);
  expect(input.GenerateSecret).toBe(client.generate_secret);
  expect(input.ExplicitAuthFlows).toEqual(client.explicit_auth_flows);
  expect(input.PreventUserExistenceErrors).toBe(client.prevent_user_existence_errors);
  expect(input.EnableTokenRevocation).toBe(client.enable_token_revocation);
  expect(input.ReadAttributes).toEqual(client.read_attributes);
  expect(input.WriteAttributes).toEqual(client.write_attributes);
  expect(userPoolSpec(config).adminGroup.name).toBe(s.one("aws_cognito_user_group").name);
});

test("the PostConfirmation function runs locally with the environment, name and timeout it is deployed with", () => {
  const spec = postConfirmationSpec(config);
  const fn = s.one("aws_lambda_function", "post-confirmation");
  expect(spec.environment).toEqual(fn.environment.variables);
  expect(spec.names.function).toBe(fn.function_name);
  expect(spec.timeoutSeconds).toBe(fn.timeout);
});

test("the reconcile worker runs locally with the environment it is deployed with (the pool id is the sandbox's)", () => {
  const spec = reconcileWorkerSpec(config, "local-pool");
  const fn = s.one("aws_lambda_function", "reconcile_worker");
  expect({ ...spec.environment, USER_POOL_ID: "?" }).toEqual({ ...fn.environment.variables, USER_POOL_ID: "?" });
  expect(fn.environment.variables.USER_POOL_ID).toBe(s.ref("aws_cognito_user_pool", "id"));
  expect(spec.timeoutSeconds).toBe(fn.timeout);
  expect(spec.memoryMb).toBe(fn.memory_size);
});

test("the sandbox's state machine is the one the stack deploys", () => {
  const synthesized = JSON.parse(s.one("aws_sfn_state_machine").definition);
  expect(synthesized).toEqual(reconcileDefinition(s.ref("aws_lambda_function", "arn", "reconcile_worker")));
});
