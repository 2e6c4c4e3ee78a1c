/**
 * The one way this repository synthesizes: the app command cdktf.json gives
 * the cdktf CLI, run in the project root, into CDKTF_OUTDIR. `synth`, `plan`
 * and `deploy`/`diff`/`destroy` all call this, so they synthesize the same thing.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../lib/project-root";

export interface SynthStageOptions {
  /** Settings (USER_SYNC_*) and everything else the app sees. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** @default env.CDKTF_OUTDIR, else <project>/cdktf.out */
  readonly outdir?: string;
  /** inherit: the app's messages go to this process's stderr; pipe: returned in `output`. @default inherit */
  readonly output?: "inherit" | "pipe";
}

export interface SynthStageResult {
  readonly outdir: string;
  readonly ok: boolean;
  /** The app's stdout and stderr (output: pipe). */
  readonly output: string;
}

export function synthStage(options: SynthStageOptions = {}): SynthStageResult {
  const env = options.env ?? process.env;
  const outdir = options.outdir ?? env.CDKTF_OUTDIR ?? join(PROJECT_ROOT, "cdktf.out");
  const [command, ...args] = JSON.parse(readFileSync(join(PROJECT_ROOT, "cdktf.json"), "utf8")).app.split(" ");
  const res = spawnSync(command === "node" ? process.execPath : command, args, {
    cwd: PROJECT_ROOT,
    env: { ...env, CDKTF_OUTDIR: outdir },
    encoding: "utf8",
    stdio: options.output === "pipe" ? ["ignore", "pipe", "pipe"] : ["ignore", "inherit", "inherit"],
  });
  return { outdir, ok: res.status === 0, output: `${res.stdout ?? ""}${res.stderr ?? ""}${res.error ? res.error.message : ""}` };
}
