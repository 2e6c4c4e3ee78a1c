import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./helpers/cli";

// The root entry of @cdktf/provider-aws loads every resource class (~5x synth time and memory).
const ROOT_IMPORT = /(from\s+|require\(\s*|import\(\s*)["']@cdktf\/provider-(aws|archive)["']/;

test("no source file imports the root of a provider package", () => {
  const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "*.ts", "*.js", "*.mjs"], {
    cwd: ROOT,
    encoding: "utf8",
  })
    .split("\n")
    .filter((f) => f && existsSync(join(ROOT, f)));
  expect(files).toContain("lib/user-sync-stack.ts");
  const offenders = files.filter((f) => ROOT_IMPORT.test(readFileSync(join(ROOT, f), "utf8")));
  expect(offenders).toEqual([]);
});

test("the pattern catches a root import", () => {
  const pkg = ["@cdktf", "provider-aws"].join("/"); // kept out of this file's text so the scan above stays clean
  expect(ROOT_IMPORT.test(`import { provider } from "${pkg}";`)).toBe(true);
  expect(ROOT_IMPORT.test(`const aws = require('${pkg}');`)).toBe(true);
  expect(ROOT_IMPORT.test(`import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";`)).toBe(false);
});
