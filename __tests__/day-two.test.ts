/**
 * The day-2 commands as an operator meets them: credentials checked before
 * the first call with one line and the fix, an endpoint that never answers
 * named after a few seconds and given up within the budget, defaults from
 * user-sync.outputs.json (one stack, or --stack), and the README's tables
 * generated from the commands and the stack's outputs.
 */
import { ListUsersCommand } from "@aws-sdk/client-cognito-identity-provider";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCognitoClient } from "../core/clients";
import { CALL_BUDGET_MS, checkCredentials, SLOW_NOTICE_MS, StalledEndpointError, watched } from "../tools/aws";
import { buildProgram, main } from "../tools/cli";
import { optionsTable } from "../tools/command-helpers";
import { outputsTable, projectOutputs } from "../tools/outputs";
import { ROOT } from "./helpers/cli";

/** No credentials anywhere the SDK looks: no variables, an empty home, no instance metadata. */
const NO_CREDENTIALS = { HOME: mkdtempSync(join(tmpdir(), "no-aws-")), AWS_EC2_METADATA_DISABLED: "true", AWS_CONFIG_FILE: "/nonexistent", AWS_SHARED_CREDENTIALS_FILE: "/nonexistent" };
const AWS_VARIABLES = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI"];

async function cli(args: string[], env: Record<string, string>) {
  const out = { stdout: "", stderr: "" };
  const saved = { stdout: process.stdout.write, stderr: process.stderr.write, env: { ...process.env } };
  for (const v of AWS_VARIABLES) delete process.env[v];
  Object.assign(process.env, env);
  process.stdout.write = ((chunk: string | Uint8Array) => ((out.stdout += String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => ((out.stderr += String(chunk)), true)) as typeof process.stderr.write;
  try {
    return { code: await main(["node", "user-sync", ...args]), ...out };
  } finally {
    process.stdout.write = saved.stdout;
    process.stderr.write = saved.stderr;
    for (const key of Object.keys(process.env)) if (!(key in saved.env)) delete process.env[key];
    Object.assign(process.env, saved.env);
  }
}

describe("without credentials, every command that calls AWS stops before its first call with one line and the fix", () => {
  test.each([
    ["reconcile", ["reconcile", "--user-pool-id", "us-east-1_AbC123", "--table", "users"]],
    ["restore", ["restore", "--file", "nope.jsonl"]],
    ["attach", ["attach", "--user-pool-id", "us-east-1_AbC123", "--dry-run"]],
    ["detach", ["detach", "--user-pool-id", "us-east-1_AbC123", "--dry-run"]],
  ])("%s", async (_, args) => {
    const res = await cli(args, NO_CREDENTIALS);
    expect(res.code).toBe(1);
    const lines = res.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/no AWS credentials found .*Fix: `aws configure sso` then `aws sso login`/);
    expect(res.stderr).not.toContain("CredentialsProviderError:");
  });

  test("the check resolves credentials without calling AWS: dummy keys pass it", async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: "local", AWS_SECRET_ACCESS_KEY: "local" });
    try {
      await expect(checkCredentials("us-east-1")).resolves.toBeUndefined();
    } finally {
      process.env = saved;
    }
  });
});

describe("an endpoint that accepts connections and never answers", () => {
  const sockets: Socket[] = [];
  const blackhole = createServer((s) => void sockets.push(s));
  let endpoint: string;
  beforeAll(async () => {
    await new Promise<void>((r) => blackhole.listen(0, "127.0.0.1", () => r()));
    endpoint = `http://127.0.0.1:${(blackhole.address() as { port: number }).port}`;
  });
  afterAll(() => {
    sockets.forEach((s) => s.destroy());
    blackhole.close();
  });

  test("is named while it is awaited, and given up at the call budget with an error naming it", async () => {
    const notices: string[] = [];
    const cognito = createCognitoClient({ connectionTimeoutMs: 1_000, requestTimeoutMs: 60_000, maxAttempts: 1, retryMode: "standard" }, { endpoint, region: "us-east-1", credentials: { accessKeyId: "a", secretAccessKey: "b" } });
    // What the SDK is handed: the abort signal is the SDK's to honour, ours to fire.
    const signals: (AbortSignal | undefined)[] = [];
    type Send = (command: unknown, options?: { abortSignal?: AbortSignal }) => Promise<unknown>;
    const send = cognito.send.bind(cognito) as Send;
    (cognito as unknown as { send: Send }).send = (command, options) => (signals.push(options?.abortSignal), send(command, options));
    const client = watched(cognito, { name: "Cognito", env: "COGNITO_IDENTITY_PROVIDER", region: "us-east-1" }, (l) => notices.push(l), { slowMs: 50, budgetMs: 400 });
    const call = client.send(new ListUsersCommand({ UserPoolId: "us-east-1_AbC123" }));
    await expect(call).rejects.toThrow(StalledEndpointError);
    await expect(call).rejects.toThrow(`no answer from Cognito ListUsers at ${endpoint} within 0.4 s`);
    expect(notices).toEqual([`waiting for Cognito ListUsers at ${endpoint} (retrying for up to 0.4 s)...`]);
    // The call itself is aborted (request and retries), not left waiting 60 s on the endpoint.
    expect(signals.map((signal) => signal?.aborted)).toEqual([true]);
    client.destroy();
  });

  test("the defaults: named after 5 s, given up within a minute", () => {
    expect(SLOW_NOTICE_MS).toBe(5_000);
    expect(CALL_BUDGET_MS).toBeLessThanOrEqual(60_000);
  });
});

describe("defaults from user-sync.outputs.json", () => {
  const dir = mkdtempSync(join(tmpdir(), "outputs-"));
  const write = (content: unknown) => writeFileSync(join(dir, "user-sync.outputs.json"), JSON.stringify(content));

  test("the one stack with UserSync's outputs, or the one named; otherwise a reason naming the fix", () => {
    expect(projectOutputs(undefined, dir)).toEqual({ outputs: {}, problem: expect.stringContaining("npx cdktf deploy --outputs-file user-sync.outputs.json") });
    write({ network: { vpc_id: "vpc-1" }, app: { user_pool_id: "eu-west-1_AbC", users_table_name: "t", function_name: "f" } });
    expect(projectOutputs(undefined, dir).outputs).toEqual({ user_pool_id: "eu-west-1_AbC", users_table_name: "t", function_name: "f" });
    expect(projectOutputs("nope", dir).problem).toBe('user-sync.outputs.json has no stack "nope" (it has network, app)');
    write({ a: { user_pool_id: "x" }, b: { user_pool_id: "y" } });
    expect(projectOutputs(undefined, dir).problem).toContain("name one with --stack");
    expect(projectOutputs("b", dir).outputs).toEqual({ user_pool_id: "y" });
    write({ network: { vpc_id: "vpc-1" } });
    expect(projectOutputs(undefined, dir).problem).toContain("UserSyncOutputs");
  });
});

describe("the README's day-2 tables are generated", () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  test("reconcile's options, from the command", () => {
    expect(readme).toContain(optionsTable(buildProgram(() => undefined).commands.find((c) => c.name() === "reconcile")!));
  });
  test("the outputs, from the stack's list", () => {
    expect(readme).toContain(outputsTable());
  });
});
