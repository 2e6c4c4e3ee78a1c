/** Starts a TypeScript service in a child process and waits for its "ready" message. */
import { fork, type ChildProcess } from "node:child_process";

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
    execArgv: ["--import", "tsx", "--no-deprecation", "--no-warnings"],
    env,
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  const output: string[] = [];
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString("utf8").split("\n")) {
      if (!line) continue;
      output.push(line);
      options.onOutput?.(line);
    }
  };
  child.stdout!.on("data", collect);
  child.stderr!.on("data", collect);
  const port = await new Promise<number>((resolve, reject) => {
    child.once("message", (msg: any) => {
      if (msg?.type === "ready") resolve(msg.port);
      else reject(new Error(msg?.message ?? `${options.name} could not start`));
    });
    child.once("exit", (code) => reject(new Error(`${options.name} exited (${code}) before it was ready: ${output.join(" ")}`)));
  });
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
