/**
 * The in-process tests Stryker scores mutants with (`npm run mutate`): unit
 * tests, the safety tests, the worker on dynalite, the handlers, and the
 * simulation (fewer histories, so each mutant's run stays short). No synth,
 * no sandbox, no child processes, and not the engine's pacing tests (real
 * backoff waits; the engine is not among the mutated files).
 * @type {import('jest').Config}
 */
const base = require("./jest.config.js");

module.exports = {
  testEnvironment: base.testEnvironment,
  transform: base.transform,
  testTimeout: base.testTimeout,
  setupFiles: base.setupFiles,
  testMatch: ["user-events.unit", "user-record", "safety", "reconcile-worker", "handler.integration", "simulation"].map((f) => `<rootDir>/__tests__/${f}.test.ts`),
  globals: { SIMULATION_RUNS: 20 },
};
