/**
 * The whole sign-up -> trigger -> row flow on loopback, with no AWS account:
 * dynalite (DynamoDB), cognito-local (user pools) and the Lambda runner
 * running the shipped bundles. This module owns the sandbox's lifecycle: it
 * builds the table, pool and functions from the stack's own specs, starts
 * each service with only what that service needs, and stops them in reverse.
 */
import type { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { mkdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { bundleFunction } from "../../lib/function/bundle";
import { loadConfig, type UserSyncConfig } from "../../lib/settings";
import { postConfirmationSpec, userPoolSpec, usersTableSpec, type FunctionSpec } from "../../lib/specs";
import { localAwsEnv, localCognitoClient, localDynamoDBClient } from "./clients";
import { startLocalCognito, type LocalCognito } from "./cognito";
import { startLocalDynamoDB, type LocalDynamoDB } from "./dynamodb";
import { startLambdaRunner, type LambdaRunner } from "./lambda-runner";
import { ensureUserPool, ensureUsersTable } from "./resources";

/** Default state folder (git-ignored). */
export const DEFAULT_STATE_DIR = resolve(__dirname, "../../.local/sandbox");

export interface SandboxOptions {
  /** @default loadConfig() */
  readonly config?: UserSyncConfig;
  /** Where DynamoDB and Cognito keep their data. @default .local/sandbox */
  readonly stateDir?: string;
  /** Start empty. @default false */
  readonly reset?: boolean;
  /** DynamoDB in memory instead of on disk. @default false */
  readonly inMemory?: boolean;
  /** 0 picks a free port. @default all 0 */
  readonly ports?: { readonly dynamodb?: number; readonly cognito?: number; readonly lambda?: number };
  /** @default "127.0.0.1" */
  readonly host?: string;
  /** Each line a function logs. @default collected only */
  readonly onFunctionLog?: (functionName: string, line: string) => void;
}

export interface Sandbox {
  readonly config: UserSyncConfig;
  readonly tableName: string;
  /** The PostConfirmation function's name. */
  readonly functionName: string;
  readonly userPoolId: string;
  readonly clientId: string;
  readonly dynamodb: LocalDynamoDB;
  readonly cognito: LocalCognito;
  readonly lambda: LambdaRunner;
  /** The `AWS_ENDPOINT_URL_*` variables (and dummy credentials) that point SDKs and the AWS CLI here. */
  readonly endpointEnv: Record<string, string>;
  cognitoClient(): CognitoIdentityProviderClient;
  dynamoClient(): DynamoDBClient;
  stop(): Promise<void>;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const config = options.config ?? loadConfig();
  const host = options.host ?? "127.0.0.1";
  const stateDir = options.stateDir ?? DEFAULT_STATE_DIR;
  if (options.reset) rmSync(stateDir, { recursive: true, force: true });
  mkdirSync(join(stateDir, "dynamodb"), { recursive: true });
  const table = usersTableSpec(config);
  const pool = userPoolSpec(config);
  const functions: FunctionSpec[] = [postConfirmationSpec(config)];
  const postConfirmation = functions[0].names.function;

  const started: Array<{ stop(): Promise<void> }> = [];
  try {
    const dynamodb = await startLocalDynamoDB({
      port: options.ports?.dynamodb ?? 0,
      host,
      path: options.inMemory ? undefined : join(stateDir, "dynamodb"),
      pausable: true,
    });
    started.push(dynamodb);

    const lambda = await startLambdaRunner({
      functions: functions.map((fn) => ({
        name: fn.names.function,
        bundleFile: bundleFunction(fn.entry, join(stateDir, "bundles", fn.entry)).file,
        environment: { ...fn.environment, AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint },
        timeoutMs: fn.timeoutSeconds * 1000,
      })),
      port: options.ports?.lambda ?? 0,
      host,
      onLog: options.onFunctionLog,
    });
    started.push(lambda);

    const cognito = await startLocalCognito({
      dataDir: join(stateDir, "cognito"),
      lambdaEndpoint: lambda.endpoint,
      postConfirmationFunction: postConfirmation,
      port: options.ports?.cognito ?? 0,
      host,
    });
    started.push(cognito);

    const dynamo = localDynamoDBClient(dynamodb.endpoint);
    const setup = localCognitoClient(cognito.endpoint);
    let ids: { userPoolId: string; clientId: string };
    try {
      await ensureUsersTable(dynamo, table);
      ids = await ensureUserPool(setup, pool);
    } finally {
      dynamo.destroy();
      setup.destroy();
    }

    return {
      config,
      tableName: table.tableName,
      functionName: postConfirmation,
      ...ids,
      dynamodb,
      cognito,
      lambda,
      endpointEnv: localAwsEnv({
        AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint,
        AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: cognito.endpoint,
        AWS_ENDPOINT_URL_LAMBDA: lambda.endpoint,
      }),
      cognitoClient: () => localCognitoClient(cognito.endpoint),
      dynamoClient: () => localDynamoDBClient(dynamodb.endpoint),
      async stop() {
        for (const s of started.reverse()) await s.stop();
      },
    };
  } catch (err) {
    for (const s of started.reverse()) await s.stop().catch(() => undefined);
    throw err;
  }
}
