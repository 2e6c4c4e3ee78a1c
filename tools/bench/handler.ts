/**
 * Bundle size, cold import (bundle vs the same handler loading the SDK from
 * node_modules), and warm invocation latency vs a bare PutItem (the floor).
 */
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { bundleFunction } from "../../lib/function/bundle";
import { loadConfig } from "../../lib/settings";
import { postConfirmationSpec, usersTableSpec } from "../../lib/specs";
import { localDynamoDBClient } from "../../tools/local/clients";
import { startLocalDynamoDB } from "../local/stand-ins/dynamodb";
import { ensureUsersTable } from "../../tools/local/resources";
import { TSX_LOADER } from "../local/http/child-service";
import { fmt, median, percentile, runNode } from "./stats";

function coldImportMs(file: string): number {
  const script = `const t=performance.now();import(${JSON.stringify(pathToFileURL(file).href)}).then(()=>console.log(performance.now()-t))`;
  return Number(runNode(["-e", script], { ...process.env, USERS_TABLE_NAME: "bench" }).stdout.trim());
}

export async function benchHandler(coldRuns = 9, warmInvocations = 400, rounds = 11): Promise<void> {
  const bundled = bundleFunction("post-confirmation", mkdtempSync(join(tmpdir(), "user-sync-bench-")));
  // Inside the project so its imports resolve from node_modules.
  const external = bundleFunction("post-confirmation", resolve(__dirname, "../../dist/bench-node-modules"), { externalPackages: true });

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

  // Each variant runs in its own process, as one warm Lambda container runs one function,
  // so no variant shares an SDK copy (and its JIT state) with another.
  const db = await startLocalDynamoDB();
  const table = "bench-users";
  const client = localDynamoDBClient(db.endpoint);
  const config = loadConfig({ env: {}, file: false });
  await ensureUsersTable(client, { ...usersTableSpec(config), tableName: table });
  client.destroy();
  const env = {
    ...process.env,
    ...postConfirmationSpec(config).environment,
    USERS_TABLE_NAME: table,
    AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  };
  const worker = (mode: string) =>
    new Promise<number[]>((resolvePromise, reject) => {
      // Asynchronous: dynalite answers from this process.
      execFile(
        process.execPath,
        ["--import", TSX_LOADER, join(__dirname, "warm-worker.ts"), mode, bundled.file, String(warmInvocations), "100"],
        { env, maxBuffer: 16 * 1024 * 1024 },
        (err, stdout, stderr) => (err ? reject(new Error(`${mode} worker failed: ${stderr}`)) : resolvePromise(JSON.parse(stdout.trim().split("\n").pop()!))),
      );
    });
  const modes = { handler: "handler (conditional put + mapping + log)", put: "bare PutItem (floor)", "conditional-put": "bare PutItem with the same condition" };
  const perRound: Record<string, number[]> = { handler: [], put: [], "conditional-put": [] };
  const all: Record<string, number[]> = { handler: [], put: [], "conditional-put": [] };
  try {
    for (let round = 0; round < rounds; round++) {
      for (const mode of Object.keys(modes)) {
        const ms = await worker(mode);
        perRound[mode].push(median(ms));
        all[mode].push(...ms);
      }
    }
  } finally {
    await db.stop();
  }
  console.log(`\n### Warm invocation vs bare PutItem against dynalite (${rounds} rounds x ${warmInvocations} calls per variant, one process per variant and round, after 100 warm-ups)`);
  console.table(
    Object.entries(modes).map(([mode, variant]) => ({
      variant,
      "median of round medians ms": fmt(median(perRound[mode]), 3),
      "p99 ms": fmt(percentile(all[mode], 99), 2),
    })),
  );
  // Paired: each round's variants ran back to back, so their ratio cancels the machine's drift.
  const ratio = (a: string, b: string) => fmt(median(perRound[a].map((ms, i) => ms / perRound[b][i])), 2);
  console.log(
    `handler / floor: x${ratio("handler", "put")} (target <= 1.2); handler / conditional put: x${ratio("handler", "conditional-put")} (our code's own share)` +
      " (medians of per-round ratios)",
  );
}
