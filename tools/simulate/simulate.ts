/**
 * Random histories against the real engine, checked by the invariants
 * (invariants.ts) after every step and at quiescence. fast-check generates a
 * configuration and a history, runs it in a fresh world, and on a failure
 * shrinks the history to the shortest one that still fails; the seed and the
 * path replay exactly that history.
 */
import fc from "fast-check";
import { STEPS } from "./commands";
import { afterEngineRun, afterStep, afterWorkerStep, atQuiescence, deliverEvent, deliverTrigger } from "./invariants";
import { InvariantViolation, World, type Sabotage, type SimConfig } from "./world";

export const CONFIGS: fc.Arbitrary<SimConfig> = fc.record({
  layout: fc.constantFrom("default", "single-table", "suffix"),
  onUserDeleted: fc.constantFrom("erase", "delete", "keep"),
  amplify: fc.constantFrom("off", "owner", "conflict-detection"),
  rowsAtInvite: fc.boolean(),
  prune: fc.boolean(),
  pageSize: fc.constantFrom(1, 2, 3, 60),
});

/** Everything delivered, faults gone, the worker's run finished, then one full reconcile; then invariant 2. */
export async function quiesce(w: World): Promise<void> {
  Object.assign(w.cognito.faults, { throttleCalls: 0, throttleOperation: undefined, lag: 0, emptyListing: false });
  w.ddbOutage = 0;
  w.log.push("-- quiescence: faults off, every delivery made, the worker's run finished, one full reconcile");
  while (w.triggers.length > 0) await deliverTrigger(w, w.triggers.shift()!);
  while (w.events.length > 0) await deliverEvent(w, w.events.shift()!.event);
  for (let steps = 0; w.run; steps++) {
    if (steps > 10_000) throw new InvariantViolation("the worker's run did not finish in 10,000 steps without faults");
    await afterWorkerStep(w, await w.workerStep(5, false));
  }
  const run = await w.engineRun();
  await afterEngineRun(w, run);
  // A prune the guards refused is the promise kept, not a failure: the rows stay.
  const failures = run.report.failures.filter((f) => !f.error.startsWith("prune refused"));
  if (failures.length > 0 || run.report.orphanPhaseError) throw new InvariantViolation(`invariant 2: the reconcile at quiescence failed: ${JSON.stringify(failures)} ${run.report.orphanPhaseError ?? ""}`);
  await afterStep(w, "the reconcile at quiescence");
  await atQuiescence(w);
}

export interface SimulationOptions {
  readonly runs: number;
  readonly seed?: number;
  /** Replays one history: the path a failure printed (with its replay). */
  readonly path?: string;
  /** The commands' own replay record a failure printed. */
  readonly replay?: string;
  /** Steps per history at most. @default 40 */
  readonly maxSteps?: number;
  /** A deliberately broken writer (tests of the simulation itself). */
  readonly sabotage?: Sabotage;
}

export interface SimulationResult {
  readonly runs: number;
  readonly seed: number;
  readonly ms: number;
  /** Set when an invariant failed: the shrunk history and how to replay it. */
  readonly failure?: { readonly message: string; readonly path: string; readonly config: SimConfig; readonly steps: string[]; readonly replay: string; readonly replayPath: string; readonly runsToFind: number };
}

export async function simulate(options: SimulationOptions): Promise<SimulationResult> {
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const started = performance.now();
  const property = fc.asyncProperty(CONFIGS, fc.commands([STEPS], { maxCommands: options.maxSteps ?? 40, size: "max", replayPath: options.replay }), async (config, steps) => {
    const world = await World.create(config, options.sabotage);
    try {
      await fc.asyncModelRun(() => ({ model: {}, real: world }), steps);
      await quiesce(world);
    } finally {
      await world.close();
    }
  });
  const details = await fc.check(property, { numRuns: options.runs, seed, path: options.path, endOnFailure: false });
  const ms = performance.now() - started;
  if (!details.failed) return { runs: details.numRuns, seed, ms };
  const [config, steps] = details.counterexample!;
  const path = details.counterexamplePath!;
  const replay = /replayPath="([^"]*)"/.exec(String(steps))?.[1] ?? "";
  const ran = [...steps].filter((c) => (c as { hasRan?: boolean }).hasRan !== false).map(String);
  const error = details.errorInstance as Error | undefined;
  return {
    runs: details.numRuns,
    seed,
    ms,
    failure: {
      message: error ? `${error.name}: ${error.message}` : "the property failed",
      path,
      config,
      steps: ran,
      replay: `npm run simulate -- --seed ${seed} --path ${path} --replay '${replay}'`,
      replayPath: replay,
      runsToFind: details.numRuns,
    },
  };
}

/** A failure as people read it: the invariant, the configuration, the shrunk history, the line that replays it. */
export function describeFailure(result: SimulationResult): string {
  const f = result.failure!;
  return [
    `${f.message}`,
    `after ${f.runsToFind} histories (seed ${result.seed}); shrunk to ${f.steps.length} steps with configuration ${JSON.stringify(f.config)}:`,
    ...f.steps.map((s, i) => `  ${String(i + 1).padStart(2)}. ${s}`),
    `replay: ${f.replay}`,
  ].join("\n");
}
