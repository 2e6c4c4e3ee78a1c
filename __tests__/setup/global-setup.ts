/**
 * Once per jest run: every function bundled once, into a temporary folder
 * every test file shares (TEST_BUNDLE_ROOT), so synth and the sandbox reuse it
 * instead of bundling again in each file. The folder outlives the run: its
 * bundles are rebuilt only when an input changed.
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bundleFunction, functionNames } from "../../lib/function/bundle";

export default function globalSetup(): void {
  const root = join(tmpdir(), "user-sync-tests", "bundles");
  for (const name of functionNames()) bundleFunction(name, join(root, name));
  process.env.TEST_BUNDLE_ROOT = root;
}
