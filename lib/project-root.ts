/**
 * The folder that holds user-sync's package.json: a checkout's root, or the
 * installed package's folder. Found by walking up, so the same module works
 * from source (lib/, tools/<tool>/) and from the package's bundles (build/).
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

function findRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, "utf8")).name === "user-sync") return dir;
    if (dirname(dir) === dir) throw new Error(`no user-sync package.json above ${start}`);
  }
}

export const PROJECT_ROOT = findRoot(__dirname);
