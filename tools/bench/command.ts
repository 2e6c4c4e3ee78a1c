/**
 * `user-sync bench [sections...]` (npm run bench): prints medians and
 * side-by-side ratios. Numbers on a shared machine are noisy; the ratios are
 * what to compare.
 */
import type { Command } from "commander";
import { UsageError, type Register } from "../command-helpers";

const SECTIONS: Record<string, () => Promise<unknown>> = {
  synth: async () => (await import("./synth")).benchSynth(),
  handler: async () => (await import("./handler")).benchHandler(),
  reconcile: async () => (await import("./reconcile")).benchReconcile(),
  schedule: async () => (await import("./schedule")).benchSchedule(),
  events: async () => (await import("./events")).benchEvents(),
  writers: async () => (await import("./writers")).benchWriters(),
  sandbox: async () => (await import("./sandbox")).benchSandbox(),
  simulate: async () => (await import("./simulate")).benchSimulate(),
  tests: async () => (await import("./tests")).benchTests(),
};

async function runBench(wanted: string[]): Promise<number> {
  const unknown = wanted.filter((w) => !(w in SECTIONS));
  if (unknown.length) throw new UsageError(`bench: unknown section ${unknown.join(", ")}; choose from ${Object.keys(SECTIONS).join(", ")}`);
  console.log(`node ${process.version}, ${(await import("node:os")).cpus().length} cores`);
  for (const name of wanted.length ? wanted : Object.keys(SECTIONS)) await SECTIONS[name]();
  return 0;
}

export const registerBench: Register = (program: Command, run) => {
  program
    .command("bench")
    .description(`Benchmarks: medians and side-by-side ratios (sections: ${Object.keys(SECTIONS).join(", ")}; default all)`)
    .argument("[sections...]", "which sections to run")
    .action(run((sections: string[]) => runBench(sections)));
};
