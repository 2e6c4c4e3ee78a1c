/**
 * Adopting an existing app, as synthesized: an existing table (grants on its
 * ARN, built without an API call), key layouts (single-table designs), an
 * existing pool, Amplify model rows, a stream, and UserSync in someone
 * else's stack.
 */
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Testing, TerraformStack } from "cdktf";
import { ConfigError, loadConfig } from "../lib/settings";
import { UserSync } from "../lib/user-sync";
import { synthStack, testBundleRoot, type Synthesized } from "./helpers/synth";

const roleArn = (s: Synthesized) => s.ref("aws_iam_role", "arn", "post-confirmation").slice(2, -1);
const account = (s: Synthesized) => `\${element(split(":", ${roleArn(s)}), 4)}`;
const partition = (s: Synthesized) => `\${element(split(":", ${roleArn(s)}), 1)}`;
function statements(s: Synthesized, prefix: string): any[] {
  const policy = s.one("aws_iam_role_policy", prefix);
  const doc = /data\.aws_iam_policy_document\.([^.]+)\.json/.exec(policy.policy)![1];
  return s.json.data.aws_iam_policy_document[doc].statement;
}

describe("an existing table with a single-table key layout", () => {
  const s = synthStack({
    USER_SYNC_TABLE_EXISTING: "AppTable",
    USER_SYNC_TABLE_PARTITION_KEY: "pk",
    USER_SYNC_TABLE_PARTITION_KEY_VALUE: "USER#{sub}",
    USER_SYNC_TABLE_SORT_KEY: "sk",
    USER_SYNC_TABLE_SORT_KEY_VALUE: "PROFILE",
    USER_SYNC_TABLE_SHARED: "true",
  });
  const tableArn = () => `arn:${partition(s)}:dynamodb:us-east-1:${account(s)}:table/AppTable`;

  test("no Users table is created (only the reconcile scratch table)", () => {
    expect(s.names("aws_dynamodb_table")).toEqual([expect.stringMatching(/^reconcile_scratch/)]);
  });

  test("grants name the existing table's ARN, built from name, region and account", () => {
    expect(statements(s, "post-confirmation").find((st) => st.sid === "CreateUserRows").resources).toEqual([tableArn()]);
    for (const st of statements(s, "reconcile_worker").filter((x) => /UserRows|UserTable/.test(x.sid))) expect(st.resources).toEqual([tableArn()]);
    expect(Object.keys(s.json.data)).not.toContain("aws_caller_identity");
  });

  test("every function gets the table and the key layout", () => {
    for (const prefix of ["post-confirmation", "reconcile_worker"]) {
      const env = s.one("aws_lambda_function", prefix).environment.variables;
      expect(env.USERS_TABLE_NAME).toBe("AppTable");
      expect(JSON.parse(env.USERS_TABLE_KEY_LAYOUT)).toEqual({ partitionKey: { name: "pk", value: "USER#{sub}" }, sortKey: { name: "sk", value: "PROFILE" } });
    }
    expect(s.json.output.users_table_name.value).toBe("AppTable");
    expect(s.json.output.users_table_arn.value).toBe(tableArn());
  });
});

test("a created table with a single-table layout has both keys; a stream when asked", () => {
  const s = synthStack({
    USER_SYNC_TABLE_PARTITION_KEY: "pk",
    USER_SYNC_TABLE_PARTITION_KEY_VALUE: "USER#{sub}",
    USER_SYNC_TABLE_SORT_KEY: "sk",
    USER_SYNC_TABLE_SORT_KEY_VALUE: "PROFILE",
    USER_SYNC_TABLE_STREAM_VIEW: "NEW_AND_OLD_IMAGES",
  });
  expect(s.one("aws_dynamodb_table", "users-table")).toMatchObject({
    hash_key: "pk",
    range_key: "sk",
    attribute: [{ name: "pk", type: "S" }, { name: "sk", type: "S" }],
    stream_enabled: true,
    stream_view_type: "NEW_AND_OLD_IMAGES",
  });
  expect(s.json.output.users_table_stream_arn.value).toBe(s.ref("aws_dynamodb_table", "stream_arn", "users-table"));
});

describe("an existing user pool", () => {
  const s = synthStack({ USER_SYNC_USER_POOL_EXISTING: "us-east-1_Existing1" });
  const poolArn = () => `arn:${partition(s)}:cognito-idp:us-east-1:${account(s)}:userpool/us-east-1_Existing1`;

  test("no pool, client or group is created", () => {
    for (const type of ["aws_cognito_user_pool", "aws_cognito_user_pool_client", "aws_cognito_user_group"]) expect(s.json.resource[type]).toBeUndefined();
  });

  test("the trigger may be invoked by that pool only, from this account", () => {
    expect(s.one("aws_lambda_permission", "existing-user-pool_")).toMatchObject({
      principal: "cognito-idp.amazonaws.com",
      function_name: s.ref("aws_lambda_function", "function_name", "post-confirmation"),
      source_arn: poolArn(),
      source_account: account(s),
    });
  });

  test("reconcile reads that pool: its id in the worker, ListUsers on its ARN; outputs name it", () => {
    expect(s.one("aws_lambda_function", "reconcile_worker").environment.variables.USER_POOL_ID).toBe("us-east-1_Existing1");
    expect(statements(s, "reconcile_worker").find((st) => st.sid === "ListPoolUsers").resources).toEqual([poolArn()]);
    expect(s.json.output.user_pool_id.value).toBe("us-east-1_Existing1");
    expect(s.json.output.user_pool_client_id).toBeUndefined();
  });
});

test("Amplify mode: the functions know the model, the owner field and format, and conflict detection", () => {
  const s = synthStack({ USER_SYNC_AMPLIFY_TYPENAME: "User", USER_SYNC_AMPLIFY_CONFLICT_DETECTION: "false", USER_SYNC_AMPLIFY_OWNER_FORMAT: "{username}" });
  for (const prefix of ["post-confirmation", "reconcile_worker"]) {
    expect(s.one("aws_lambda_function", prefix).environment.variables).toMatchObject({
      AMPLIFY_TYPENAME: "User",
      AMPLIFY_OWNER_FIELD: "owner",
      AMPLIFY_OWNER_FORMAT: "{username}",
      AMPLIFY_CONFLICT_DETECTION: "false",
    });
  }
});

test.each([
  [{ USER_SYNC_TABLE_EXISTING: "AppTable", USER_SYNC_TABLE_STREAM_VIEW: "NEW_IMAGE" }, /table.streamView .*does not manage an existing table/],
  [{ USER_SYNC_TABLE_EXISTING: "AppTable", USER_SYNC_EMAIL_INDEX: "true" }, /emailIndex .*cannot add an index to an existing table/],
  [{ USER_SYNC_TABLE_SORT_KEY: "sk" }, /table.sortKey \(USER_SYNC_TABLE_SORT_KEY\): set, but table.sortKeyValue \(USER_SYNC_TABLE_SORT_KEY_VALUE\) is not/],
  [{ USER_SYNC_TABLE_PARTITION_KEY_VALUE: "USER" }, /table: neither key holds \{sub\}/],
  [{ USER_SYNC_TABLE_PARTITION_KEY_VALUE: "{sub}#{sub}" }, /has \{sub\} more than once/],
  [{ USER_SYNC_TABLE_PARTITION_KEY: "pk", USER_SYNC_ATTRIBUTE_MAP: '{"given_name":"pk"}' }, /row field "pk" for given_name is a key or the owner field/],
  [{ USER_SYNC_USER_POOL_EXISTING: "my-pool" }, /userPool.existing .*is not a user pool id/],
  [{ USER_SYNC_TABLE_STREAM_VIEW: "ALL" }, /table.streamView .*is not a stream view/],
])("rejects %o", (env, message) => {
  let problems: string[] = [];
  try {
    loadConfig({ env, file: false });
  } catch (err) {
    problems = (err as ConfigError).problems;
  }
  expect(problems.join("\n")).toMatch(message);
});

describe("UserSync in your own stack", () => {
  const app = Testing.app();
  const stack = new TerraformStack(app, "app");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  const bundleRoot = testBundleRoot();
  const customers = new UserSync(stack, "customers", { namePrefix: "acme", stage: "customers", region: "eu-west-1", bundleRoot });
  const staff = new UserSync(stack, "staff", {
    namePrefix: "acme",
    stage: "staff",
    region: "eu-west-1",
    table: { existing: "StaffTable" },
    userPool: { existing: "eu-west-1_Staff0001" },
    bundleRoot,
  });
  const json = JSON.parse(Testing.synth(stack));

  test("two instances live side by side with their own names", () => {
    const functions = Object.values(json.resource.aws_lambda_function).map((f: any) => f.function_name).sort();
    expect(functions).toEqual([
      "acme-customers-post-confirmation",
      "acme-customers-reconcile",
      "acme-customers-user-events",
      "acme-staff-post-confirmation",
      "acme-staff-reconcile",
      "acme-staff-user-events",
    ]);
    expect(Object.values(json.resource.aws_cognito_user_pool).map((p: any) => p.name)).toEqual(["acme-customers-users"]);
  });

  test("they add no AWS provider or backend of their own, and one archive provider for both", () => {
    expect(json.provider.aws).toEqual([{ region: "eu-west-1" }]);
    expect(json.provider.archive).toHaveLength(1);
    expect(json.terraform.backend).toBeUndefined();
  });

  test("every output is a public property", () => {
    expect(customers.userPoolClientId).toBeDefined();
    expect(staff.userPoolId).toBe("eu-west-1_Staff0001");
    expect(staff.table.tableName).toBe("StaffTable");
    expect(customers.reconcile.stateMachine.arn).toMatch(/\$\{TfToken/);
    expect(staff.config.stage).toBe("staff");
  });

  test("bad settings fail the construct with the same rules as the config file, named as props (the construct reads no environment)", () => {
    expect(() => new UserSync(new TerraformStack(Testing.app(), "x"), "bad", { stage: "Bad Stage", bundleRoot })).toThrow(/props\.stage: "Bad Stage" is not accepted/);
    expect(() => new UserSync(new TerraformStack(Testing.app(), "z"), "bad", { stage: "Bad Stage", bundleRoot })).not.toThrow(/USER_SYNC_STAGE/);
    expect(() => new UserSync(new TerraformStack(Testing.app(), "y"), "bad", { table: { existing: "T", extra: 1 } as any, bundleRoot })).toThrow(
      /unknown setting "extra" in table; known settings are existing, partitionKey/,
    );
  });
});
