/** Whether a pool's PostConfirmation runs the expected function: the plan summary's drift line. */
import { DescribeUserPoolCommand, type CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";

const nameOf = (arn: string) => arn.replace(/^arn:[^:]+:lambda:[^:]+:[^:]+:function:/, "").split(":")[0];

/** A warning when the pool's trigger is not `functionName`, else undefined. Never throws: a plan must not fail on it. */
export async function triggerDriftNote(cognito: Pick<CognitoIdentityProviderClient, "send">, userPoolId: string, functionName: string): Promise<string | undefined> {
  let actual: string | undefined;
  try {
    actual = (await cognito.send(new DescribeUserPoolCommand({ UserPoolId: userPoolId }))).UserPool?.LambdaConfig?.PostConfirmation;
  } catch (err) {
    return `Could not check user pool ${userPoolId}'s PostConfirmation trigger (${(err as Error).name}): run user-sync attach --dry-run to see it.`;
  }
  if (actual && nameOf(actual) === functionName) return undefined;
  return (
    `DRIFT: user pool ${userPoolId} runs ${actual ?? "no function"} on PostConfirmation, not ${functionName}: ` +
    `after this deploy, run user-sync attach --user-pool-id ${userPoolId}${actual ? " --replace (after checking what that function does)" : ""}.`
  );
}
