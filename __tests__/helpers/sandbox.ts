import { ScanCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../lib/settings";
import { startSandbox, type Sandbox, type SandboxOptions } from "../../tools/local/sandbox";
import { testBundleRoot } from "./synth";

/** A sandbox on free ports with fresh in-memory state and the run's shared bundles, as tests need it. */
export function startTestSandbox(env: Record<string, string> = {}, options: Pick<SandboxOptions, "amplifySchema" | "amplifyConflictHandler"> = {}): Promise<Sandbox> {
  return startSandbox({
    ...options,
    config: loadConfig({ env: { USER_SYNC_STAGE: "e2e", ...env }, file: false, warn: () => undefined }),
    stateDir: mkdtempSync(join(tmpdir(), "user-sync-sandbox-")),
    bundleRoot: testBundleRoot(),
    inMemory: true,
  });
}

/** Every row of a table (paged). */
export async function scanAll(client: DynamoDBClient, tableName: string): Promise<Record<string, any>[]> {
  const rows: Record<string, any>[] = [];
  let ExclusiveStartKey: Record<string, any> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey, ConsistentRead: true }));
    rows.push(...(page.Items ?? []).map((i) => unmarshall(i)));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return rows;
}

export { inParallel } from "../../core/in-parallel";
