/**
 * SDK clients with timeouts that really throw and one retry layer: the SDK's
 * own retry strategy (standard or adaptive) with explicit attempts. Endpoints
 * come from the standard AWS_ENDPOINT_URL_* variables unless given.
 */
import { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import { DynamoDBClient, type DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import { SFNClient } from "@aws-sdk/client-sfn";

export interface ClientProfile {
  /** Time to open a TCP connection. */
  readonly connectionTimeoutMs: number;
  /** Time one attempt may wait for its response before it fails and is retried. */
  readonly requestTimeoutMs: number;
  /** Attempts per call, the first included. */
  readonly maxAttempts: number;
  /** "adaptive" also slows the client down after throttling. */
  readonly retryMode: "standard" | "adaptive";
}

/** Inside Cognito's 5 s trigger budget: fail an attempt fast and try again. */
export const TRIGGER_CLIENT: ClientProfile = { connectionTimeoutMs: 500, requestTimeoutMs: 1_500, maxAttempts: 3, retryMode: "standard" };
/** Tools and batch work: patient, and adaptive so throttling slows the whole client. */
export const BATCH_CLIENT: ClientProfile = { connectionTimeoutMs: 3_000, requestTimeoutMs: 30_000, maxAttempts: 8, retryMode: "adaptive" };

export interface ClientOptions {
  readonly region?: string;
  /** @default AWS_ENDPOINT_URL_<SERVICE>, else the AWS endpoint */
  readonly endpoint?: string;
  /** @default the SDK's default provider chain */
  readonly credentials?: DynamoDBClientConfig["credentials"];
}

/** Client settings for a profile, for any SDK client. */
export function clientConfig(profile: ClientProfile, options: ClientOptions = {}) {
  return {
    ...options,
    maxAttempts: profile.maxAttempts,
    retryMode: profile.retryMode,
    // Without throwOnRequestTimeout a stalled request only logs a warning and waits forever.
    requestHandler: {
      connectionTimeout: profile.connectionTimeoutMs,
      requestTimeout: profile.requestTimeoutMs,
      throwOnRequestTimeout: true,
    },
  };
}

export function createDynamoDBClient(profile: ClientProfile, options: ClientOptions = {}): DynamoDBClient {
  return new DynamoDBClient(clientConfig(profile, options));
}

export function createCognitoClient(profile: ClientProfile, options: ClientOptions = {}): CognitoIdentityProviderClient {
  return new CognitoIdentityProviderClient(clientConfig(profile, options));
}

export function createSFNClient(profile: ClientProfile, options: ClientOptions = {}): SFNClient {
  return new SFNClient(clientConfig(profile, options));
}

/** Retries the SDK made for one call (throttling or transient errors). */
export function retriesOf(response: { $metadata?: { attempts?: number } }): number {
  return Math.max(0, (response.$metadata?.attempts ?? 1) - 1);
}
