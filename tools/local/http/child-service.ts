/**
 * Local services that run in child processes: the parent side starts one and
 * waits for its "ready" message; the child side serves and reports.
 */
import { fork, type ChildProcess } from "node:child_process";
import type { Server } from "node:net";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { listen } from "./listen";

/** tsx's loader by absolute URL: a child started from any working directory finds it. */
export const TSX_LOADER = pathToFileURL(require.resolve("tsx")).href;

/** The environment every child service starts from: where to find programs, and where to listen. */
export function childServiceEnv(host: string, port: number | undefined): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, CHILD_SERVICE_HOST: host, CHILD_SERVICE_PORT: String(port ?? 0) };
}

export interface ChildService {
  readonly port: number;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

export async function startChildService(
  entry: string,
  env: NodeJS.ProcessEnv,
  options: { readonly name: string; readonly onOutput?: (line: string) => void },
): Promise<ChildService> {
  const child = fork(entry, [], {
    execArgv: ["--import", TSX_LOADER, "--no-deprecation", "--no-warnings"],
    env,
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  // Whole lines only: a line may arrive split across two pipe reads.
  let startupOutput: string[] | undefined = [];
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream, crlfDelay: Infinity }).on("line", (line) => {
      if (!line) return;
      startupOutput?.push(line); // kept only to explain a failed start
      options.onOutput?.(line);
    });
  }
  const port = await new Promise<number>((resolve, reject) => {
    child.once("message", (msg: any) => {
      if (msg?.type === "ready") resolve(msg.port);
      else reject(new Error(msg?.message ?? `${options.name} could not start`));
    });
    child.once("exit", (code) => reject(new Error(`${options.name} exited (${code}) before it was ready: ${startupOutput?.join(" ")}`)));
  });
  startupOutput = undefined;
  return {
    port,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

/**
 * Child side: runs `start` to build the server, listens, and tells the parent
 * which port it got (or why it could not start).
 */
export function serveAsChild(name: string, start: () => Promise<Server>): void {
  const host = process.env.CHILD_SERVICE_HOST ?? "127.0.0.1";
  const port = Number(process.env.CHILD_SERVICE_PORT ?? 0);
  start()
    .then((server) => listen(server, port, host, name))
    .then((bound) => {
      process.send?.({ type: "ready", port: bound });
      process.on("disconnect", () => process.exit(0));
      // Ctrl-C reaches the whole process group; the parent stops us, in order, with SIGTERM.
      process.on("SIGINT", () => undefined);
    })
    .catch((err) => {
      process.send?.({ type: "error", message: (err as Error).message });
      process.exit(1);
    });
}
