/**
 * Bundles a function (`functions/<name>/handler.ts`) with esbuild. `npm run
 * build`, synth and the sandbox all call this, so what we test is what we ship.
 * The npm package has no sources: it ships these same bundles, prebuilt at
 * pack time (build/functions), and then needs no esbuild.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { PROJECT_ROOT } from "../project-root";

const FUNCTIONS_DIR = join(PROJECT_ROOT, "functions");
/** Where `npm pack` puts the prebuilt bundles (see tools/package/build.ts). */
export const PREBUILT_DIR = join(PROJECT_ROOT, "build", "functions");
/** `npm run build` writes `dist/<function>/index.mjs`. */
export const DIST_DIR = join(PROJECT_ROOT, "dist");
export const BUNDLE_FILE = "index.mjs";
/** Lambda `handler` setting for a bundle. */
export const BUNDLE_HANDLER = "index.handler";

export interface BundleResult {
  readonly outdir: string;
  readonly file: string;
  readonly bytes: number;
}

export interface BundleOptions {
  /** Leave npm packages out of the bundle (benchmarks compare against this). @default false */
  readonly externalPackages?: boolean;
}

/** Every function with an entry point, by directory name. */
export function functionNames(): string[] {
  return readdirSync(FUNCTIONS_DIR).filter((name) => existsSync(join(FUNCTIONS_DIR, name, "handler.ts")));
}

export function bundleFunction(name: string, outdir: string = join(DIST_DIR, name), options: BundleOptions = {}): BundleResult {
  const entry = join(FUNCTIONS_DIR, name, "handler.ts");
  if (!existsSync(entry)) throw new Error(`no function ${JSON.stringify(name)}: ${entry} does not exist; functions are ${functionNames().join(", ")}`);
  const file = join(outdir, BUNDLE_FILE);
  // Loaded here, not at the top: the package's prebuilt bundles need no esbuild.
  const esbuild = require("esbuild") as typeof import("esbuild");
  // Beside the bundle, not in its directory: that directory is what gets zipped.
  const stamp = `${outdir}.inputs.json`;
  const key = JSON.stringify({ esbuild: esbuild.version, options });
  if (upToDate(file, stamp, key)) return { outdir, file, bytes: statSync(file).size };
  const result = esbuild.buildSync({
    entryPoints: [entry],
    outfile: file,
    bundle: true,
    minify: true,
    platform: "node",
    target: "node22",
    format: "esm",
    // ESM-first so the SDK's ES modules tree-shake.
    mainFields: ["module", "main"],
    // CommonJS dependencies inside an ES module still call require().
    banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
    legalComments: "none",
    packages: options.externalPackages ? "external" : undefined,
    logLevel: "error",
    metafile: true,
  });
  const inputs = Object.keys(result.metafile.inputs).map((p) => resolve(p));
  writeFileSync(stamp, JSON.stringify({ key, inputs, hash: inputsHash(inputs) }));
  return { outdir, file, bytes: statSync(file).size };
}

/** SHA-256 over every input file's path and content. */
function inputsHash(inputs: readonly string[]): string | undefined {
  const hash = createHash("sha256");
  for (const input of inputs) {
    if (!existsSync(input)) return undefined;
    hash.update(input).update("\0").update(readFileSync(input));
  }
  return hash.digest("hex");
}

/** Whether the bundle was built with these options from inputs that have not changed since (synth runs often; esbuild costs ~250 ms a function). */
function upToDate(file: string, stamp: string, key: string): boolean {
  if (!existsSync(file) || !existsSync(stamp)) return false;
  try {
    const saved = JSON.parse(readFileSync(stamp, "utf8")) as { key: string; inputs: string[]; hash: string };
    return saved.key === key && inputsHash(saved.inputs) === saved.hash;
  } catch {
    return false;
  }
}

/** The function's bundle: built from source in a checkout, else the package's prebuilt one. */
export function functionBundle(name: string, outdir: string = join(DIST_DIR, name)): BundleResult {
  if (existsSync(join(FUNCTIONS_DIR, name, "handler.ts"))) return bundleFunction(name, outdir);
  const prebuilt = join(PREBUILT_DIR, name);
  const file = join(prebuilt, BUNDLE_FILE);
  if (!existsSync(file)) throw new Error(`no bundle for function ${JSON.stringify(name)}: neither ${join(FUNCTIONS_DIR, name, "handler.ts")} nor ${file} exists (reinstall user-sync)`);
  return { outdir: prebuilt, file, bytes: statSync(file).size };
}

if (require.main === module) {
  const wanted = process.argv.slice(2);
  for (const name of wanted.length ? wanted : functionNames()) {
    const result = bundleFunction(name);
    console.log(`${result.file} ${(result.bytes / 1024).toFixed(1)} KB`);
  }
}
