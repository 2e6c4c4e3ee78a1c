/**
 * `npm run simulate -- --runs N --seed S [--path P] [--steps M]`: random
 * histories against the real engine; exits 1 with the shrunk history and the
 * line that replays it when an invariant fails.
 */
import { Command, InvalidArgumentError } from "commander";
import { describeFailure, simulate } from "./simulate";

const whole = (name: string) => (value: string) => {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError(`${name} must be a whole number, 1 or more`);
  return Number(value);
};

const program = new Command("simulate")
  .description("random histories of users, events, faults and reconciles against core/, checked against the six invariants (README: Simulation)")
  .option("--runs <n>", "histories to try", whole("--runs"), 1_000)
  .option("--seed <n>", "the seed (default: random, printed)", whole("--seed"))
  .option("--path <path>", "replay one history: the path a failure printed (with its --seed and --replay)")
  .option("--replay <record>", "the commands' replay record a failure printed")
  .option("--steps <n>", "steps per history at most", whole("--steps"), 40)
  .action(async (flags: { runs: number; seed?: number; path?: string; replay?: string; steps: number }) => {
    const result = await simulate({ runs: flags.runs, seed: flags.seed, path: flags.path, replay: flags.replay, maxSteps: flags.steps });
    const rate = result.runs / (result.ms / 1000);
    if (result.failure) {
      console.error(describeFailure(result));
      process.exitCode = 1;
      return;
    }
    console.log(`${result.runs} histories passed the six invariants (seed ${result.seed}) in ${(result.ms / 1000).toFixed(1)} s: ${rate.toFixed(1)} histories/s`);
  });

program.parseAsync().catch((err: Error) => {
  console.error(err.message);
  process.exitCode = 1;
});
