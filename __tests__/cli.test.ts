/**
 * The `user-sync` command as a user meets it: help for every subcommand with
 * defaults, one-line usage errors with the closest option (exit 2, never a
 * stack trace), `--json` that is only JSON, no SDK Node-version warning, and
 * every npm script an alias that works.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { buildProgram, main } from "../tools/cli";
import { BIN } from "./helpers/cli";

const ROOT = resolve(__dirname, "..");
/** The real executable, for what only a process shows: exit codes, stack traces, what the SDK prints at load. */
const process_ = (args: string[], env: NodeJS.ProcessEnv = {}) => {
  const res = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", env: { ...process.env, ...env } });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
};
/** The same `main` the executable runs, in this process: what it writes and the exit code it returns. */
async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const out = { stdout: "", stderr: "" };
  const saved = { stdout: process.stdout.write, stderr: process.stderr.write, env: { ...process.env } };
  Object.assign(process.env, env);
  process.stdout.write = ((chunk: string | Uint8Array) => ((out.stdout += String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => ((out.stderr += String(chunk)), true)) as typeof process.stderr.write;
  try {
    const code = await main(["node", "user-sync", ...args]);
    return { code, ...out };
  } finally {
    process.stdout.write = saved.stdout;
    process.stderr.write = saved.stderr;
    for (const key of Object.keys(process.env)) if (!(key in saved.env)) delete process.env[key];
    Object.assign(process.env, saved.env);
  }
}
const TRACE = /^\s+at .+:\d+:\d+\)?$/m;

const commands = buildProgram(() => undefined).commands.map((c) => c.name());

test("the command list covers every tool", () => {
  expect(commands).toEqual(
    expect.arrayContaining(["help", "synth", "plan", "plan-summary", "reconcile", "restore", "attach", "detach", "deploy", "diff", "destroy", "local", "demo", "bench"]),
  );
});

test.each(commands.filter((c) => c !== "help"))("%s --help: usage, options with their defaults, exit 0", async (command) => {
  const out = await cli([command, "--help"]);
  expect(out.code).toBe(0);
  expect(out.stdout).toContain(`Usage: user-sync ${command}`);
  expect(out.stderr).toBe("");
});

test("defaults are shown where an option has one", async () => {
  expect((await cli(["reconcile", "--help"])).stdout).toMatch(/--rate <requests\/s>[^(]*\(ListUsers[^)]*\) \(default:\s+20\)/);
  expect((await cli(["local", "--help"])).stdout).toMatch(/--dynamodb-port <port>[^-]*\(default:\s+8000\)/);
});

test("the executable: --help exits 0 with usage on stdout; a usage error exits 2 with one line and no stack trace", () => {
  const help = process_(["reconcile", "--help"]);
  expect(help.code).toBe(0);
  expect(help.stdout).toContain("Usage: user-sync reconcile");
  const typo = process_(["reconcile", "--dry-rnu"]);
  expect(typo.code).toBe(2);
  expect(typo.stderr.trim().split("\n")).toHaveLength(1);
  expect(typo.stderr).not.toMatch(TRACE);
});

test.each([
  [["plan", "--ofline"], "--offline"],
  [["reconcile", "--dry-rnu"], "--dry-run"],
  [["attach", "--replce"], "--replace"],
  [["local", "--rest"], "--reset"],
  [["deploy", "--auto-aprove"], "--auto-approve"],
])("%j: one line naming the option and the closest one, exit 2, no stack trace", async (args, closest) => {
  const out = await cli(args);
  expect(out.code).toBe(2);
  expect(out.stderr.trim().split("\n")).toHaveLength(1);
  expect(out.stderr).toContain(args[1]);
  expect(out.stderr).toContain(closest);
  expect(out.stderr).not.toMatch(TRACE);
  expect(out.stdout).toBe("");
});

test("an unknown command gets the closest one", async () => {
  const out = await cli(["reconcil"]);
  expect(out.code).toBe(2);
  expect(out.stderr.trim()).toMatch(/unknown command 'reconcil' \(did you mean reconcile\?\)/);
});

test("bad values are usage errors too, named with the accepted range", async () => {
  const out = await cli(["reconcile", "--user-pool-id", "us-east-1_Abc", "--table", "t", "--rate", "99"]);
  expect(out.code).toBe(2);
  expect(out.stderr.trim()).toBe('user-sync: --rate: "99" must be a number from 1 to 30 requests/s (Cognito\'s ListUsers quota is ~30/s per account)');
});

test("--json: a usage error writes nothing to stdout", async () => {
  const out = await cli(["reconcile", "--json"]);
  expect(out.code).toBe(2);
  expect(out.stdout).toBe("");
  expect(out.stderr).toContain("--user-pool-id is required");
});

test("a config typo stops every command that reads the config, naming the closest setting", () => {
  const file = join(mkdtempSync(join(tmpdir(), "user-sync-cli-typo-")), "user-sync.config.json");
  writeFileSync(file, JSON.stringify({ backend: { bucket: "acme-state", lockTable: "locks" } }));
  const out = process_(["synth"], { USER_SYNC_CONFIG: file });
  expect(out.code).toBe(1);
  expect(out.stderr).toContain('unknown setting "lockTable" in backend (did you mean "lock"?)');
  expect(out.stderr).not.toMatch(TRACE);
});

test("an unknown USER_SYNC_* variable is a warning on stderr, not an error", async () => {
  const out = await cli(["reconcile", "--json"], { USER_SYNC_STAEG: "prod" });
  expect(out.stderr).toContain('warning: USER_SYNC_STAEG is not a user-sync setting (did you mean "USER_SYNC_STAGE"?)');
  expect(out.stdout).toBe("");
});

test("no AWS SDK Node-version warning, even where the SDK loads", () => {
  const out = process_(["deploy"], { AWS_CONFIG_FILE: "/nonexistent", AWS_SHARED_CREDENTIALS_FILE: "/nonexistent", AWS_EC2_METADATA_DISABLED: "true", AWS_ACCESS_KEY_ID: "", AWS_SECRET_ACCESS_KEY: "", AWS_PROFILE: "" });
  expect(out.code).toBe(1);
  expect(out.stderr).not.toMatch(/NodeVersionSupportWarning|node >=22/);
});

test("user-sync help opens with what the project is, and lists every npm script", async () => {
  const out = await cli(["help"]);
  expect(out.code).toBe(0);
  expect(out.stdout.split("\n")[0]).toBe("user-sync keeps an Amazon Cognito user pool and a DynamoDB Users table in sync.");
  const scripts = Object.keys(JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).scripts).filter((s) => s !== "prepack" && s !== "test");
  for (const script of scripts) expect([script, out.stdout.includes(`npm run ${script}`)]).toEqual([script, true]);
});

test("every npm script alias is a user-sync command or a documented tool", () => {
  const scripts: Record<string, string> = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).scripts;
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  for (const [name, command] of Object.entries(scripts)) {
    const sub = /^node bin\/user-sync\.js (\S+)$/.exec(command)?.[1];
    if (sub) expect([name, commands.includes(sub)]).toEqual([name, true]);
    if (name !== "prepack") expect([name, readme.includes(name === "test" ? "npm test" : `npm run ${name}`)]).toEqual([name, true]);
  }
});
