/**
 * The whole sign-up -> trigger -> row flow on loopback, with no AWS account:
 * dynalite (DynamoDB), cognito-local (user pools) and the Lambda runner
 * running the shipped bundle with the environment the stack gives it. Table,
 * pool, client, names and attribute mapping come from the same config module
 * as the stack.
 */
import {
  CognitoIdentityProviderClient,
  CreateGroupCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  ListUserPoolClientsCommand,
  ListUserPoolsCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { mkdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { bundlePostConfirmation } from "../../functions/bundle";
import {
  customAttributeNames,
  functionEnvironment,
  loadConfig,
  PASSWORD_POLICY,
  resourceNames,
  type UserSyncConfig,
} from "../../lib/config";
import { startLocalCognito, type LocalCognito } from "./cognito";
import { createUsersTable, localDynamoDBClient, startLocalDynamoDB, type LocalDynamoDB } from "./dynamodb";
import { startLambdaRunner, type LambdaRunner } from "./lambda-runner";

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
  /** Each line the function logs. @default collected only */
  readonly onFunctionLog?: (line: string) => void;
}

export interface Sandbox {
  readonly config: UserSyncConfig;
  readonly tableName: string;
  readonly functionName: string;
  readonly userPoolId: string;
  readonly clientId: string;
  readonly dynamodb: LocalDynamoDB;
  readonly cognito: LocalCognito;
  readonly lambda: LambdaRunner;
  /** The `AWS_ENDPOINT_URL_*` variables that point SDKs and the AWS CLI here. */
  readonly endpointEnv: Record<string, string>;
  cognitoClient(): CognitoIdentityProviderClient;
  dynamoClient(): DynamoDBClient;
  stop(): Promise<void>;
}

const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };

export function localCognitoClient(endpoint: string): CognitoIdentityProviderClient {
  return new CognitoIdentityProviderClient({ endpoint, region: "us-east-1", credentials: LOCAL_CREDENTIALS });
}

/** Creates the pool, client and Admin group as the stack does, or finds them from a previous run. */
async function ensureUserPool(client: CognitoIdentityProviderClient, config: UserSyncConfig): Promise<{ userPoolId: string; clientId: string }> {
  const names = resourceNames(config);
  const pools = await client.send(new ListUserPoolsCommand({ MaxResults: 60 }));
  let userPoolId = pools.UserPools?.find((p) => p.Name === names.userPool)?.Id;
  if (!userPoolId) {
    const created = await client.send(
      new CreateUserPoolCommand({
        PoolName: names.userPool,
        UsernameAttributes: ["email"],
        AutoVerifiedAttributes: ["email"],
        UsernameConfiguration: { CaseSensitive: false },
        Policies: {
          PasswordPolicy: {
            MinimumLength: PASSWORD_POLICY.minimumLength,
            RequireLowercase: PASSWORD_POLICY.requireLowercase,
            RequireUppercase: PASSWORD_POLICY.requireUppercase,
            RequireNumbers: PASSWORD_POLICY.requireNumbers,
            RequireSymbols: PASSWORD_POLICY.requireSymbols,
            TemporaryPasswordValidityDays: PASSWORD_POLICY.temporaryPasswordValidityDays,
          },
        },
        AccountRecoverySetting: { RecoveryMechanisms: [{ Name: "verified_email", Priority: 1 }] },
        Schema: customAttributeNames(config.attributeMap).map((Name) => ({ Name, AttributeDataType: "String", Mutable: true })),
      }),
    );
    userPoolId = created.UserPool!.Id!;
    await client.send(new CreateGroupCommand({ UserPoolId: userPoolId, GroupName: names.adminGroup, Description: "Administrators" }));
  }
  const clients = await client.send(new ListUserPoolClientsCommand({ UserPoolId: userPoolId, MaxResults: 60 }));
  let clientId = clients.UserPoolClients?.find((c) => c.ClientName === names.userPoolClient)?.ClientId;
  if (!clientId) {
    const created = await client.send(
      new CreateUserPoolClientCommand({
        UserPoolId: userPoolId,
        ClientName: names.userPoolClient,
        GenerateSecret: false,
        ExplicitAuthFlows: ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        PreventUserExistenceErrors: "ENABLED",
      }),
    );
    clientId = created.UserPoolClient!.ClientId!;
  }
  return { userPoolId, clientId };
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const config = options.config ?? loadConfig();
  const names = resourceNames(config);
  const host = options.host ?? "127.0.0.1";
  const stateDir = options.stateDir ?? DEFAULT_STATE_DIR;
  if (options.reset) rmSync(stateDir, { recursive: true, force: true });
  mkdirSync(join(stateDir, "dynamodb"), { recursive: true });

  const started: Array<{ stop(): Promise<void> }> = [];
  try {
    const dynamodb = await startLocalDynamoDB({
      port: options.ports?.dynamodb ?? 0,
      host,
      path: options.inMemory ? undefined : join(stateDir, "dynamodb"),
      pausable: true,
    });
    started.push(dynamodb);
    const bundle = bundlePostConfirmation(join(stateDir, "bundle"));
    const lambda = await startLambdaRunner({
      bundleFile: bundle.file,
      functionName: names.function,
      environment: functionEnvironment(config, names.usersTable),
      extraEnvironment: { AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint },
      port: options.ports?.lambda ?? 0,
      host,
      onLog: options.onFunctionLog,
    });
    started.push(lambda);
    const cognito = await startLocalCognito({
      dataDir: join(stateDir, "cognito"),
      lambdaEndpoint: lambda.endpoint,
      postConfirmationFunction: names.function,
      port: options.ports?.cognito ?? 0,
      host,
    });
    started.push(cognito);

    const dynamo = localDynamoDBClient(dynamodb.endpoint);
    await createUsersTable(dynamo, names.usersTable, { emailIndexName: config.emailIndex ? names.emailIndex : undefined });
    dynamo.destroy();
    const setup = localCognitoClient(cognito.endpoint);
    const { userPoolId, clientId } = await ensureUserPool(setup, config);
    setup.destroy();

    return {
      config,
      tableName: names.usersTable,
      functionName: names.function,
      userPoolId,
      clientId,
      dynamodb,
      cognito,
      lambda,
      endpointEnv: {
        AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint,
        AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: cognito.endpoint,
        AWS_ENDPOINT_URL_LAMBDA: lambda.endpoint,
        AWS_REGION: "us-east-1",
        AWS_ACCESS_KEY_ID: "local",
        AWS_SECRET_ACCESS_KEY: "local",
      },
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
