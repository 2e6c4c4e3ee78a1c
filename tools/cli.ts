/**
 * `user-sync <command>`: one executable for every tool. Each command lives
 * beside its tool (tools/<tool>/command.ts) and loads its heavy modules only
 * when it runs, so `--help` and typos answer at once.
 *
 * Exit codes: 0 done, 1 failed, 2 bad usage (one line naming the option and
 * the closest known one), 130/143 stopped by SIGINT/SIGTERM.
 */
import { Command, CommanderError } from "commander";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "../lib/project-root";
import { registerAttach } from "./attach/command";
import { registerBench } from "./bench/command";
import { registerDeploy } from "./deploy/command";
import { registerLocal } from "./local/command";
import { registerPlan } from "./plan/command";
import { registerReconcile } from "./reconcile/command";
import { registerSynth } from "./synth/command";

import { UsageError, type ActionResult } from "./command-helpers";
import { PACKAGED } from "./project";

/** The guide `user-sync help` prints: this repository's, or (installed) the package's. */
export const GUIDE = PACKAGED ? "help.package" : "help";


/** Commander's messages, as one line: "error: unknown option '--ofline' (did you mean --offline?)". */
export function oneLine(message: string): string {
  return message
    .trim()
    .replace(/\n\(Did you mean (.+)\?\)/, " (did you mean $1?)")
    .replace(/\s*\n\s*/g, " ");
}

export function buildProgram(setExitCode: (code: number) => void): Command {
  const program = new Command("user-sync");
  program
    .description(`Keeps a Cognito user pool and a DynamoDB Users table in sync (CDK for Terraform). \`${PACKAGED ? "npx user-sync" : "user-sync"} help\` for the guide.`)
    .version(JSON.parse(readFileSync(join(PROJECT_ROOT, "package.json"), "utf8")).version)
    .showHelpAfterError(false)
    .showSuggestionAfterError(true)
    .helpCommand(false)
    .configureOutput({ outputError: (message, write) => write(`user-sync: ${oneLine(message).replace(/^error: /, "")}\n`) })
    .exitOverride();

  program
    .command("help [command]")
    .description(PACKAGED ? "the guide to the package, or one command's options" : "the guide to this project, or one command's options")
    .action((name?: string) => {
      if (!name) return void process.stdout.write(readFileSync(join(PROJECT_ROOT, GUIDE), "utf8"));
      const command = program.commands.find((c) => c.name() === name);
      if (!command) throw new UsageError(`help: no command ${JSON.stringify(name)}; commands are ${program.commands.map((c) => c.name()).join(", ")}`);
      command.outputHelp();
    });

  const run = (action: (...args: any[]) => ActionResult) => async (...args: any[]) => setExitCode(await action(...args));
  // synth, plan, local and bench run this repository's stack, sandbox and benchmarks: checkout only.
  if (!PACKAGED) registerSynth(program, run);
  if (!PACKAGED) registerPlan(program, run);
  if (!PACKAGED) registerDeploy(program, run);
  registerReconcile(program, run);
  registerAttach(program, run);
  if (!PACKAGED) registerLocal(program, run);
  if (!PACKAGED) registerBench(program, run);
  return program;
}

/** Runs the CLI; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  let code = 0;
  const program = buildProgram((c) => (code = c));
  try {
    await program.parseAsync(argv);
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and --version end here too, with exit code 0; the message is already printed.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`user-sync: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`user-sync: ${(err as Error).name === "ConfigError" ? (err as Error).message : `${(err as Error).name}: ${(err as Error).message}`}\n`);
    return 1;
  }
}
