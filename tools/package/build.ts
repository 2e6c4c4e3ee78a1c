/**
 * `npm pack` runs this (prepack): what the package needs so a project without
 * this repository's layout can install it and synthesize with it.
 *
 * - build/functions/<name>/index.mjs: every function, bundled exactly as synth
 *   bundles it here. Prebuilt, so a consumer's synth needs no esbuild and
 *   ships the bytes our tests ran (not whatever its own toolchain makes).
 * - build/lib/index.js: the constructs, CommonJS; every npm package stays
 *   external, so cdktf, constructs and the providers are the consumer's own
 *   copies (peer dependencies: one construct tree, one provider class).
 * - build/cli.js: the `user-sync` commands that work outside a checkout.
 * - build/types: declarations for lib/index.ts.
 */
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { bundleFunction, functionNames, PREBUILT_DIR } from "../../lib/function/bundle";

const ROOT = resolve(__dirname, "../..");
const BUILD = join(ROOT, "build");

export function buildPackage(log: (line: string) => void = console.error): void {
  const { buildSync } = require("esbuild") as typeof import("esbuild");
  rmSync(BUILD, { recursive: true, force: true });
  for (const name of functionNames()) {
    const bundle = bundleFunction(name, join(PREBUILT_DIR, name));
    // The rebuild record names this machine's paths: not for the package.
    rmSync(`${join(PREBUILT_DIR, name)}.inputs.json`, { force: true });
    log(`build/functions/${name}/index.mjs ${(bundle.bytes / 1024).toFixed(1)} KB`);
  }
  const common = { bundle: true, platform: "node", target: "node20", format: "cjs", packages: "external", legalComments: "none", logLevel: "error" } as const;
  buildSync({ ...common, entryPoints: [join(ROOT, "lib/index.ts")], outfile: join(BUILD, "lib/index.js") });
  buildSync({ ...common, entryPoints: [join(ROOT, "tools/cli.ts")], outfile: join(BUILD, "cli.js") });
  log("build/lib/index.js, build/cli.js");
  const tsc = spawnSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", join(ROOT, "tsconfig.package.json")], { cwd: ROOT, encoding: "utf8" });
  if (tsc.status !== 0) throw new Error(`declarations failed:\n${tsc.stdout}${tsc.stderr}`);
  log("build/types");
}

if (require.main === module) buildPackage();
