/**
 * `user-sync local` stops cleanly however it is stopped: Ctrl-C on the
 * process group, the terminal closing (SIGHUP), `kill` of npm alone, or the
 * CLI killed outright. Every service process exits and every port is free
 * again, so the next start works.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, mkdtempSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { testBundleRoot } from "../helpers/synth";
import { BIN } from "../helpers/cli";

const ROOT = resolve(__dirname, "../..");

async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<import("node:net").Server>((res) => {
      const s = createServer();
      s.listen(0, "127.0.0.1", () => res(s));
    })),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((res) => s.close(res))));
  return ports;
}

const answers = (port: number) =>
  new Promise<boolean>((res) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => (socket.destroy(), res(true)));
    socket.once("error", () => res(false));
  });

/** The bound only stops a hang. */
async function until(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const groupAlive = (pgid: number) => {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
};

interface Running {
  readonly proc: ChildProcess;
  readonly ports: number[];
  output: string;
  readonly exited: Promise<number | null>;
}

/** Starts the sandbox in its own process group (as a terminal would), via npm or the CLI directly. */
async function start(via: "npm" | "cli", extra: string[] = []): Promise<Running> {
  const ports = await freePorts(4);
  // A fresh state folder holding the run's bundles, which the sandbox finds up to date.
  const stateDir = mkdtempSync(join(tmpdir(), "user-sync-stop-"));
  cpSync(testBundleRoot(), join(stateDir, "bundles"), { recursive: true });
  const args = ["local", "--state-dir", stateDir, "--dynamodb-port", String(ports[0]), "--cognito-port", String(ports[1]), "--lambda-port", String(ports[2]), "--stepfunctions-port", String(ports[3]), ...extra];
  const proc = via === "npm" ? spawn("npm", ["run", "-s", ...args.slice(0, 1), "--", ...args.slice(1)], { cwd: ROOT, detached: true }) : spawn(process.execPath, [BIN, ...args], { cwd: ROOT, detached: true });
  const running: Running = { proc, ports, output: "", exited: new Promise((res) => proc.once("exit", (code) => res(code))) };
  proc.stdout!.on("data", (d) => (running.output += d));
  proc.stderr!.on("data", (d) => (running.output += d));
  await until(() => running.output.includes("Ctrl-C stops everything"), "the sandbox to start", 60_000);
  for (const port of ports) expect([port, await answers(port)]).toEqual([port, true]);
  return running;
}

async function expectAllStopped(r: Running): Promise<void> {
  for (const port of r.ports) await until(async () => !(await answers(port)), `port ${port} to be free`);
  await until(() => !groupAlive(r.proc.pid!), "every process of the sandbox to exit");
}

afterEach(() => {
  // Never leave a sandbox behind, whatever failed.
  for (const pgid of started.splice(0)) if (groupAlive(pgid)) process.kill(-pgid, "SIGKILL");
});
const started: number[] = [];
const track = (r: Running) => (started.push(r.proc.pid!), r);

test("Ctrl-C (SIGINT to the process group): a clean stop, exit 0, every port freed", async () => {
  const r = track(await start("cli"));
  process.kill(-r.proc.pid!, "SIGINT");
  expect(await r.exited).toBe(0);
  expect(r.output).toContain("Stopping (SIGINT)");
  expect(r.output).toMatch(/Stopped\. \d+ function invocation\(s\)/);
  await expectAllStopped(r);
}, 90_000);

test("a non-loopback --host is served only after a loud warning; the terminal closing (SIGHUP) stops it cleanly", async () => {
  const r = track(await start("cli", ["--host", "0.0.0.0"]));
  expect(r.output).toContain("WARNING: --host 0.0.0.0 is not a loopback address");
  process.kill(r.proc.pid!, "SIGHUP");
  expect(await r.exited).toBe(0);
  await expectAllStopped(r);
}, 90_000);

test("kill -TERM of npm alone: the CLI notices its parent is gone and stops everything", async () => {
  const r = track(await start("npm"));
  process.kill(r.proc.pid!, "SIGTERM");
  await expectAllStopped(r);
}, 90_000);

test("the CLI killed outright (SIGKILL, no cleanup): its services exit on their own and free their ports", async () => {
  const r = track(await start("cli"));
  process.kill(r.proc.pid!, "SIGKILL");
  await expectAllStopped(r);
}, 90_000);

