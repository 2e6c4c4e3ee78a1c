/**
 * `npm run synth` (one stage) against the same app with the provider's root
 * entry loaded, interleaved so both see the same machine load.
 */
import { fmt, median, runNode } from "./stats";

export function benchSynth(runs = 7): void {
  const variants = {
    "per-resource imports (npm run synth)": ["--import", "tsx", "main.ts"],
    "root import of @cdktf/provider-aws": ["--require", "@cdktf/provider-aws", "--import", "tsx", "main.ts"],
  };
  const results: Record<string, { ms: number[]; rss: number[] }> = {};
  for (const name of Object.keys(variants)) results[name] = { ms: [], rss: [] };
  const env = { ...process.env, USER_SYNC_STAGE: "bench" };
  runNode(variants["per-resource imports (npm run synth)"], env); // warm the disk cache
  for (let i = 0; i < runs; i++) {
    for (const [name, args] of Object.entries(variants)) {
      const run = runNode(args, env);
      results[name].ms.push(run.ms);
      results[name].rss.push(run.maxRssMb);
    }
  }
  const [ours, root] = Object.values(results);
  console.log(`\n## Synth, one stage (${runs} runs each, interleaved)`);
  console.table(
    Object.entries(results).map(([name, r]) => ({
      variant: name,
      "median ms": fmt(median(r.ms)),
      "min ms": fmt(Math.min(...r.ms)),
      "median peak RSS MB": fmt(median(r.rss)),
    })),
  );
  console.log(
    `root import / per-resource: time x${fmt(median(root.ms) / median(ours.ms), 2)}, memory x${fmt(median(root.rss) / median(ours.rss), 2)}` +
      `  (targets: npm run synth < 2000 ms and < 200 MB)`,
  );
}
