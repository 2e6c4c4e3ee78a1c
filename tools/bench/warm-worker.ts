/**
 * One warm "container" for the handler benchmark: a process that runs only
 * one variant, as Lambda runs only one function, and prints its latencies.
 * argv: <handler|put|conditional-put> <bundle file> <invocations> <warm-ups>
 */
import { DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { randomUUID } from "node:crypto";
import { pathToFileURL } from "node:url";

const [mode, bundleFile, count, warmups] = process.argv.slice(2);
const table = process.env.USERS_TABLE_NAME!;

async function main(): Promise<void> {
  const run = randomUUID();
  let call: (i: number) => Promise<unknown>;
  if (mode === "handler") {
    const { handler } = await import(pathToFileURL(bundleFile).href);
    console.info = () => undefined; // the log line is formatted; the terminal write is not measured
    const context = { getRemainingTimeInMillis: () => 5000 };
    call = (i) =>
      handler(
        {
          version: "1",
          triggerSource: "PostConfirmation_ConfirmSignUp",
          region: "us-east-1",
          userPoolId: "us-east-1_bench",
          userName: `user${i}`,
          callerContext: {},
          request: { userAttributes: { sub: `${run}-${i}`, email: `user${i}@example.com`, email_verified: "true", given_name: "Bench" } },
          response: {},
        },
        context,
      );
  } else {
    const client = new DynamoDBClient({});
    const condition = mode === "conditional-put" ? { ConditionExpression: "attribute_not_exists(#k)", ExpressionAttributeNames: { "#k": "id" } } : {};
    call = (i) =>
      client.send(
        new PutItemCommand({
          TableName: table,
          Item: { id: { S: `${run}-${i}` }, email: { S: `user${i}@example.com` }, emailVerified: { BOOL: true }, givenName: { S: "Bench" } },
          ...condition,
        }),
      );
  }
  const ms: number[] = [];
  for (let i = 0; i < Number(warmups) + Number(count); i++) {
    const t = performance.now();
    await call(i);
    if (i >= Number(warmups)) ms.push(performance.now() - t);
  }
  console.log(JSON.stringify(ms));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
