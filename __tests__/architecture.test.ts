/**
 * Dependencies run one way: tools and functions -> core; lib -> core; the
 * runtime (core/, functions/) never loads deploy-time code, and lib/ never
 * imports a function's code (it bundles functions by path).
 */
import { execFileSync } from "node:child_process";
import { readFileSync, realpathSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { ROOT } from "./helpers/cli";

const SPECIFIER = /(?:from\s+|require\(\s*|import\(\s*)["']([^"']+)["']/g;

/** Every import of a file: project paths as "dir/…", packages by name. */
export function importsOf(file: string, source: string): string[] {
  return [...source.matchAll(SPECIFIER)].map(([, spec]) => (spec.startsWith(".") ? normalize(join(dirname(file), spec)) : spec));
}

const RUNTIME_FORBIDDEN = [/^lib\//, /^tools\//, /^scripts\//, /^__tests__\//, /^cdktf($|\/)/, /^esbuild($|\/)/, /^constructs($|\/)/, /^@cdktf\//, /^zod($|\/)/];

/** What a file may not import, by where it lives. */
export function violations(file: string, imports: readonly string[]): string[] {
  const forbidden = file.startsWith("core/")
    ? [...RUNTIME_FORBIDDEN, /^functions\//]
    : file.startsWith("functions/")
      ? RUNTIME_FORBIDDEN
      : file.startsWith("lib/")
        ? [/^functions\//, /^tools\//, /^scripts\//, /^__tests__\//]
        : [];
  return imports.filter((i) => forbidden.some((f) => f.test(i))).map((i) => `${file} imports ${i}`);
}

const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "core", "functions", "lib"], { cwd: ROOT, encoding: "utf8" })
  .split("\n")
  .filter((f) => f.endsWith(".ts"));

test("the layers exist", () => {
  expect(files).toEqual(expect.arrayContaining(["core/contract.ts", "functions/post-confirmation/handler.ts", "lib/user-sync-stack.ts"]));
});

test("no module in core/ or functions/ imports lib/, tools/, cdktf or esbuild, and lib/ never imports functions/", () => {
  const found = files.flatMap((f) => violations(f, importsOf(f, readFileSync(join(ROOT, f), "utf8"))));
  expect(found).toEqual([]);
});

test("the rule catches each kind of wrong-way import", () => {
  const check = (file: string, source: string) => violations(file, importsOf(file, source));
  expect(check("core/x.ts", 'import { a } from "../lib/settings";')).toEqual(["core/x.ts imports lib/settings"]);
  expect(check("functions/f/handler.ts", 'import { a } from "../../tools/local/clients";')).toEqual(["functions/f/handler.ts imports tools/local/clients"]);
  expect(check("functions/f/handler.ts", 'const { App } = require("cdktf");')).toEqual(["functions/f/handler.ts imports cdktf"]);
  expect(check("core/x.ts", 'import("esbuild")')).toEqual(["core/x.ts imports esbuild"]);
  expect(check("core/x.ts", 'import { h } from "../functions/post-confirmation/handler";')).toEqual(["core/x.ts imports functions/post-confirmation/handler"]);
  expect(check("lib/x.ts", 'import { h } from "../functions/post-confirmation/handler";')).toEqual(["lib/x.ts imports functions/post-confirmation/handler"]);
  expect(check("lib/x.ts", 'import { a } from "../core/contract";')).toEqual([]);
  expect(check("functions/f/handler.ts", 'import { a } from "../../core/contract";')).toEqual([]);
});

test("one copy of the SDK core in the install, however many clients", () => {
  // The real folder: node_modules may be a link (a second checkout sharing an install).
  const modules = realpathSync(join(ROOT, "node_modules"));
  const copies = (pkg: string) => execFileSync("find", [modules, "-path", `*/${pkg}/package.json`], { encoding: "utf8" }).trim().split("\n").map((f) => relative(modules, f));
  expect(copies("@aws-sdk/core")).toEqual(["@aws-sdk/core/package.json"]);
  expect(copies("@smithy/core")).toEqual(["@smithy/core/package.json"]);
});
