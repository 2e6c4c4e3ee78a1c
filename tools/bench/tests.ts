/**
 * The test suites' wall time and their slowest files, one quiet run each
 * (`npm test`, then `npm run test:e2e`), from jest's own JSON report.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { PROJECT_ROOT } from "../../lib/project-root";
import { fmt } from "./stats";

interface JestReport {
  readonly numTotalTests: number;
  readonly numFailedTests: number;
  readonly testResults: ReadonlyArray<{ readonly name: string; readonly startTime: number; readonly endTime: number }>;
}

function runSuite(config: string): { wallMs: number; report: JestReport } {
  const out = join(mkdtempSync(join(tmpdir(), "user-sync-bench-tests-")), "report.json");
  const started = performance.now();
  const res = spawnSync(process.execPath, [require.resolve("jest/bin/jest"), "-c", config, "--json", "--outputFile", out], { cwd: PROJECT_ROOT, encoding: "utf8", env: { ...process.env, CI: "true" } });
  const wallMs = performance.now() - started;
  if (res.error) throw res.error;
  return { wallMs, report: JSON.parse(readFileSync(out, "utf8")) };
}

export function benchTests(): void {
  console.log("\n## Test suites (one quiet run each)");
  const rows = [];
  for (const [command, config] of [
    ["npm test", "jest.config.js"],
    ["npm run test:e2e", "jest.e2e.config.js"],
  ] as const) {
    const { wallMs, report } = runSuite(config);
    const files = report.testResults.map((r) => ({ file: relative(PROJECT_ROOT, r.name), s: (r.endTime - r.startTime) / 1000 })).sort((a, b) => b.s - a.s);
    rows.push({ suite: command, "wall s": fmt(wallMs / 1000, 1), tests: report.numTotalTests, failed: report.numFailedTests, "file time s": fmt(files.reduce((n, f) => n + f.s, 0), 1) });
    console.log(`\n${command}: slowest files`);
    console.table(files.slice(0, 5).map((f) => ({ file: f.file, s: fmt(f.s, 1) })));
  }
  console.table(rows);
}
