/**
 * `user-sync demo`: sign a user up in the sandbox, confirm them, read the row
 * the trigger wrote; then change their email and delete them, and watch the
 * row follow through the user-events function.
 */
import { AdminDeleteUserCommand, AdminUpdateUserAttributesCommand } from "@aws-sdk/client-cognito-identity-provider";
import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { randomBytes } from "node:crypto";
import { rowKey } from "../../core/row-key";
import { rowMapping } from "../../lib/specs";
import type { Sandbox } from "./sandbox";
import { confirmWithEmailedCode, signUp } from "./sign-up";

export async function demo(sandbox: Sandbox, log: (line: string) => void = console.log): Promise<Record<string, unknown>> {
  const cognito = sandbox.cognitoClient();
  const dynamo = sandbox.dynamoClient();
  try {
    const email = `demo-${randomBytes(4).toString("hex")}@example.com`;
    log(`1. SignUp ${email}`);
    const sub = await signUp(cognito, sandbox.clientId, { email, password: `Demo-${randomBytes(6).toString("hex")}A1`, attributes: { given_name: "Demo" } });
    log(`   sub ${sub}; confirmation code delivered: ${(await sandbox.cognito.lastCode(email)) ? "yes" : "no"}`);
    log("2. ConfirmSignUp with the emailed code (Cognito runs the PostConfirmation trigger)");
    await confirmWithEmailedCode(cognito, sandbox.clientId, sandbox.cognito, email);
    const invocation = (await sandbox.lambda.invocations()).find((i) => i.sub === sub);
    if (!invocation) throw new Error("the PostConfirmation trigger was not invoked");
    if (!invocation.ok) throw new Error(`the PostConfirmation trigger failed: ${invocation.error}`);
    log(`   trigger ${invocation.triggerSource} ok in ${invocation.durationMs} ms`);
    const key = rowKey(rowMapping(sandbox.config).keyLayout!, sub);
    log(`3. GetItem ${sandbox.tableName} ${Object.entries(key).map(([k, v]) => `${k}=${v}`).join(" ")}`);
    const res = await dynamo.send(new GetItemCommand({ TableName: sandbox.tableName, Key: marshall(key), ConsistentRead: true }));
    if (!res.Item) throw new Error(`no row for ${sub} in ${sandbox.tableName}`);
    const row = unmarshall(res.Item);
    log(JSON.stringify(row, null, 2));
    if (!sandbox.tap) return row;

    const read = async () => {
      await sandbox.tap!.idle();
      const r = await dynamo.send(new GetItemCommand({ TableName: sandbox.tableName, Key: marshall(key), ConsistentRead: true }));
      return r.Item ? unmarshall(r.Item) : undefined;
    };
    const changed = `changed-${email}`;
    log(`4. AdminUpdateUserAttributes email -> ${changed}, email_verified true (the event tap delivers the CloudTrail event to ${sandbox.userEventsFunctionName})`);
    await cognito.send(
      new AdminUpdateUserAttributesCommand({
        UserPoolId: sandbox.userPoolId,
        Username: email,
        UserAttributes: [
          { Name: "email", Value: changed },
          { Name: "email_verified", Value: "true" },
        ],
      }),
    );
    const updated = await read();
    if (updated?.email !== changed) throw new Error(`the row did not follow the email change: ${JSON.stringify(updated)}`);
    log(`   row email ${updated.email}, updatedAt ${updated.updatedAt}`);
    log("5. AdminDeleteUser (onUserDeleted: " + sandbox.config.onUserDeleted + ")");
    await cognito.send(new AdminDeleteUserCommand({ UserPoolId: sandbox.userPoolId, Username: changed }));
    const after = await read();
    log(JSON.stringify(after ?? "(row deleted)", null, 2));
    return after ?? {};
  } finally {
    cognito.destroy();
    dynamo.destroy();
  }
}
