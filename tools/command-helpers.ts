/** What every `tools/<tool>/command.ts` shares: usage errors, option parsers, the register signature. */
import type { Command } from "commander";

/** Bad input from the user: printed as one line, exit code 2. */
export class UsageError extends Error {
  name = "UsageError";
}

/** An integer option within bounds, for commander's argParser. */
export function integerIn(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`${name}: ${JSON.stringify(value)} must be a whole number from ${min} to ${max}`);
    return n;
  };
}

/** What an action returns: the process exit code. */
export type ActionResult = Promise<number>;

/** The signature every tools/<tool>/command.ts exports. */
export type Register = (program: Command, run: (action: (...args: any[]) => ActionResult) => (...args: any[]) => Promise<void>) => void;

/** A command's options as the README's Markdown table (the README holds exactly this; a test compares). */
export function optionsTable(command: Command): string {
  const rows = command.options.map((o) => {
    const def = o.defaultValue === undefined || typeof o.defaultValue === "boolean" ? "" : ` Default: ${o.defaultValue}.`;
    return `| \`${o.flags}\` | ${o.description.charAt(0).toUpperCase()}${o.description.slice(1)}.${def} |`;
  });
  return ["| Option | Meaning |", "| --- | --- |", ...rows].join("\n");
}
