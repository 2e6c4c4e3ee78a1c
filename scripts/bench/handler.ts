/**
 * Bundle size, cold import (bundle vs the same handler loading the SDK from
 * node_modules), and warm invocation latency vs a bare PutItem (the floor).
 */
import { PutItemCommand } from "@aws-sdk/client-dynamodb";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { bundlePostConfirmation } from "../../functions/bundle";
import { functionEnvironment, loadConfig } from "../../lib/config";
import { createUsersTable, localDynamoDBClient, startLocalDynamoDB } from "../../tools/local/dynamodb";
import { fmt, median, percentile, runNode } from "./stats";

function coldImportMs(file: string): number {
  const script = `const t=performance.now();import(${JSON.stringify(pathToFileURL(file).href)}).then(()=>console.log(performance.now()-t))`;
  return Number(runNode(["-e", script], { ...process.env, USERS_TABLE_NAME: "bench" }).stdout.trim());
}

export async function benchHandler(coldRuns = 9, warmInvocations = 400): Promise<void> {
  const bundled = bundlePostConfirmation(mkdtempSync(join(tmpdir(), "user-sync-bench-")));
  // Inside the project so its imports resolve from node_modules.
  const external = bundlePostConfirmation(resolve(__dirname, "../../dist/bench-node-modules"), { externalPackages: true });

  console.log("\n## PostConfirmation bundle");
  console.log(`bundle: ${fmt(bundled.bytes / 1024, 1)} KB (target < 350 KB); node_modules variant: ${fmt(external.bytes / 1024, 1)} KB + SDK from node_modules`);

  const cold = { bundled: [] as number[], external: [] as number[] };
  coldImportMs(bundled.file);
  coldImportMs(external.file);
  for (let i = 0; i < coldRuns; i++) {
    cold.bundled.push(coldImportMs(bundled.file));
    cold.external.push(coldImportMs(external.file));
  }
  console.log(`\n### Cold import (${coldRuns} fresh processes each, interleaved)`);
  console.table([
    { variant: "bundle (shipped)", "median ms": fmt(median(cold.bundled), 1) },
    { variant: "SDK from node_modules", "median ms": fmt(median(cold.external), 1) },
  ]);
  console.log(`bundle / node_modules: x${fmt(median(cold.bundled) / median(cold.external), 2)} (target <= 0.6)`);

  const db = await startLocalDynamoDB();
  const table = "bench-users";
  const client = localDynamoDBClient(db.endpoint);
  await createUsersTable(client, table);
  Object.assign(process.env, functionEnvironment(loadConfig({ env: {} }), table), {
    AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
  });
  const { handler } = await import(pathToFileURL(bundled.file).href);
  const context = { getRemainingTimeInMillis: () => 5000 };
  const event = (i: number, kind: string) => ({
    version: "1",
    triggerSource: "PostConfirmation_ConfirmSignUp",
    region: "us-east-1",
    userPoolId: "us-east-1_bench",
    userName: `${kind}${i}`,
    callerContext: {},
    request: { userAttributes: { sub: `${kind}-${i}`, email: `${kind}${i}@example.com`, email_verified: "true", given_name: "Bench" } },
    response: {},
  });
  const quiet = { info: console.info, warn: console.warn };
  console.info = console.warn = () => undefined; // the formatting stays measured; the terminal write does not
  const handlerMs: number[] = [];
  const floorMs: number[] = [];
  try {
    for (let i = 0; i < warmInvocations + 50; i++) {
      let t = performance.now();
      await handler(event(i, "handler"), context);
      const h = performance.now() - t;
      t = performance.now();
      await client.send(
        new PutItemCommand({
          TableName: table,
          Item: { id: { S: `floor-${i}` }, email: { S: `floor${i}@example.com` }, emailVerified: { BOOL: true }, givenName: { S: "Bench" } },
        }),
      );
      const f = performance.now() - t;
      if (i >= 50) {
        handlerMs.push(h);
        floorMs.push(f);
      }
    }
  } finally {
    Object.assign(console, quiet);
    client.destroy();
    await db.stop();
  }
  console.log(`\n### Warm invocation vs bare PutItem against dynalite (${warmInvocations} each, interleaved, after 50 warm-ups)`);
  console.table([
    { variant: "handler (conditional put + mapping + log)", "median ms": fmt(median(handlerMs), 2), "p99 ms": fmt(percentile(handlerMs, 99), 2) },
    { variant: "bare PutItem (floor)", "median ms": fmt(median(floorMs), 2), "p99 ms": fmt(percentile(floorMs, 99), 2) },
  ]);
  console.log(`handler / floor: x${fmt(median(handlerMs) / median(floorMs), 2)} (target <= 1.2)`);
}
