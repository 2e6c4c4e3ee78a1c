/**
 * The plan summary must see every privilege. An adversarial stack (the real
 * one plus what a careless or hostile change could add) is planned by real
 * terraform with the real AWS provider; every grant must be flagged, and a
 * policy it cannot read is a risk, not silence.
 */
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { LambdaFunctionUrl } from "@cdktf/provider-aws/lib/lambda-function-url";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { App, Fn } from "cdktf";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../lib/settings";
import { UserSyncStack } from "../../lib/user-sync-stack";
import { offlineTerraformEnv, planStackDir } from "../../tools/plan/plan";
import { readPolicy, summarizePlan } from "../../tools/plan/plan-summary";
import { testBundleRoot } from "../helpers/synth";
import { describeWithTerraform, TERRAFORM } from "../helpers/terraform";

const statement = (extra: Record<string, unknown>) => JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", ...extra }] });

describeWithTerraform("plan summary against an adversarial plan", () => {
  let risks: string[];
  let markdown: string;

  beforeAll(() => {
    const outdir = mkdtempSync(join(tmpdir(), "user-sync-adversarial-"));
    const app = new App({ outdir });
    const stack = new UserSyncStack(app, "adversarial", {
      config: loadConfig({ env: { USER_SYNC_OFFLINE_PLAN: "true", USER_SYNC_PACKAGING: "asset" }, file: false }),
      bundleRoot: testBundleRoot(),
    });
    const role = stack.userSync.postConfirmation.role;
    const tableArn = stack.userSync.table.tableArn;
    // A second policy whose JSON is unknown at plan time (it embeds the table ARN).
    new IamRolePolicy(stack, "sneaky-json", { role: role.id, policy: statement({ Action: "dynamodb:*", Resource: tableArn }) });
    // The same through jsonencode: the configuration holds HCL, not JSON.
    new IamRolePolicy(stack, "sneaky-hcl", { role: role.id, policy: Fn.jsonencode({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:*", Resource: tableArn }] }) });
    new IamRolePolicy(stack, "question-mark", { role: role.id, policy: statement({ Action: "dynamodb:Get?tem", Resource: "arn:aws:dynamodb:us-east-1:123456789012:table/users" }) });
    new IamRolePolicy(stack, "not-action", { role: role.id, policy: statement({ NotAction: "iam:*", NotResource: "arn:aws:iam::123456789012:role/x" }) });
    new IamRolePolicy(stack, "unreadable", { role: role.id, policy: Fn.replace(Fn.rawString(statement({ Action: "kms:Decrypt", Resource: "x" })), "x", tableArn) });
    new IamRolePolicyAttachment(stack, "admin", { role: role.name, policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" });
    new IamRole(stack, "open-trust", {
      name: "open-trust",
      assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole" }] }),
      inlinePolicy: [{ name: "everything", policy: statement({ Action: "*:*", Resource: "*" }) }],
    });
    new LambdaFunctionUrl(stack, "public-url", { functionName: stack.userSync.postConfirmation.function.functionName, authorizationType: "NONE" });
    new LambdaPermission(stack, "anyone", { functionName: stack.userSync.postConfirmation.function.functionName, action: "lambda:InvokeFunction", principal: "*" });
    app.synth();

    const { env, mirror } = offlineTerraformEnv(process.env);
    const result = planStackDir(join(outdir, "stacks", "adversarial"), {
      terraform: TERRAFORM,
      tfEnv: env,
      offline: true,
      mirror,
      log: () => undefined,
      title: "adversarial",
      notes: [],
    });
    risks = result.summary.risks;
    markdown = result.summary.markdown;
  }, 180_000);

  const flagged = (pattern: RegExp) => expect(risks.filter((r) => pattern.test(r))).not.toEqual([]);

  test("a second policy whose JSON is unknown at plan time is read from the configuration and flagged", () => {
    flagged(/aws_iam_role_policy\.sneaky-json.*wildcard action `dynamodb:\*`/);
    expect(markdown).toMatch(/sneaky-json.*`dynamodb:\*`/);
  });
  test("the same through jsonencode (HCL in the configuration)", () => flagged(/aws_iam_role_policy\.sneaky-hcl.*wildcard action `s3:\*`/));
  test("a ? wildcard", () => flagged(/question-mark.*wildcard action `dynamodb:Get\?tem`/));
  test("NotAction and NotResource", () => {
    flagged(/not-action.*Allow with NotAction grants every other action/);
    flagged(/not-action.*Allow with NotResource grants every other resource/);
  });
  test("a policy it cannot read is itself a risk", () => flagged(/aws_iam_role_policy\.unreadable: could not read the policy/));
  test("an AdministratorAccess attachment", () => flagged(/aws_iam_role_policy_attachment\.admin: attaches `arn:aws:iam::aws:policy\/AdministratorAccess` \(broad AWS-managed policy\)/));
  test("a trust policy anyone may assume, and its inline *:* policy", () => {
    flagged(/aws_iam_role\.open-trust \(trust\).*may be assumed by `AWS:\*`/);
    flagged(/aws_iam_role\.open-trust: inline_policy `everything`/);
    flagged(/open-trust inline_policy everything.*wildcard action `\*:\*`/);
    flagged(/open-trust inline_policy everything.*wildcard resource `\*`/);
  });
  test("a function URL with auth NONE and a permission for principal *", () => {
    flagged(/aws_lambda_function_url\.public-url: function URL with authorization_type NONE/);
    flagged(/aws_lambda_permission\.anyone: principal is `\*`/);
  });
  test("resource types this stack never creates", () => {
    flagged(/aws_lambda_function_url\.public-url: resource type aws_lambda_function_url is not one user-sync creates/);
    flagged(/aws_iam_role_policy_attachment\.admin: resource type aws_iam_role_policy_attachment is not one/);
  });
  test("the stack's own role and policy raise nothing", () => {
    expect(risks.filter((r) => /post-confirmation(?!.*(sneaky|question|not-action|unreadable))/.test(r) && !/anyone|public-url/.test(r))).toEqual([]);
    expect(risks.some((r) => /Risks: none/.test(r))).toBe(false);
    expect(markdown).not.toContain("None found.");
  });
});

describe("reading policies", () => {
  test("a JSON template with references reads with the references as placeholders", () => {
    const read = readPolicy(undefined, true, { constant_value: statement({ Action: ["dynamodb:GetItem"], Resource: "${aws_dynamodb_table.t.arn}" }) });
    expect(read).toEqual({ statements: [expect.objectContaining({ actions: ["dynamodb:GetItem"], resources: ["${aws_dynamodb_table.t.arn}"] })] });
  });
  test("no template at all is unreadable, not empty", () => {
    expect(readPolicy(undefined, true, { references: ["aws_x.y"] })).toEqual({ unreadable: expect.stringContaining("only known after apply") });
  });
  test("a hand-edited plan with an unknown policy and no configuration is flagged", () => {
    const plan = {
      format_version: "1.2",
      resource_changes: [{ address: "aws_iam_role_policy.x", type: "aws_iam_role_policy", mode: "managed", change: { actions: ["create"], after: {}, after_unknown: { policy: true } } }],
    };
    expect(summarizePlan(plan).risks).toEqual([expect.stringMatching(/aws_iam_role_policy\.x: could not read the policy/)]);
  });
  test("a hand-edited S3 bucket policy allowing Principal * is flagged; a TLS-only Deny is not", () => {
    const bucketPolicy = (effect: string) => ({
      address: `aws_s3_bucket_policy.${effect}`,
      type: "aws_s3_bucket_policy",
      mode: "managed",
      change: { actions: ["create"], after: { policy: JSON.stringify({ Statement: [{ Effect: effect, Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" }] }) }, after_unknown: {} },
    });
    const { risks } = summarizePlan({ format_version: "1.2", resource_changes: [bucketPolicy("Allow"), bucketPolicy("Deny")] });
    expect(risks).toEqual([expect.stringMatching(/aws_s3_bucket_policy\.Allow statement 0: allows principal `\*` \(anyone\)/)]);
  });
});

test("terraform location is configurable", () => {
  expect(TERRAFORM).toBe(process.env.TERRAFORM ?? "terraform");
});
