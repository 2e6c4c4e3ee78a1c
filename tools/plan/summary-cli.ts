/** `npm run plan:summary [-- <plan.json>] [--out <file>]`: the reviewer summary of a plan JSON. */
import { readFileSync, writeFileSync } from "node:fs";
import { basename, dirname } from "node:path";
import { parseArgs } from "node:util";
import { resourceNames } from "../../lib/names";
import { loadConfig } from "../../lib/settings";
import { summarizePlan } from "./plan-summary";

const { values, positionals } = parseArgs({ options: { out: { type: "string" } }, allowPositionals: true });
const file = positionals[0] ?? `cdktf.out/stacks/${resourceNames(loadConfig()).stack}/plan.json`;
let plan: unknown;
try {
  plan = JSON.parse(readFileSync(file, "utf8"));
} catch (err) {
  console.error(`cannot read ${file} as a plan JSON (${(err as Error).message}); run npm run plan first, or pass the file written by terraform show -json`);
  process.exit(1);
}
const { markdown } = summarizePlan(plan, { title: basename(dirname(file)) });
if (values.out) writeFileSync(values.out, markdown);
console.log(markdown);
