/**
 * The sandbox under load: 500 users sign up and confirm, 100 at a time,
 * through the Cognito stand-in, its PostConfirmation trigger (the shipped
 * bundle in the Lambda runner) and the event tap. The trigger's latency per
 * invocation, and the whole run's time; the test suite checks only that every
 * row arrives, this says how fast.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inParallel } from "../../core/in-parallel";
import { loadConfig } from "../../lib/settings";
import { startSandbox } from "../local/sandbox";
import { adminConfirm, signUp } from "../local/sign-up";
import { fmt, percentile } from "./stats";

const USERS = 500;
const IN_FLIGHT = 100;

export async function benchSandbox(): Promise<void> {
  const stateDir = mkdtempSync(join(tmpdir(), "user-sync-bench-sandbox-"));
  const sandbox = await startSandbox({ config: loadConfig({ env: { USER_SYNC_STAGE: "bench" }, file: false }), stateDir, inMemory: true });
  const cognito = sandbox.cognitoClient();
  try {
    const started = performance.now();
    await inParallel(
      Array.from({ length: USERS }, (_, i) => `load-${i}@example.com`),
      IN_FLIGHT,
      async (email) => {
        await signUp(cognito, sandbox.clientId, { email, password: "Correct-Horse-9!x" });
        await adminConfirm(cognito, sandbox.userPoolId, email);
      },
    );
    const wall = performance.now() - started;
    await sandbox.tap?.idle();
    const trigger = (await sandbox.lambda.invocations()).filter((i) => i.functionName === sandbox.functionName);
    const ms = trigger.map((i) => i.durationMs);
    console.log(`\n## Sandbox: ${USERS} sign-up + confirm flows, ${IN_FLIGHT} in flight`);
    console.table([
      {
        flows: USERS,
        "wall s": fmt(wall / 1000, 1),
        "trigger p50 ms": fmt(percentile(ms, 50)),
        "trigger p99 ms": fmt(percentile(ms, 99)),
        "trigger failures": trigger.filter((i) => !i.ok).length,
      },
    ]);
  } finally {
    cognito.destroy();
    await sandbox.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}
