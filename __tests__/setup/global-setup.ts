/**
 * Once per jest run: every function bundled once, into a temporary folder
 * every test file shares (TEST_BUNDLE_ROOT), so synth and the sandbox reuse it
 * instead of bundling again in each file. The folder outlives the run: its
 * bundles are rebuilt only when an input changed.
 */
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bundleFunction, functionNames } from "../../lib/function/bundle";
import { PROJECT_ROOT } from "../../lib/project-root";

export default function globalSetup(): void {
  // One folder per checkout: two checkouts testing at once never rebuild each other's bundles.
  const checkout = createHash("sha256").update(PROJECT_ROOT).digest("hex").slice(0, 12);
  const root = join(tmpdir(), "user-sync-tests", `bundles-${checkout}`);
  for (const name of functionNames()) bundleFunction(name, join(root, name));
  process.env.TEST_BUNDLE_ROOT = root;
}
