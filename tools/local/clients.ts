/** Clients for the local stand-ins: one place for their dummy credentials and region. */
import type { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { clientConfig, createCognitoClient, createDynamoDBClient, type ClientProfile } from "../../core/clients";

export const LOCAL_REGION = "us-east-1";
export const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" } as const;

/**
 * Loopback, but on a busy laptop a stand-in can take seconds to accept or
 * answer: the timeouts only bound a hang, they are not latency targets.
 */
const LOCAL_CLIENT: ClientProfile = { connectionTimeoutMs: 30_000, requestTimeoutMs: 60_000, maxAttempts: 3, retryMode: "standard" };

/** The environment that points SDKs and the AWS CLI at local endpoints. */
export function localAwsEnv(endpoints: Record<string, string>): Record<string, string> {
  return { ...endpoints, AWS_REGION: LOCAL_REGION, AWS_DEFAULT_REGION: LOCAL_REGION, AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey };
}

export function localDynamoDBClient(endpoint: string): DynamoDBClient {
  return createDynamoDBClient(LOCAL_CLIENT, { endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
}

export function localCognitoClient(endpoint: string): CognitoIdentityProviderClient {
  return createCognitoClient(LOCAL_CLIENT, { endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
}

export function localLambdaClient(endpoint: string): LambdaClient {
  return new LambdaClient(clientConfig(LOCAL_CLIENT, { endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }));
}
