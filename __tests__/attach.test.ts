/** The UpdateUserPool input attach builds keeps every setting of a complete DescribeUserPool answer. */
import type { UserPoolType } from "@aws-sdk/client-cognito-identity-provider";
import { allowsPool } from "../tools/attach/permission";
import { changedSettings, UPDATABLE_SETTINGS, updateKeepingEverything } from "../tools/attach/pool-update";
import { FULL_USER_POOL } from "./fixtures/describe-user-pool";

const NEW_TRIGGER = "arn:aws:lambda:us-east-1:123456789012:function:user-sync-prod-post-confirmation";

describe("updateKeepingEverything", () => {
  const lambdaConfig = { ...FULL_USER_POOL.LambdaConfig, PostConfirmation: NEW_TRIGGER };
  const input = updateKeepingEverything(FULL_USER_POOL, lambdaConfig) as unknown as Record<string, unknown>;

  it("copies every updatable setting back from DescribeUserPool", () => {
    const pool = FULL_USER_POOL as unknown as Record<string, unknown>;
    for (const key of UPDATABLE_SETTINGS) {
      if (key === "LambdaConfig" || key === "AdminCreateUserConfig") continue;
      const source = key === "PoolName" ? "Name" : key;
      expect([key, input[key]]).toEqual([key, pool[source]]);
    }
    expect(input.UserPoolId).toBe(FULL_USER_POOL.Id);
  });

  it("passes only what UpdateUserPool takes", () => {
    expect(Object.keys(input).sort()).toEqual(["UserPoolId", ...UPDATABLE_SETTINGS].sort());
    for (const readOnly of ["Arn", "Status", "SchemaAttributes", "AliasAttributes", "UsernameAttributes", "EstimatedNumberOfUsers", "Domain", "CreationDate"]) {
      expect(input).not.toHaveProperty(readOnly);
    }
  });

  it("changes only LambdaConfig.PostConfirmation, keeping every other trigger and the KMS key", () => {
    const { PostConfirmation: before, ...otherTriggers } = FULL_USER_POOL.LambdaConfig;
    const { PostConfirmation: after, ...keptTriggers } = input.LambdaConfig as typeof lambdaConfig;
    expect(before).not.toBe(NEW_TRIGGER);
    expect(after).toBe(NEW_TRIGGER);
    expect(keptTriggers).toEqual(otherTriggers);
    expect(Object.keys(keptTriggers)).toHaveLength(Object.keys(FULL_USER_POOL.LambdaConfig).length - 1);
  });

  it("drops the deprecated UnusedAccountValidityDays that UpdateUserPool rejects beside TemporaryPasswordValidityDays", () => {
    const { UnusedAccountValidityDays, ...rest } = FULL_USER_POOL.AdminCreateUserConfig;
    expect(UnusedAccountValidityDays).toBeDefined();
    expect(input.AdminCreateUserConfig).toEqual(rest);
    // A pool that never set the new field keeps the old one.
    const legacy: UserPoolType = { ...FULL_USER_POOL, Policies: { PasswordPolicy: { MinimumLength: 8 } } };
    expect((updateKeepingEverything(legacy, {}) as unknown as Record<string, any>).AdminCreateUserConfig.UnusedAccountValidityDays).toBe(UnusedAccountValidityDays);
  });

  it("copies, so changing the input cannot change the described pool", () => {
    (input.Policies as any).PasswordPolicy.MinimumLength = 99;
    expect(FULL_USER_POOL.Policies.PasswordPolicy!.MinimumLength).toBe(14);
  });
});

describe("allowsPool (the resource-policy statement Cognito needs)", () => {
  const POOL = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Full0001";
  // As terraform's aws_lambda_permission with source_arn and source_account writes it.
  const statement = {
    Sid: "AllowCognito",
    Effect: "Allow",
    Principal: { Service: "cognito-idp.amazonaws.com" },
    Action: "lambda:InvokeFunction",
    Resource: "arn:aws:lambda:us-east-1:123456789012:function:user-sync-prod-post-confirmation",
    Condition: { StringEquals: { "AWS:SourceAccount": "123456789012" }, ArnLike: { "AWS:SourceArn": POOL } },
  };
  it.each([
    ["the stack's own grant", statement, true],
    ["a grant with no source condition", { ...statement, Condition: undefined }, true],
    ["a grant for another pool", { ...statement, Condition: { ArnLike: { "AWS:SourceArn": POOL.replace("Full0001", "Other001") } } }, false],
    ["another principal", { ...statement, Principal: { Service: "events.amazonaws.com" } }, false],
    ["a deny", { ...statement, Effect: "Deny" }, false],
    ["another action", { ...statement, Action: "lambda:GetFunction" }, false],
  ])("%s -> %s", (_, s, allowed) => {
    expect(allowsPool(s as never, POOL)).toBe(allowed);
  });
});

describe("changedSettings", () => {
  it("sees a reset setting and ignores key order", () => {
    const reordered = JSON.parse(JSON.stringify({ ...FULL_USER_POOL, Policies: { SignInPolicy: FULL_USER_POOL.Policies.SignInPolicy, PasswordPolicy: FULL_USER_POOL.Policies.PasswordPolicy } }));
    expect(changedSettings(FULL_USER_POOL, { ...FULL_USER_POOL, ...reordered })).toEqual([]);
    const reset: UserPoolType = { ...FULL_USER_POOL, MfaConfiguration: "OFF", EmailConfiguration: undefined };
    expect(changedSettings(FULL_USER_POOL, reset)).toEqual(["MfaConfiguration", "EmailConfiguration"]);
  });
});
