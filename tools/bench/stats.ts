import { spawnSync } from "node:child_process";

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export interface ProcessRun {
  readonly ms: number;
  readonly maxRssMb: number;
  readonly stdout: string;
}

/** Runs a node command with the RSS reporter preloaded; wall time and peak memory. */
export function runNode(args: string[], env: NodeJS.ProcessEnv = process.env): ProcessRun {
  const started = performance.now();
  const res = spawnSync(process.execPath, ["--require", require.resolve("./report-rss.cjs"), ...args], { env, encoding: "utf8" });
  const ms = performance.now() - started;
  if (res.status !== 0) throw new Error(`node ${args.join(" ")} failed: ${res.stderr}`);
  const rss = /BENCH_MAX_RSS_KB=(\d+)/.exec(res.stderr);
  return { ms, maxRssMb: rss ? Number(rss[1]) / 1024 : NaN, stdout: res.stdout };
}

export const fmt = (n: number, digits = 0) => n.toFixed(digits);
