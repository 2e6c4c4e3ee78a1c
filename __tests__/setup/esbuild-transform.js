// jest transformer: strips TypeScript with esbuild (already our bundler), no per-file type-check.
// `npm run typecheck` checks types once for the whole project.
const { transformSync, version } = require("esbuild");
const { createHash } = require("node:crypto");
/** Bump when the options below change, so jest's cache does not serve the old output. */
const OPTIONS_VERSION = "2";

module.exports = {
  getCacheKey(source, filename) {
    return createHash("sha256").update(version).update("\0").update(OPTIONS_VERSION).update("\0").update(filename).update("\0").update(source).digest("hex");
  },
  process(source, filename) {
    const { code, map } = transformSync(source, {
      loader: "ts",
      format: "cjs",
      target: "node20",
      // jest's CommonJS runtime cannot run import(): the CLI's lazy imports become require().
      supported: { "dynamic-import": false },
      sourcemap: "external",
      sourcefile: filename,
    });
    return { code, map };
  },
};
