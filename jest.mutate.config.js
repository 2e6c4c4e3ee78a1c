/**
 * The in-process tests Stryker scores mutants with (`npm run mutate`): unit
 * tests, the settings and key-layout checks, the safety tests, the engine and
 * the worker on dynalite, the run guard, the handlers, and the simulation
 * (fewer histories, so each mutant's run stays short). No synth, no sandbox,
 * no child processes.
 * @type {import('jest').Config}
 */
const base = require("./jest.config.js");

module.exports = {
  testEnvironment: base.testEnvironment,
  transform: base.transform,
  testTimeout: base.testTimeout,
  setupFiles: base.setupFiles,
  testMatch: [
    "user-events.unit",
    "user-record",
    "row-layout",
    "config",
    "safety",
    "reconcile.unit",
    "reconcile-guard",
    "reconcile-worker",
    "handler.integration",
    "simulation",
  ].map((f) => `<rootDir>/__tests__/${f}.test.ts`),
  globals: { SIMULATION_RUNS: 20 },
};
