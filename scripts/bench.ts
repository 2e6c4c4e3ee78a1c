/**
 * `npm run bench [-- synth handler reconcile]`: prints medians and side-by-side
 * ratios. Numbers on a shared machine are noisy; the ratios are what to compare.
 */
import { benchHandler } from "./bench/handler";
import { benchReconcile } from "./bench/reconcile";
import { benchSynth } from "./bench/synth";

const sections: Record<string, () => unknown> = {
  synth: () => benchSynth(),
  handler: () => benchHandler(),
  reconcile: () => benchReconcile(),
};

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((w) => !(w in sections));
  if (unknown.length) throw new Error(`unknown bench section(s) ${unknown.join(", ")}; choose from ${Object.keys(sections).join(", ")}`);
  console.log(`node ${process.version}, ${require("node:os").cpus().length} cores`);
  for (const name of wanted.length ? wanted : Object.keys(sections)) await sections[name]();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
