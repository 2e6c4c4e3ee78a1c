/**
 * What a team gets from `npm pack`: the tarball installed into fresh projects
 * exactly as the README says (plain `npm install`, the peers from the registry
 * at the lowest and the highest versions their ranges allow, no links into
 * this repository, no --legacy-peer-deps), a CDKTF app of its own that uses
 * UserSync with an existing pool and table, type-checked against the shipped
 * declarations and synthesized the way the README says to run main.ts (tsx),
 * with the prebuilt function bundles; and the packaged `user-sync` command,
 * whose help and errors name only what exists in that project.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { STACK_OUTPUTS } from "../../lib/names";

const ROOT = resolve(__dirname, "../..");
const OWN = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
const npm = (args: string[], cwd: string) => execFileSync("npm", [...args, "--no-audit", "--no-fund", "--loglevel=error"], { cwd, encoding: "utf8", timeout: 600_000, stdio: ["ignore", "pipe", "pipe"] });

/** The registry's versions of a package within a range, lowest and highest. */
function bounds(name: string, range: string): [string, string] {
  const found = JSON.parse(npm(["view", `${name}@${range}`, "version", "--json"], ROOT));
  const versions: string[] = Array.isArray(found) ? found : [found];
  return [versions[0], versions[versions.length - 1]];
}

let dir: string;
let tarball: string;
/** One project per end of the peer ranges. */
const projects: Record<"lowest" | "highest", string> = { lowest: "", highest: "" };
let project: string;

function typecheck(file: string, where = project): { status: number | null; output: string } {
  // The tsconfig `cdktf init` writes for TypeScript (ES2018, strict), but with skipLibCheck off:
  // the shipped declarations must compile as a team's tsc sees them, whatever its settings.
  const template = JSON.parse(readFileSync(join(ROOT, "node_modules/cdktf-cli/bundle/templates/typescript/tsconfig.json"), "utf8"));
  const tsconfig = { compilerOptions: { ...template.compilerOptions, skipLibCheck: false, incremental: false, outDir: "out" }, files: [file] };
  writeFileSync(join(where, "tsconfig.json"), JSON.stringify(tsconfig));
  const res = spawnSync(process.execPath, [join(where, "node_modules/typescript/bin/tsc"), "-p", "."], { cwd: where, encoding: "utf8" });
  return { status: res.status, output: `${res.stdout}${res.stderr}` };
}

/** Runs an app the way the README says (`npx tsx main.ts`; a .js file with node) and reads one stack's JSON. */
function synth(file: string, stack: string, where = project): any {
  const outdir = join(where, "cdktf.out");
  rmSync(outdir, { recursive: true, force: true });
  const [command, args] = file.endsWith(".ts") ? ["npx", ["tsx", file]] : [process.execPath, [file]];
  execFileSync(command, args, { cwd: where, env: { ...process.env, CDKTF_OUTDIR: outdir }, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
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
  // The build tools only: packing reads this repository's devDependencies, never the project's.
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
  for (const end of ["lowest", "highest"] as const) {
    const peers = Object.fromEntries(Object.entries(OWN.peerDependencies as Record<string, string>).map(([name, range]) => [name, bounds(name, range)[end === "lowest" ? 0 : 1]]));
    const where = (projects[end] = join(dir, `app-${end}`));
    mkdirSync(where);
    // As the README says: the tarball and the peers, then TypeScript, tsx and Node's types for main.ts.
    writeFileSync(join(where, "package.json"), JSON.stringify({ name: `acme-app-${end}`, version: "1.0.0", private: true }));
    npm(["install", tarball, ...Object.entries(peers).map(([n, v]) => `${n}@${v}`)], where);
    npm(["install", "--save-dev", `typescript@${OWN.devDependencies.typescript}`, `tsx@${OWN.devDependencies.tsx}`, `@types/node@${OWN.devDependencies["@types/node"]}`], where);
    (globalThis as any)[`peers-${end}`] = peers;
  }
  project = projects.highest;
}, 1_200_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("each project got the peers at its end of the ranges, from the registry, with no links", () => {
  for (const end of ["lowest", "highest"] as const) {
    const peers: Record<string, string> = (globalThis as any)[`peers-${end}`];
    for (const [name, version] of Object.entries(peers)) {
      const installed = JSON.parse(readFileSync(join(projects[end], "node_modules", name, "package.json"), "utf8")).version;
      expect([end, name, installed]).toEqual([end, name, version]);
    }
    const links = readdirSync(join(projects[end], "node_modules")).filter((n) => spawnSync("test", ["-L", join(projects[end], "node_modules", n)]).status === 0);
    expect([end, links]).toEqual([end, []]);
  }
});

describe.each(["lowest", "highest"] as const)("the recipe with the peers at their %s versions", (end) => {
  test("type-checks against the shipped declarations and synthesizes with `npx tsx main.ts`", () => {
    const where = projects[end];
    copyFileSync(join(ROOT, "examples/own-stack/main.ts"), join(where, "main.ts"));
    expect(typecheck("main.ts", where)).toEqual({ status: 0, output: "" });
    const json = synth("main.ts", "acme-app", where);
    expect(Object.keys(json.output).sort()).toEqual(Object.keys(STACK_OUTPUTS).filter((o) => !["user_pool_client_id", "users_table_stream_arn"].includes(o)).sort());
  });
});

test("the tarball holds the build, the CLI and the docs, and no sources, tests or node_modules", () => {
  const files: string[] = (globalThis as any).packedFiles;
  expect(files).toEqual(expect.arrayContaining(["build/lib/index.js", "build/types/lib/index.d.ts", "build/cli.js", "build/functions/post-confirmation/index.mjs", "build/functions/reconcile/index.mjs", "bin/user-sync.js", "help.package", "README.md", "package.json"]));
  // This repository's own guide names its npm scripts: not the package's.
  expect(files).not.toContain("help");
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
  copyFileSync(join(ROOT, "examples/own-stack/main.ts"), join(project, "main.ts"));
  const json = synth("main.ts", "acme-app");
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
  expect(json.output).toMatchObject({ users_table_name: { value: "acme-app-prod" }, function_name: { value: expect.stringContaining("aws_lambda_function") }, region: { value: "eu-west-1" } });
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
  const json = synth("fan-out.ts", "fan-out");
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

describe("the packaged user-sync command, in the team's project, without credentials", () => {
  /** No credentials anywhere the SDK looks, as on a new laptop. */
  const bare = () => {
    // npm's own update notice is npm talking, not the package: off.
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: mkdtempSync(join(tmpdir(), "home-")), AWS_EC2_METADATA_DISABLED: "true", NPM_CONFIG_UPDATE_NOTIFIER: "false" };
    return env;
  };
  const run = (args: string[]) => {
    const res = spawnSync("npx", ["user-sync", ...args], { cwd: project, encoding: "utf8", env: bare() });
    return { status: res.status, stdout: res.stdout, stderr: res.stderr, all: `${res.stdout}${res.stderr}` };
  };
  const packagedCommands = () => [...run(["--help"]).stdout.matchAll(/^ {2}(\w[\w-]*) /gm)].map((m) => m[1]);
  /** Every `npx user-sync <command>` a message names is a command of the package; no npm script of this repository is named. */
  const namesOnlyWhatExists = (text: string) => {
    const commands = packagedCommands();
    for (const [, named] of text.matchAll(/npx user-sync ([\w-]+)/g)) expect([named, commands.includes(named)]).toEqual([named, true]);
    expect(text).not.toMatch(/npm run |user-sync deploy|user-sync synth|user-sync plan/);
  };
  const writeOutputs = () =>
    writeFileSync(join(project, "user-sync.outputs.json"), JSON.stringify({ "acme-app": { region: "eu-west-1", user_pool_id: "eu-west-1_AbC123xyz", users_table_name: "acme-app-prod", function_name: "acme-prod-post-confirmation" } }));

  test("--help lists the package's commands only", () => {
    const help = run(["--help"]);
    expect(help.status).toBe(0);
    expect(packagedCommands().sort()).toEqual(["attach", "detach", "help", "reconcile", "restore"]);
    namesOnlyWhatExists(help.all);
  });

  test("help is the package's guide: the construct, the outputs, the commands, how to run main.ts", () => {
    const help = run(["help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("UserSyncOutputs");
    expect(help.stdout).toContain("npx cdktf deploy --outputs-file user-sync.outputs.json");
    expect(help.stdout).toContain("npx tsx main.ts");
    for (const command of ["reconcile", "restore", "attach", "detach"]) expect(help.stdout).toContain(`npx user-sync ${command}`);
    namesOnlyWhatExists(help.all);
  });

  test.each([["reconcile"], ["attach", "--dry-run"], ["detach", "--dry-run"]])("%s with no outputs file: names the flag and how to get the output", (...args) => {
    rmSync(join(project, "user-sync.outputs.json"), { force: true });
    const res = run(args);
    expect(res.status).toBe(2);
    expect(res.stderr.trim().split("\n")).toHaveLength(1);
    expect(res.stderr).toContain("--user-pool-id is required");
    expect(res.stderr).toContain("npx cdktf deploy --outputs-file user-sync.outputs.json");
    namesOnlyWhatExists(res.all);
  });

  test.each([["reconcile"], ["attach", "--dry-run"], ["detach", "--dry-run"], ["restore", "--file", "pruned.jsonl"]])("%s with the team's outputs: stops at the credentials, with the fix", (...args) => {
    writeOutputs();
    const res = run(args);
    expect(res.status).toBe(1);
    expect(res.stderr.trim().split("\n")).toEqual([expect.stringMatching(/no AWS credentials found .*Fix: `aws configure sso`/)]);
    namesOnlyWhatExists(res.all);
  });

  test("a typo is one line with the closest option", () => {
    const typo = run(["reconcile", "--dry-rnu"]);
    expect(typo.status).toBe(2);
    expect(typo.stderr.trim().split("\n")).toEqual([expect.stringContaining("--dry-run")]);
  });
});
