/**
 * The whole sign-up -> trigger -> row flow on loopback, with no AWS account:
 * dynalite (DynamoDB), cognito-local (user pools) and the Lambda runner
 * running the shipped bundles, and Step Functions running the stack's
 * reconcile state machine. This module owns the sandbox's lifecycle: it
 * builds the table, pool and functions from the stack's own specs, starts
 * each service with only what that service needs, and stops them in reverse.
 */
import { DescribeUserPoolCommand, type CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { AddPermissionCommand } from "@aws-sdk/client-lambda";
import { mkdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { bundleFunction } from "../../lib/function/bundle";
import { loadConfig, type UserSyncConfig } from "../../lib/settings";
import { resourceNames } from "../../lib/names";
import { reconcileDefinition } from "../../lib/reconcile-definition";
import { postConfirmationSpec, reconcileWorkerSpec, userEventsSpec, userPoolSpec, usersTableSpec, type FunctionSpec } from "../../lib/specs";
import { synthesizedRulePattern, synthInMemory } from "../../lib/synth-in-memory";
import { startEventTap, type EventTap } from "./stand-ins/event-tap";
import { localAwsEnv, localCognitoClient, localDynamoDBClient, localLambdaClient } from "./clients";
import { startLocalCognito, type LocalCognito } from "./stand-ins/cognito";
import { checkPortsFree } from "./http/listen";
import { startLocalDynamoDB, type LocalDynamoDB } from "./stand-ins/dynamodb";
import { COGNITO_LOCAL_PLACE, localFunctionArn, startLambdaRunner, type LambdaRunner } from "./stand-ins/lambda-runner";
import { createScratchTableInput, ensureUserPool, ensureUsersTable } from "./resources";
import { createTable } from "./stand-ins/dynamodb";
import { startLocalStepFunctions, type LocalStepFunctions } from "./stand-ins/stepfunctions";
import { startLocalAppSync, type LocalAppSync } from "./stand-ins/appsync/local-appsync";
import type { ConflictHandler } from "./stand-ins/appsync/amplify-transform";
import { appSyncApiAddress } from "../../core/appsync-address";
import { FUNCTION_ENV } from "../../core/function-settings";

/** Default state folder (git-ignored). */
export const DEFAULT_STATE_DIR = resolve(__dirname, "../../.local/sandbox");

export interface SandboxOptions {
  /** @default loadConfig() */
  readonly config?: UserSyncConfig;
  /** Where DynamoDB and Cognito keep their data. @default .local/sandbox */
  readonly stateDir?: string;
  /** Start empty. @default false */
  readonly reset?: boolean;
  /** Where the function bundles are built (reused while their inputs are unchanged). @default <stateDir>/bundles */
  readonly bundleRoot?: string;
  /** DynamoDB in memory instead of on disk. @default false */
  readonly inMemory?: boolean;
  /** 0 picks a free port. @default all 0 */
  readonly ports?: { readonly dynamodb?: number; readonly cognito?: number; readonly lambda?: number; readonly stepfunctions?: number };
  /** @default "127.0.0.1" */
  readonly host?: string;
  /** Each line a function logs. @default collected only */
  readonly onFunctionLog?: (functionName: string, line: string) => void;
  /**
   * The app's Amplify model schema, for a config with `amplifyApi`: a local
   * AppSync runs Amplify's resolvers for it and the functions write through it.
   */
  readonly amplifySchema?: string;
  /** The local AppSync's conflict handler. @default AUTOMERGE (Amplify's default) */
  readonly amplifyConflictHandler?: ConflictHandler;
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
  readonly stepfunctions: LocalStepFunctions;
  /** The local AppSync rows are written through (config `amplifyApi`). */
  readonly appsync?: LocalAppSync;
  /** The user-events function's name (undefined when userEvents is off). */
  readonly userEventsFunctionName?: string;
  /** CloudTrail + EventBridge for the user-events function; clients' Cognito endpoint (undefined when userEvents is off). */
  readonly tap?: EventTap;
  /** The scheduled reconcile's state machine, as the stack deploys it. */
  readonly stateMachineArn: string;
  /** The `AWS_ENDPOINT_URL_*` variables (and dummy credentials) that point SDKs and the AWS CLI here. */
  readonly endpointEnv: Record<string, string>;
  cognitoClient(): CognitoIdentityProviderClient;
  dynamoClient(): DynamoDBClient;
  stop(): Promise<void>;
}

/** The stack's aws_lambda_permission: cognito-idp may invoke the function from this pool. */
export async function grantCognitoInvoke(lambdaEndpoint: string, functionName: string, poolArn: string): Promise<void> {
  const client = localLambdaClient(lambdaEndpoint);
  try {
    await client.send(
      new AddPermissionCommand({ FunctionName: functionName, StatementId: `cognito-${poolArn.split("/").pop()}`, Action: "lambda:InvokeFunction", Principal: "cognito-idp.amazonaws.com", SourceArn: poolArn }),
    );
  } finally {
    client.destroy();
  }
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const config = options.config ?? loadConfig();
  const host = options.host ?? "127.0.0.1";
  const stateDir = options.stateDir ?? DEFAULT_STATE_DIR;
  if (options.reset) rmSync(stateDir, { recursive: true, force: true });
  mkdirSync(join(stateDir, "dynamodb"), { recursive: true });
  const table = usersTableSpec(config);
  const pool = userPoolSpec(config);
  const names = resourceNames(config);
  const functions: FunctionSpec[] = [postConfirmationSpec(config)];
  const postConfirmation = functions[0].names.function;
  const local = (fn: FunctionSpec, endpoints: Record<string, string>) => ({
    name: fn.names.function,
    bundleFile: bundleFunction(fn.entry, join(options.bundleRoot ?? join(stateDir, "bundles"), fn.entry)).file,
    environment: { ...fn.environment, ...endpoints },
    timeoutMs: fn.timeoutSeconds * 1000,
  });

  // A port in use fails before any service starts, naming it.
  await checkPortsFree(
    { "DynamoDB (dynalite)": options.ports?.dynamodb, Cognito: options.ports?.cognito, "Lambda runner": options.ports?.lambda, "Step Functions": options.ports?.stepfunctions },
    host,
  );
  const started: Array<{ stop(): Promise<void> }> = [];
  try {
    const dynamodb = await startLocalDynamoDB({
      port: options.ports?.dynamodb ?? 0,
      host,
      path: options.inMemory ? undefined : join(stateDir, "dynamodb"),
    });
    started.push(dynamodb);

    // Amplify's API writer: the functions write through a local AppSync serving the app's schema.
    const appsync = config.amplifyApi ? await startAmplifyApi(config, dynamodb.endpoint, options) : undefined;
    if (appsync) started.push(appsync);
    const dataEndpoints = { AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint, ...(appsync ? { [FUNCTION_ENV.amplifyApiUrl]: appsync.url } : {}) };

    const lambda = await startLambdaRunner({
      functions: functions.map((fn) => local(fn, dataEndpoints)),
      port: options.ports?.lambda ?? 0,
      host,
      onLog: options.onFunctionLog,
    });
    started.push(lambda);

    // With user events on, clients reach Cognito through the event tap, on the Cognito port.
    const cognito = await startLocalCognito({
      dataDir: join(stateDir, "cognito"),
      lambdaEndpoint: lambda.endpoint,
      port: config.userEvents ? 0 : (options.ports?.cognito ?? 0),
      host,
    });
    started.push(cognito);

    const dynamo = localDynamoDBClient(dynamodb.endpoint);
    const setup = localCognitoClient(cognito.endpoint);
    let ids: { userPoolId: string; clientId: string };
    try {
      await ensureUsersTable(dynamo, table);
      await createTable(dynamo, createScratchTableInput(names.scratchTable));
      // The pool's trigger is its LambdaConfig, as the stack sets it.
      ids = await ensureUserPool(setup, pool, localFunctionArn(postConfirmation, COGNITO_LOCAL_PLACE));
      await grantCognitoInvoke(lambda.endpoint, postConfirmation, (await setup.send(new DescribeUserPoolCommand({ UserPoolId: ids.userPoolId }))).UserPool!.Arn!);
    } finally {
      dynamo.destroy();
      setup.destroy();
    }

    // The scheduled reconcile: the stack's state machine, its worker reading this pool.
    const worker = reconcileWorkerSpec(config, ids.userPoolId);
    const stateMachineArn = `arn:aws:states:us-east-1:000000000000:stateMachine:${names.reconcileStateMachine}`;
    const stepfunctions = await startLocalStepFunctions({
      stateMachines: [{ arn: stateMachineArn, definition: reconcileDefinition(localFunctionArn(worker.names.function)) }],
      lambdaEndpoint: lambda.endpoint,
      port: options.ports?.stepfunctions ?? 0,
      host,
    });
    started.push(stepfunctions);
    await lambda.add(
      local(worker, {
        ...dataEndpoints,
        AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: cognito.endpoint,
        AWS_ENDPOINT_URL_SFN: stepfunctions.endpoint,
      }),
    );

    // User events: the function, and the tap that plays CloudTrail + EventBridge for it.
    let tap: EventTap | undefined;
    if (config.userEvents) {
      const events = userEventsSpec(config, ids.userPoolId);
      await lambda.add(local(events, { ...dataEndpoints, AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: cognito.endpoint }));
      tap = await startEventTap({
        cognitoEndpoint: cognito.endpoint,
        lambdaEndpoint: lambda.endpoint,
        functionName: events.names.function,
        // The rule as the stack synthesizes it: a change to the construct's pattern shows here.
        pattern: synthesizedRulePattern(synthInMemory(config, options.bundleRoot ?? join(stateDir, "bundles")), names.userEventsRule),
        port: options.ports?.cognito ?? 0,
        host,
      });
      started.push(tap);
    }
    const cognitoEndpoint = tap?.endpoint ?? cognito.endpoint;

    return {
      config,
      tableName: table.tableName,
      functionName: postConfirmation,
      userEventsFunctionName: config.userEvents ? userEventsSpec(config, ids.userPoolId).names.function : undefined,
      tap,
      ...ids,
      dynamodb,
      cognito,
      lambda,
      stepfunctions,
      appsync,
      stateMachineArn,
      endpointEnv: localAwsEnv({
        AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint,
        AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: cognitoEndpoint,
        AWS_ENDPOINT_URL_LAMBDA: lambda.endpoint,
        AWS_ENDPOINT_URL_SFN: stepfunctions.endpoint,
      }),
      cognitoClient: () => localCognitoClient(cognitoEndpoint),
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

/** The local AppSync for `amplifyApi`: the app's schema, Amplify's resolvers, the model's table where table.existing says. */
async function startAmplifyApi(config: UserSyncConfig, dynamodbEndpoint: string, options: SandboxOptions): Promise<LocalAppSync> {
  if (!options.amplifySchema) {
    throw new Error("amplifyApi is set: the sandbox needs the app's model schema to play its AppSync API (--amplify-schema <schema.graphql>)");
  }
  const { apiId } = appSyncApiAddress(config.amplifyApi!, config.region);
  const appsync = await startLocalAppSync({ schema: options.amplifySchema, dynamodbEndpoint, apiId, conflictHandler: options.amplifyConflictHandler });
  const modelTable = appsync.tables[config.amplifyTypename ?? ""];
  if (modelTable !== config.table.existing) {
    await appsync.stop();
    throw new Error(
      `table.existing is ${JSON.stringify(config.table.existing)}, but the schema's ${config.amplifyTypename} model is in ${JSON.stringify(modelTable)} (Amplify's <Model>-<apiId>-<env>): set table.existing to it`,
    );
  }
  return appsync;
}
