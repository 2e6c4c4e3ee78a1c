/**
 * `user-sync deploy|diff|destroy` check before they fail: credentials through
 * the SDK's default chain and STS GetCallerIdentity (a loopback stand-in for
 * STS here), one clear message and the fix, and Terraform never started
 * unless the check passed. A fake `terraform` on PATH records whether it ran.
 */
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BIN } from "../helpers/cli";

const ACCOUNT = "123456789012";
let sts: Server;
let stsEndpoint: string;
let answer: { status: number; body: string };

const xmlError = (code: string, message: string) =>
  `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>r-1</RequestId></ErrorResponse>`;
const identity = `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:iam::${ACCOUNT}:user/alice</Arn><UserId>AIDAEXAMPLE</UserId><Account>${ACCOUNT}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></GetCallerIdentityResponse>`;

beforeAll(async () => {
  sts = createServer((req, res) => {
    req.resume().on("end", () => res.writeHead(answer.status, { "content-type": "text/xml" }).end(answer.body));
  });
  await new Promise<void>((r) => sts.listen(0, "127.0.0.1", r));
  stsEndpoint = `http://127.0.0.1:${(sts.address() as { port: number }).port}`;
});
afterAll(() => new Promise((r) => sts.close(r)));

/** Runs the CLI with no credentials but what `extra` gives, and a fake terraform that records its runs. */
function run(args: string[], extra: Record<string, string> = {}): Promise<{ code: number | null; stderr: string; terraformRan: string | undefined }> {
  const bin = mkdtempSync(join(tmpdir(), "user-sync-fake-tf-"));
  const marker = join(bin, "ran");
  writeFileSync(join(bin, "terraform"), `#!/bin/sh\necho "CHECKPOINT_DISABLE=$CHECKPOINT_DISABLE $*" >> "${marker}"\nexit 1\n`);
  chmodSync(join(bin, "terraform"), 0o755);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${bin}:${process.env.PATH}`,
    AWS_CONFIG_FILE: join(bin, "no-config"),
    AWS_SHARED_CREDENTIALS_FILE: join(bin, "no-credentials"),
    AWS_EC2_METADATA_DISABLED: "true",
    USER_SYNC_STAGE: "preflight",
    ...extra,
  };
  for (const k of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "CHECKPOINT_DISABLE"]) if (!(k in extra)) delete env[k];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.stdout.resume();
    child.on("exit", (code) => resolve({ code, stderr, terraformRan: existsSync(marker) ? readFileSync(marker, "utf8") : undefined }));
  });
}

describe.each(["deploy", "diff", "destroy"])("%s", (command) => {
  test("no credentials anywhere: one clear message with the fix, exit 1, terraform never started", async () => {
    const r = await run([command]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toEqual([expect.stringContaining(`user-sync ${command}: no AWS credentials found`)]);
    expect(r.stderr).toContain("aws sso login");
    expect(r.stderr).not.toContain("[ERROR]");
    expect(r.terraformRan).toBeUndefined();
  });
});

test("credentials AWS rejects: named as such, terraform never started", async () => {
  answer = { status: 403, body: xmlError("InvalidClientTokenId", "The security token included in the request is invalid.") };
  const r = await run(["deploy"], { AWS_ACCESS_KEY_ID: "AKIAEXAMPLE", AWS_SECRET_ACCESS_KEY: "secret", AWS_ENDPOINT_URL_STS: stsEndpoint });
  expect(r.code).toBe(1);
  expect(r.stderr).toContain("AWS rejected the credentials of the default credential chain (InvalidClientTokenId");
  expect(r.terraformRan).toBeUndefined();
});

test("an expired session of a profile: says so and how to log in again", async () => {
  answer = { status: 400, body: xmlError("ExpiredToken", "The security token included in the request is expired") };
  const credentials = join(mkdtempSync(join(tmpdir(), "user-sync-profile-")), "credentials");
  writeFileSync(credentials, "[acme-dev]\naws_access_key_id = ASIAEXAMPLE\naws_secret_access_key = secret\naws_session_token = t\n");
  const r = await run(["diff"], { AWS_PROFILE: "acme-dev", AWS_SHARED_CREDENTIALS_FILE: credentials, AWS_ENDPOINT_URL_STS: stsEndpoint });
  expect(r.code).toBe(1);
  expect(r.stderr).toContain("has expired");
  expect(r.stderr).toContain("aws sso login --profile acme-dev");
  expect(r.terraformRan).toBeUndefined();
});

test("a profile that does not exist is named, with the fix", async () => {
  const r = await run(["deploy"], { AWS_PROFILE: "acme-typo" });
  expect(r.code).toBe(1);
  expect(r.stderr).toContain("profile acme-typo is not in ~/.aws/config or ~/.aws/credentials");
  expect(r.terraformRan).toBeUndefined();
});

test("valid credentials: the account, identity and region are printed, then cdktf runs terraform, with telemetry off", async () => {
  answer = { status: 200, body: identity };
  const r = await run(["diff"], { AWS_ACCESS_KEY_ID: "AKIAEXAMPLE", AWS_SECRET_ACCESS_KEY: "secret", AWS_ENDPOINT_URL_STS: stsEndpoint });
  expect(r.stderr).toContain(`diff: stage preflight (stack user-sync-preflight) in account ${ACCOUNT} as arn:aws:iam::${ACCOUNT}:user/alice, region us-east-1`);
  // Our fake terraform fails, so cdktf does; what matters is that it ran only now, with CHECKPOINT_DISABLE=1.
  expect(r.code).not.toBe(0);
  expect(r.terraformRan).toMatch(/^CHECKPOINT_DISABLE=1 /m);
}, 120_000);

test("an online plan checks the same way: rejected credentials stop it before terraform, and say --offline exists", async () => {
  answer = { status: 403, body: xmlError("InvalidClientTokenId", "The security token included in the request is invalid.") };
  const r = await run(["plan"], { AWS_ACCESS_KEY_ID: "AKIAEXAMPLE", AWS_SECRET_ACCESS_KEY: "secret", AWS_ENDPOINT_URL_STS: stsEndpoint });
  expect(r.code).toBe(1);
  expect(r.stderr).toContain("user-sync plan: AWS rejected the credentials");
  expect(r.stderr).toContain("--offline");
  expect(r.terraformRan).toBeUndefined();
});
