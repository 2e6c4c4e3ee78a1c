/**
 * The simulation (tools/simulate): random histories of users, deliveries,
 * faults and reconciles against the real code of core/, checked against the
 * six invariants after every step and at quiescence. A fixed seed here;
 * `npm run simulate -- --runs N` for long runs with a random one. That the
 * invariants catch broken writers is shown in simulation-power.test.ts.
 */
import { describeFailure, simulate } from "../tools/simulate/simulate";

/** 500 in npm test; fewer when Stryker runs this file once per mutant (jest.mutate.config.js). */
const RUNS: number = (globalThis as { SIMULATION_RUNS?: number }).SIMULATION_RUNS ?? 500;

test(`${RUNS} histories with a fixed seed keep the six invariants`, async () => {
  const result = await simulate({ runs: RUNS, seed: 2026 });
  if (result.failure) throw new Error(describeFailure(result));
  expect(result.runs).toBe(RUNS);
});
