/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  testMatch: ["<rootDir>/__tests__/**/*.test.ts"],
  // Strips types without type-checking each file; `npm run typecheck` does that once.
  transform: { "^.+\\.ts$": "<rootDir>/__tests__/esbuild-transform.js" },
  testTimeout: 30000,
  setupFiles: ["<rootDir>/__tests__/setup-env.js"],
};
