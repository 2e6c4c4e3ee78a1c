/**
 * What a team gets from `npm pack`: the tarball installed into a fresh
 * project (not this repository's layout), a CDKTF app of its own that uses
 * UserSync with an existing pool and table, type-checked against the shipped
 * declarations and synthesized with the prebuilt function bundles.
 *
 * cdktf, constructs and the providers are peer dependencies (one construct
 * tree, one provider class): the temporary project links this repository's
 * copies, as a team's project has its own, rather than unpacking 360 MB of
 * provider bindings again. Everything else is installed by npm from the tarball.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

const ROOT = resolve(__dirname, "../..");
const PEERS = ["cdktf", "constructs", "@cdktf/provider-aws", "@cdktf/provider-archive", "@types/node"];
const TSC = join(ROOT, "node_modules/typescript/bin/tsc");
const npm = (args: string[], cwd: string) => execFileSync("npm", [...args, "--no-audit", "--no-fund", "--loglevel=error"], { cwd, encoding: "utf8", timeout: 240_000, stdio: ["ignore", "pipe", "pipe"] });

let dir: string;
let project: string;
let tarball: string;

function typecheck(file: string): { status: number | null; output: string } {
  // The tsconfig `cdktf init` writes for TypeScript (ES2018, strict), but with skipLibCheck off:
  // the shipped declarations must compile as a team's tsc sees them, whatever its settings.
  const template = JSON.parse(readFileSync(join(ROOT, "node_modules/cdktf-cli/bundle/templates/typescript/tsconfig.json"), "utf8"));
  const tsconfig = { compilerOptions: { ...template.compilerOptions, skipLibCheck: false, incremental: false, outDir: "out" }, files: [file] };
  writeFileSync(join(project, "tsconfig.json"), JSON.stringify(tsconfig));
  const res = spawnSync(process.execPath, [TSC, "-p", "."], { cwd: project, encoding: "utf8" });
  return { status: res.status, output: `${res.stdout}${res.stderr}` };
}

function synth(jsFile: string, stack: string): any {
  const outdir = join(project, "cdktf.out");
  rmSync(outdir, { recursive: true, force: true });
  execFileSync(process.execPath, [jsFile], { cwd: project, env: { ...process.env, CDKTF_OUTDIR: outdir }, encoding: "utf8" });
  return JSON.parse(readFileSync(join(outdir, "stacks", stack, "cdk.tf.json"), "utf8"));
}

/** The checkout's files (tracked, and new ones not ignored) in a folder of their own, so packing writes nothing here. */
function copyOfCheckout(into: string): string {
  const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: ROOT, encoding: "utf8" }).split("\0").filter(Boolean);
  for (const file of files) {
    if (!existsSync(join(ROOT, file))) continue;
    mkdirSync(dirname(join(into, file)), { recursive: true });
    copyFileSync(join(ROOT, file), join(into, file));
  }
  symlinkSync(join(ROOT, "node_modules"), join(into, "node_modules"), "dir");
  return into;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "user-sync-pack-"));
  // prepack builds build/ (functions, lib, cli, types) first: in a copy, never in this checkout.
  const checkout = copyOfCheckout(join(dir, "checkout"));
  const packed = JSON.parse(npm(["pack", "--json", "--pack-destination", dir], checkout));
  tarball = join(dir, packed[0].filename);
  (globalThis as any).packedFiles = packed[0].files.map((f: { path: string }) => f.path);
  project = join(dir, "app");
  mkdirSync(project);
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "acme-app", version: "1.0.0", private: true }));
  npm(["install", tarball, "--legacy-peer-deps", "--prefer-offline", "--ignore-scripts"], project);
  for (const peer of PEERS) {
    mkdirSync(join(project, "node_modules", dirname(peer)), { recursive: true });
    symlinkSync(join(ROOT, "node_modules", peer), join(project, "node_modules", peer), "dir");
  }
}, 300_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("the tarball holds the build, the CLI and the docs, and no sources, tests or node_modules", () => {
  const files: string[] = (globalThis as any).packedFiles;
  expect(files).toEqual(expect.arrayContaining(["build/lib/index.js", "build/types/lib/index.d.ts", "build/cli.js", "build/functions/post-confirmation/index.mjs", "build/functions/reconcile/index.mjs", "bin/user-sync.js", "help", "README.md", "package.json"]));
  expect(files.filter((f) => /^(functions|core|lib|tools|__tests__|node_modules)\//.test(f) || (f.endsWith(".ts") && !f.endsWith(".d.ts")) || f.endsWith(".inputs.json"))).toEqual([]);
});

test("the README's recipes are these examples, verbatim", () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  for (const example of ["own-stack", "fan-out"]) expect(readme).toContain(readFileSync(join(ROOT, `examples/${example}/main.ts`), "utf8"));
});

test("the app's own stack type-checks against the shipped declarations, and a misspelled setting does not", () => {
  copyFileSync(join(ROOT, "examples/own-stack/main.ts"), join(project, "main.ts"));
  expect(typecheck("main.ts")).toEqual({ status: 0, output: "" });
  writeFileSync(join(project, "typo.ts"), `import { UserSync } from "user-sync";\nimport { App, TerraformStack } from "cdktf";\nnew UserSync(new TerraformStack(new App(), "s"), "u", { userPool: { existng: "x" } });\n`);
  const typo = typecheck("typo.ts");
  expect(typo.status).not.toBe(0);
  expect(typo.output).toContain("existng");
});

test("hovering a prop in the recipe shows its doc and @default, from the shipped declarations", () => {
  const ts = require(join(ROOT, "node_modules/typescript")) as typeof import("typescript");
  const file = join(project, "main.ts");
  copyFileSync(join(ROOT, "examples/own-stack/main.ts"), file);
  const source = readFileSync(file, "utf8");
  const service = ts.createLanguageService({
    getScriptFileNames: () => [file],
    getScriptVersion: () => "1",
    getScriptSnapshot: (f) => (existsSync(f) ? ts.ScriptSnapshot.fromString(readFileSync(f, "utf8")) : undefined),
    getCurrentDirectory: () => project,
    getCompilationSettings: () => ({ target: ts.ScriptTarget.ES2018, module: ts.ModuleKind.CommonJS, strict: true, types: ["node"] }),
    getDefaultLibFileName: (options) => ts.getDefaultLibFilePath(options),
    fileExists: ts.sys.fileExists,
    readFile: ts.sys.readFile,
    readDirectory: ts.sys.readDirectory,
    directoryExists: ts.sys.directoryExists,
    getDirectories: ts.sys.getDirectories,
  });
  const hover = (prop: string) => {
    const info = service.getQuickInfoAtPosition(file, source.indexOf(`${prop}:`))!;
    return { doc: ts.displayPartsToString(info.documentation), tags: (info.tags ?? []).map((t) => `@${t.name} ${ts.displayPartsToString(t.text)}`), declared: (info.displayParts ?? []).map((p) => p.text).join("") };
  };
  expect(hover("stage")).toEqual({ doc: expect.stringContaining("Stage name, 1–16 of a-z 0-9 -"), tags: ['@default "dev"'], declared: expect.stringContaining("stage?: string") });
  expect(hover("attributeMap").tags).toEqual(["@default - standard attributes, camelCase"]);
  expect(hover("partitionKeyValue").doc).toContain("How the partition key is made from the user");
});

test("synth with an existing pool and table: no pool, no users table, grants on the app's table, the prebuilt bundles, the app's provider and backend", () => {
  typecheck("main.ts");
  expect(() => require.resolve("esbuild", { paths: [project] })).toThrow();
  const json = synth("out/main.js", "acme-app");
  expect(Object.keys(json.provider).sort()).toEqual(["archive", "aws"]);
  expect(json.provider.aws).toEqual([expect.objectContaining({ region: "eu-west-1" })]);
  expect(json.terraform.backend).toEqual({ s3: expect.objectContaining({ bucket: "acme-terraform-state", key: "app/terraform.tfstate" }) });
  expect(json.resource.aws_cognito_user_pool).toBeUndefined();
  expect(json.resource.aws_cognito_user_pool_client).toBeUndefined();
  // Only the reconcile's scratch table is created; the Users table is the app's.
  expect(Object.values(json.resource.aws_dynamodb_table).map((t: any) => t.name)).toEqual(["acme-prod-reconcile-scratch"]);
  const permission: any = Object.values(json.resource.aws_lambda_permission)[0];
  expect(permission).toMatchObject({ principal: "cognito-idp.amazonaws.com", action: "lambda:InvokeFunction" });
  expect(permission.source_arn).toMatch(/:cognito-idp:eu-west-1:.*:userpool\/eu-west-1_AbC123xyz$/);
  const functions = Object.values(json.resource.aws_lambda_function) as any[];
  const trigger = functions.find((f) => f.function_name === "acme-prod-post-confirmation");
  expect(trigger.environment.variables).toMatchObject({ USERS_TABLE_NAME: "acme-app-prod", USER_ATTRIBUTE_MAP: expect.stringContaining("firstName") });
  expect(JSON.parse(trigger.environment.variables.USERS_TABLE_KEY_LAYOUT)).toEqual({ partitionKey: { name: "pk", value: "USER#{sub}" }, sortKey: { name: "sk", value: "PROFILE" } });
  const policy: any = Object.values(json.data.aws_iam_policy_document).find((d: any) => d.statement.some((s: any) => s.sid === "CreateUserRows"));
  expect(policy.statement.find((s: any) => s.sid === "CreateUserRows").resources[0]).toMatch(/:dynamodb:eu-west-1:.*:table\/acme-app-prod$/);
  // The shipped bundle, byte for byte: no bundler ran in the app.
  const assets = join(project, "cdktf.out/stacks/acme-app/assets");
  const triggerAsset = readdirSync(assets).find((a) => a.startsWith("users_post-confirmation"))!;
  const [hashDir] = readdirSync(join(assets, triggerAsset));
  expect(readFileSync(join(assets, triggerAsset, hashDir, "index.mjs"))).toEqual(readFileSync(join(project, "node_modules/user-sync/build/functions/post-confirmation/index.mjs")));
  expect(Object.keys(json.output).sort()).toEqual(["post_confirmation_function", "users_table"]);
});

test("two instances with different names live in one stack, with one archive provider", () => {
  writeFileSync(
    join(project, "two.js"),
    `const { App, TerraformStack } = require("cdktf");
const { AwsProvider } = require("@cdktf/provider-aws/lib/provider");
const { UserSync } = require("user-sync");
const app = new App();
const stack = new TerraformStack(app, "two");
new AwsProvider(stack, "aws", { region: "us-east-1" });
const customers = new UserSync(stack, "customers", { namePrefix: "customers", stage: "prod" });
const staff = new UserSync(stack, "staff", { namePrefix: "staff", stage: "prod", userPool: { existing: "us-east-1_Staff0001" } });
if (!customers.userPoolClientId || staff.userPoolClientId !== undefined) throw new Error("outputs are not public properties");
app.synth();
`,
  );
  const json = synth("two.js", "two");
  expect(Object.keys(json.provider.archive)).toHaveLength(1);
  expect(Object.values(json.resource.aws_lambda_function).map((f: any) => f.function_name).sort()).toEqual([
    "customers-prod-post-confirmation",
    "customers-prod-reconcile",
    "customers-prod-user-events",
    "staff-prod-post-confirmation",
    "staff-prod-reconcile",
    "staff-prod-user-events",
  ]);
  expect(Object.values(json.resource.aws_cognito_user_pool).map((p: any) => p.name)).toEqual(["customers-prod-users"]);
  expect(Object.values(json.resource.aws_dynamodb_table).map((t: any) => t.name).sort()).toEqual([
    "customers-prod-reconcile-scratch",
    "customers-prod-users",
    "staff-prod-reconcile-scratch",
    "staff-prod-users",
  ]);
});

test("fan-out: a second consumer reads the table's stream with the grant the table hands out", () => {
  copyFileSync(join(ROOT, "examples/fan-out/main.ts"), join(project, "fan-out.ts"));
  expect(typecheck("fan-out.ts")).toEqual({ status: 0, output: "" });
  const json = synth("out/fan-out.js", "fan-out");
  const table: any = Object.values(json.resource.aws_dynamodb_table).find((t: any) => t.name === "user-sync-prod-users");
  expect(table).toMatchObject({ stream_enabled: true, stream_view_type: "NEW_AND_OLD_IMAGES" });
  const tableId = Object.entries(json.resource.aws_dynamodb_table).find(([, t]: any) => t.name === "user-sync-prod-users")![0];
  const mapping: any = Object.values(json.resource.aws_lambda_event_source_mapping)[0];
  expect(mapping).toMatchObject({ function_name: "acme-search-indexer", event_source_arn: `\${aws_dynamodb_table.${tableId}.stream_arn}` });
  const doc: any = Object.values(json.data.aws_iam_policy_document).find((d: any) => d.statement.some((s: any) => s.sid === "ReadUserRowStream"));
  expect(doc.statement).toEqual([
    expect.objectContaining({
      actions: ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"],
      resources: [`\${aws_dynamodb_table.${tableId}.arn}/stream/*`],
    }),
  ]);
});

test("the packaged user-sync command: the commands that need no checkout, one-line usage errors", () => {
  const bin = join(project, "node_modules/.bin/user-sync");
  const help = spawnSync(bin, ["--help"], { cwd: project, encoding: "utf8" });
  expect(help.status).toBe(0);
  for (const command of ["reconcile", "restore", "attach", "detach"]) expect(help.stdout).toContain(`  ${command} `);
  expect(help.stdout).not.toMatch(/^\s+(local|synth|bench)\b/m);
  const typo = spawnSync(bin, ["reconcile", "--dry-rnu"], { cwd: project, encoding: "utf8" });
  expect(typo.status).toBe(2);
  expect(typo.stderr.trim().split("\n")).toEqual([expect.stringContaining("--dry-run")]);
});
