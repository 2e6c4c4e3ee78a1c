/** Once per jest run: the run's own temporary folder (see global-setup) goes. */
import { rmSync } from "node:fs";
import { basename, dirname } from "node:path";

export default function globalTeardown(): void {
  const dir = process.env.TMPDIR;
  // Only the folder global-setup made: never a developer's own TMPDIR.
  if (dir && basename(dirname(dir)) === "user-sync-tests" && basename(dir).startsWith("run-")) rmSync(dir, { recursive: true, force: true });
}
