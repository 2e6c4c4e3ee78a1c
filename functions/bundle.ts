/**
 * Bundles the PostConfirmation handler with esbuild. `npm run build` and the
 * stack's synth both call this, so what we test is what we ship.
 */
import { buildSync } from "esbuild";
import { statSync } from "node:fs";
import { join, resolve } from "node:path";

export const POST_CONFIRMATION_ENTRY = resolve(__dirname, "post-confirmation/handler.ts");
/** Default output directory; the bundle is `index.mjs` inside it. */
export const POST_CONFIRMATION_OUTDIR = resolve(__dirname, "../dist/post-confirmation");
export const BUNDLE_FILE = "index.mjs";
/** Lambda `handler` setting for the bundle. */
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

export function bundlePostConfirmation(outdir: string = POST_CONFIRMATION_OUTDIR, options: BundleOptions = {}): BundleResult {
  const file = join(outdir, BUNDLE_FILE);
  buildSync({
    entryPoints: [POST_CONFIRMATION_ENTRY],
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
  });
  return { outdir, file, bytes: statSync(file).size };
}

if (require.main === module) {
  const result = bundlePostConfirmation(process.argv[2] ? resolve(process.argv[2]) : undefined);
  console.log(`${result.file} ${(result.bytes / 1024).toFixed(1)} KB`);
}
