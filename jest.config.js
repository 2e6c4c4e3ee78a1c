/**
 * `npm test`: unit, synth and in-process integration tests, and one sandbox
 * end to end. `npm run test:e2e` (jest.e2e.config.js) runs the slower end-to-end
 * files; CI runs both.
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: "node",
  // Stryker's sandbox copies of the project are not this project.
  modulePathIgnorePatterns: ["<rootDir>/.stryker-tmp"],
  testMatch: ["<rootDir>/__tests__/*.test.ts"],
  // Strips types without type-checking each file; `npm run typecheck` does that once.
  transform: { "^.+\\.ts$": "<rootDir>/__tests__/setup/esbuild-transform.js" },
  // Only bounds a hang: tests wait for conditions, never for fixed times.
  testTimeout: 120_000,
  // Most suites wait on child processes and sockets, not the CPU: two at a time fit two cores.
  maxWorkers: 2,
  setupFiles: ["<rootDir>/__tests__/setup/env.js"],
  globalSetup: "<rootDir>/__tests__/setup/global-setup.ts",
  globalTeardown: "<rootDir>/__tests__/setup/global-teardown.ts",
};
