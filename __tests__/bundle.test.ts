/** Bundles are rebuilt exactly when an input or an option changed, and the record of inputs never lands in the zip. */
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bundleFunction } from "../lib/function/bundle";

test("a second build with unchanged inputs reuses the bundle; a changed input, or other options, rebuilds it", () => {
  const outdir = join(mkdtempSync(join(tmpdir(), "user-sync-bundle-cache-")), "post-confirmation");
  const first = bundleFunction("post-confirmation", outdir);
  const built = statSync(first.file).mtimeMs;
  const stamp = JSON.parse(readFileSync(`${outdir}.inputs.json`, "utf8"));
  expect(stamp.inputs).toEqual(expect.arrayContaining([expect.stringMatching(/functions\/post-confirmation\/handler\.ts$/), expect.stringMatching(/core\/user-store\.ts$/)]));
  // Only the bundle is in the directory that gets zipped.
  expect(readdirSync(outdir)).toEqual(["index.mjs"]);

  bundleFunction("post-confirmation", outdir);
  expect(statSync(first.file).mtimeMs).toBe(built);

  // As if an input's content had changed since.
  writeFileSync(`${outdir}.inputs.json`, JSON.stringify({ ...stamp, hash: "0".repeat(64) }));
  bundleFunction("post-confirmation", outdir);
  expect(statSync(first.file).mtimeMs).toBeGreaterThan(built);

  const again = statSync(first.file).mtimeMs;
  const external = bundleFunction("post-confirmation", outdir, { externalPackages: true });
  expect(statSync(external.file).mtimeMs).toBeGreaterThan(again);
  expect(external.bytes).toBeLessThan(first.bytes / 10);
  expect(existsSync(`${outdir}.inputs.json`)).toBe(true);
});
