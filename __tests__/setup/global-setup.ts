/**
 * Once per jest run: every function bundled once, into a temporary folder
 * every test file shares (TEST_BUNDLE_ROOT), so synth and the sandbox reuse it
 * instead of bundling again in each file. The folder outlives the run: its
 * bundles are rebuilt only when an input changed.
 *
 * Everything else a run writes goes under one folder of its own (TMPDIR for
 * the workers and every process they start), which global-teardown removes.
 */
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bundleFunction, functionNames } from "../../lib/function/bundle";
import { PROJECT_ROOT } from "../../lib/project-root";

export default function globalSetup(): void {
  // One folder per checkout: two checkouts testing at once never rebuild each other's bundles.
  const checkout = createHash("sha256").update(PROJECT_ROOT).digest("hex").slice(0, 12);
  const shared = join(tmpdir(), "user-sync-tests");
  const root = join(shared, `bundles-${checkout}`);
  for (const name of functionNames()) bundleFunction(name, join(root, name));
  process.env.TEST_BUNDLE_ROOT = root;
  // cdktf's Testing helpers, mkdtemp in tests and CLI subprocesses all follow TMPDIR.
  mkdirSync(shared, { recursive: true });
  process.env.TMPDIR = mkdtempSync(join(shared, "run-"));
}
