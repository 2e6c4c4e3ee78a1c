/**
 * The simulation's speed: histories per second with a fixed seed (the same
 * histories every run), three times, the median, and what the test suite's
 * 500 histories cost at that rate.
 */
import { simulate } from "../simulate/simulate";
import { fmt, median } from "./stats";

const HISTORIES = 300;

export async function benchSimulate(): Promise<void> {
  const rates: number[] = [];
  for (let i = 0; i < 3; i++) {
    const result = await simulate({ runs: HISTORIES, seed: 2026 });
    if (result.failure) throw new Error(`the simulation failed while benchmarked: ${result.failure.message}`);
    rates.push(result.runs / (result.ms / 1000));
  }
  const rate = median(rates);
  console.log(`\n## Simulation (${HISTORIES} histories of up to 40 steps, seed 2026, 3 runs)`);
  console.log(`histories per second: median ${fmt(rate, 1)} (min ${fmt(Math.min(...rates), 1)}, max ${fmt(Math.max(...rates), 1)})`);
  console.log(`npm test's 500 histories: ~${fmt(500 / rate, 1)} s; 10,000 (the acceptance run): ~${fmt(10_000 / rate / 60, 1)} min`);
}
