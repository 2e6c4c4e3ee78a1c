/**
 * The architecture as rules (.dependency-cruiser.cjs, checked by
 * dependency-cruiser): one-way layers, a runtime that never loads deploy-time
 * code, core features that do not reach into each other, no import cycles.
 * Also: each rule really fires, shown on a small tree of wrong-way imports.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { ROOT } from "./helpers/cli";

const DEPCRUISE = join(ROOT, "node_modules/dependency-cruiser/bin/dependency-cruise.mjs");

/** dependency-cruiser's violations for these paths, with the project's rules. */
function violations(cwd: string, paths: string[]): Array<{ rule: string; from: string; to: string }> {
  const res = spawnSync(process.execPath, [DEPCRUISE, "--config", join(ROOT, ".dependency-cruiser.cjs"), "--output-type", "json", ...paths], { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (!res.stdout) throw new Error(`dependency-cruiser failed: ${res.stderr}`);
  return JSON.parse(res.stdout).summary.violations.map((v: any) => ({ rule: v.rule.name, from: v.from, to: v.to }));
}

test("the project follows every rule: no cycle, one-way layers, core features apart", () => {
  expect(violations(ROOT, ["core", "functions", "lib", "tools", "main.ts"])).toEqual([]);
});

test("each rule fires on the import it forbids", () => {
  const dir = mkdtempSync(join(tmpdir(), "user-sync-arch-"));
  const files: Record<string, string> = {
    "core/uses-lib.ts": 'import { x } from "../lib/thing";\nexport const y = x;',
    "core/log.ts": 'import { z } from "./reconcile/engine";\nexport const w = z;',
    "core/reconcile/engine.ts": 'import { e } from "../user-events/apply";\nexport const z = e;',
    "core/user-events/apply.ts": "export const e = 1;",
    "functions/one/handler.ts": 'import { h } from "../two/handler";\nimport "../../tools/cli";\nexport const g = h;',
    "functions/two/handler.ts": "export const h = 1;",
    "lib/thing.ts": 'import "../functions/one/handler";\nexport const x = 1;',
    "tools/cli.ts": 'import { b } from "./b";\nexport const a = b;',
    "tools/b.ts": 'import { a } from "./cli";\nexport const b = a;',
    "tsconfig.json": JSON.stringify({ compilerOptions: { module: "commonjs", moduleResolution: "node" } }),
  };
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
  const found = violations(dir, ["core", "functions", "lib", "tools"]).map((v) => `${v.rule}: ${v.from} -> ${v.to}`);
  expect(found).toEqual(
    expect.arrayContaining([
      "core-is-runtime-only: core/uses-lib.ts -> lib/thing.ts",
      "core-shared-modules-know-no-feature: core/log.ts -> core/reconcile/engine.ts",
      "core-features-stay-apart: core/reconcile/engine.ts -> core/user-events/apply.ts",
      "functions-are-thin: functions/one/handler.ts -> functions/two/handler.ts",
      "functions-are-thin: functions/one/handler.ts -> tools/cli.ts",
      "lib-does-not-import-functions-or-tools: lib/thing.ts -> functions/one/handler.ts",
      "no-circular: tools/b.ts -> tools/cli.ts",
    ]),
  );
});

test("no file over 300 lines in core/, lib/, functions/ or tools/, but the generated props", () => {
  const files = execFileSync("git", ["ls-files", "-co", "--exclude-standard", "core", "lib", "functions", "tools"], { cwd: ROOT, encoding: "utf8" })
    .split("\n")
    .filter((f) => f.endsWith(".ts") && existsSync(join(ROOT, f)));
  const long = files
    .map((f) => [f, readFileSync(join(ROOT, f), "utf8").trimEnd().split("\n").length] as const)
    .filter(([f, lines]) => lines > 300 && f !== "lib/settings/props.ts");
  expect(long).toEqual([]);
});

test("one copy of the SDK core in the install, however many clients", () => {
  // The real folder: node_modules may be a link (a second checkout sharing an install).
  const modules = realpathSync(join(ROOT, "node_modules"));
  const copies = (pkg: string) => execFileSync("find", [modules, "-path", `*/${pkg}/package.json`], { encoding: "utf8" }).trim().split("\n").map((f) => relative(modules, f));
  expect(copies("@aws-sdk/core")).toEqual(["@aws-sdk/core/package.json"]);
  expect(copies("@smithy/core")).toEqual(["@smithy/core/package.json"]);
});

test("the README's layout table names every file of core/, lib/ and tools/local, and only files that exist", () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const table = readme.slice(readme.indexOf("| Path | What it is |"), readme.indexOf("\n\n", readme.indexOf("| Path | What it is |")));
  const rows = new Map(
    table
      .split("\n")
      .slice(2)
      .map((row) => row.split(" | "))
      .map(([path, what]) => [path.replace(/^\| `|`$/g, ""), [...what.matchAll(/`([\w.-]+(?:\.(?:ts|cjs)|\/))`/g)].map((m) => m[1])] as const),
  );
  for (const [folder, named] of rows) {
    if (!folder.endsWith("/") || folder.startsWith("__tests__") || folder === "examples/") continue;
    for (const name of named) expect([folder, name, existsSync(join(ROOT, folder, name))]).toEqual([folder, name, true]);
    if (folder === "tools/") continue;
    const entries = readdirSync(join(ROOT, folder)).map((e) => (statSync(join(ROOT, folder, e)).isDirectory() ? `${e}/` : e));
    for (const entry of entries) {
      const described = named.includes(entry) || rows.has(`${folder}${entry}`);
      expect([folder, entry, described]).toEqual([folder, entry, true]);
    }
  }
});
