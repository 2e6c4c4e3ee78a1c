/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  testMatch: ["<rootDir>/__tests__/**/*.test.ts"],
  // Strips types without type-checking each file; `npm run typecheck` does that once.
  transform: { "^.+\\.ts$": "<rootDir>/__tests__/esbuild-transform.js" },
  testTimeout: 30000,
  // Most suites wait on child processes and sockets, not the CPU: two at a time fit two cores.
  maxWorkers: 2,
  setupFiles: ["<rootDir>/__tests__/setup-env.js"],
};
