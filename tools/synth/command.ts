/** `user-sync synth` (npm run synth): runs the app exactly as `cdktf synth` does, then says what it wrote. */
import type { Command } from "commander";
import type { Register } from "../command-helpers";

async function runSynth(flags: { stage?: string }): Promise<number> {
  const [{ existsSync, readFileSync, statSync }, { join, relative }, bundle, { synthStage }] = await Promise.all([
    import("node:fs"),
    import("node:path"),
    import("../../lib/function/bundle"),
    import("./synth-stage"),
  ]);
  const entries = bundle.functionNames();
  const env = { ...process.env };
  if (flags.stage) env.USER_SYNC_STAGE = flags.stage;
  const { outdir, ok } = synthStage({ env });
  if (!ok) return 1;
  const manifest = JSON.parse(readFileSync(join(outdir, "manifest.json"), "utf8"));
  for (const stack of Object.values(manifest.stacks) as Array<{ name: string; synthesizedStackPath: string }>) {
    const file = join(outdir, stack.synthesizedStackPath);
    const json = JSON.parse(readFileSync(file, "utf8"));
    const resources = Object.values(json.resource ?? {}).reduce((n: number, byName: any) => n + Object.keys(byName).length, 0);
    const bundles = Object.values(json.resource?.aws_lambda_function ?? {}).map((fn: any) => {
      const entry = entries.find((e) => String(fn.function_name).endsWith(`-${e}`));
      const file = entry && join(bundle.DIST_DIR, entry, bundle.BUNDLE_FILE);
      return file && existsSync(file) ? `${entry} ${(statSync(file).size / 1024).toFixed(1)} KB` : String(fn.function_name);
    });
    process.stderr.write(`Synthesized stack ${stack.name}: ${relative(process.cwd(), file)} (${resources} resources); bundles: ${bundles.join(", ")}\n`);
  }
  return 0;
}

export const registerSynth: Register = (program: Command, run) => {
  program
    .command("synth")
    .description("Synthesize one stage into cdktf.out/ (what cdktf synth runs, without its start-up)")
    .option("--stage <name>", "the stage (default: USER_SYNC_STAGE, else the config's)")
    .action(run((flags) => runSynth(flags)));
};
