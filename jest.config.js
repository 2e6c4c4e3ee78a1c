/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  testMatch: ["<rootDir>/__tests__/**/*.test.ts"],
  // swc strips types without type-checking each file; `npm run typecheck` does that once.
  transform: { "^.+\\.ts$": ["@swc/jest", { jsc: { target: "es2022" } }] },
  testTimeout: 30000,
  setupFiles: ["<rootDir>/__tests__/setup-env.js"],
};
