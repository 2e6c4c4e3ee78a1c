/**
 * Before anything talks to AWS for real: credentials found the way every AWS
 * SDK finds them (environment, profiles, SSO, web identity, containers, EC2),
 * checked with STS GetCallerIdentity, and the target printed. One clear
 * message and the fix when it fails, instead of a wall of Terraform errors.
 */
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { clientConfig, type ClientProfile } from "../../core/clients";

export interface AwsTarget {
  readonly account: string;
  readonly arn: string;
  readonly region: string;
}

/** The deploy cannot start; the message says why and what to do. */
export class PreflightError extends Error {
  name = "PreflightError";
}

const PROFILE: ClientProfile = { connectionTimeoutMs: 3_000, requestTimeoutMs: 10_000, maxAttempts: 2, retryMode: "standard" };

/** Whether a named profile is in the shared config or credentials file (the SDK's message does not say). */
function profileExists(profile: string, env: NodeJS.ProcessEnv): boolean {
  const read = (file: string) => (existsSync(file) ? readFileSync(file, "utf8") : "");
  const escaped = profile.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const config = read(env.AWS_CONFIG_FILE ?? join(homedir(), ".aws", "config"));
  const credentials = read(env.AWS_SHARED_CREDENTIALS_FILE ?? join(homedir(), ".aws", "credentials"));
  return new RegExp(`^\\[\\s*(profile\\s+)?${escaped}\\s*\\]`, "m").test(config) || new RegExp(`^\\[\\s*${escaped}\\s*\\]`, "m").test(credentials);
}

export function explain(err: Error, region: string, profile: string | undefined, env: NodeJS.ProcessEnv): string {
  const name = err.name;
  const msg = err.message ?? "";
  const who = profile ? `profile ${profile}` : "the default credential chain";
  if (profile && name === "CredentialsProviderError" && !profileExists(profile, env)) {
    return `profile ${profile} is not in ~/.aws/config or ~/.aws/credentials (AWS_PROFILE). Fix: \`aws configure sso --profile ${profile}\`, or set AWS_PROFILE to a profile you have.`;
  }
  if (name === "CredentialsProviderError" || /Could not load credentials|credential.*not.*found|Unable to locate credentials/i.test(msg)) {
    return (
      `no AWS credentials found (${who}: environment variables, ~/.aws/config and credentials, SSO, web identity, container and instance roles). ` +
      "Fix: `aws configure sso` then `aws sso login`, or `export AWS_PROFILE=<profile>`, or set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY."
    );
  }
  if (/ExpiredToken|TokenRefreshRequired|expired|SSO.*(session|token)/i.test(`${name} ${msg}`)) {
    return `the AWS session of ${who} has expired (${name}). Fix: \`aws sso login${profile ? ` --profile ${profile}` : ""}\`, or refresh the credentials you exported.`;
  }
  if (/InvalidClientTokenId|SignatureDoesNotMatch|UnrecognizedClient|AccessDenied/.test(name)) {
    return `AWS rejected the credentials of ${who} (${name}: ${msg}). Fix: check the access key and secret, or log in again.`;
  }
  return `cannot check the AWS credentials against STS in ${region} (${name}: ${msg}). Fix: check the network and the region (the config's \`region\`).`;
}

/** Who and where: resolves credentials through the SDK's default chain and asks STS. */
export async function checkAwsTarget(region: string, env: NodeJS.ProcessEnv = process.env): Promise<AwsTarget> {
  const sts = new STSClient(clientConfig(PROFILE, { region }));
  try {
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    return { account: identity.Account!, arn: identity.Arn!, region };
  } catch (err) {
    throw new PreflightError(explain(err as Error, region, env.AWS_PROFILE, env));
  } finally {
    sts.destroy();
  }
}
