/**
 * A local AppSync API for an Amplify model schema: Amplify's own transformer
 * makes the schema and the resolvers, Amplify's AppSync simulator runs them,
 * and the model tables live in the local DynamoDB behind a versioned data
 * source (versioned-dynamodb.ts). Served on loopback only, behind the
 * sandbox's guard. Callers sign with SigV4 (IAM, as a function's role does) or
 * send a user pool token (as an app user does; the simulator reads its claims
 * without checking a signature).
 */
import { AmplifyAppSyncSimulator, addDataLoader, removeDataLoader, RESOLVER_KIND } from "@aws-amplify/amplify-appsync-simulator";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { scalars } from "@aws-amplify/amplify-appsync-simulator/lib/schema/appsync-scalars";
import { transformUtils } from "@aws-amplify/amplify-appsync-simulator/lib/velocity/util/transform";
import { generateFilterExpression } from "@aws-amplify/amplify-appsync-simulator/lib/velocity/util/transform/dynamodb-filter";
import { createServer } from "node:http";
import { LOCAL_CREDENTIALS } from "../../clients";
import { allowedHosts, guarded } from "../../http/guard";
import { listen } from "../../http/listen";
import { createTable } from "../dynamodb";
import { transformAmplifyApi, type ConflictHandler, type TransformedApi } from "./amplify-transform";
import { VersionedDynamoDBDataLoader } from "./versioned-dynamodb";
import { attachRealtime, filterDeliveries, REALTIME_SUBSCRIPTION_PATH, supportSubscriptionFilters } from "./subscriptions";

const VERSIONED = "AMAZON_DYNAMODB_VERSIONED";
const REGION = "us-east-1";
const ACCOUNT = "000000000000";

export interface LocalAppSyncOptions {
  /** The app's model schema. */
  readonly schema: string;
  /** The local DynamoDB's endpoint, where the model tables are created. */
  readonly dynamodbEndpoint: string;
  /** @default "localapi" */
  readonly apiId?: string;
  /** @default AUTOMERGE (Amplify's default) */
  readonly conflictHandler?: ConflictHandler;
  /** @default 0 (a free port) */
  readonly port?: number;
  /** The API's clock (`_lastChangedAt`, Sync's `startedAt`). @default Date.now */
  readonly now?: () => number;
}

export interface LocalAppSync {
  /** The GraphQL endpoint (`…/graphql`). */
  readonly url: string;
  /** Subscriptions, in AppSync's real-time protocol (`…/graphql/realtime`). */
  readonly realtimeUrl: string;
  readonly apiId: string;
  readonly region: string;
  /** Each model's table name, by type name. */
  readonly tables: Readonly<Record<string, string>>;
  readonly deltaTable: string;
  readonly api: TransformedApi;
  stop(): Promise<void>;
}

let loaderRegistered = false;

/**
 * AppSync's $util.transform.toDynamoDBConditionExpression returns the
 * condition's values with its expression; the simulator's drops them, so any
 * condition with a value (`le`, `eq`) fails. Return the ones the expression
 * uses, as AppSync does.
 */
function keepConditionValues() {
  transformUtils.toDynamoDBConditionExpression = (condition: { toJSON(): unknown }) => {
    const result = generateFilterExpression(condition.toJSON() as any);
    const expression = result.expressions.join(" ").trim();
    // Only the values the expression uses (attributeExists makes one it does not).
    const used = new Set(expression.match(/:\w+/g));
    const expressionValues = Object.fromEntries(Object.entries(result.expressionValues ?? {}).filter(([name]) => used.has(name)));
    return JSON.stringify({ expression, expressionNames: result.expressionNames, expressionValues });
  };
}

/**
 * AppSync's AWSTimestamp is a 64-bit integer (DataStore's `_lastChangedAt` and
 * `lastSync` are epoch milliseconds); the simulator types it as a 32-bit Int.
 */
function widenTimestamp() {
  const timestamp = (value: unknown) => {
    const n = typeof value === "string" && /^-?\d+$/.test(value) ? Number(value) : value;
    if (typeof n !== "number" || !Number.isSafeInteger(n)) throw new TypeError(`AWSTimestamp cannot represent ${JSON.stringify(value)}`);
    return n;
  };
  Object.assign(scalars.AWSTimestamp, {
    serialize: timestamp,
    parseValue: timestamp,
    parseLiteral: (node: { kind: string; value: string }) => {
      if (node.kind !== "IntValue") throw new TypeError(`AWSTimestamp must be an integer, not ${node.kind}`);
      return timestamp(node.value);
    },
  });
}

export async function startLocalAppSync(options: LocalAppSyncOptions): Promise<LocalAppSync> {
  const apiId = options.apiId ?? "localapi";
  const conflictHandler = options.conflictHandler ?? "AUTOMERGE";
  const api = transformAmplifyApi({ schema: options.schema, apiId, conflictHandler });
  const dynamodb = new DynamoDBClient({ endpoint: options.dynamodbEndpoint, region: REGION, credentials: LOCAL_CREDENTIALS });
  try {
    for (const t of api.tables) await createTable(dynamodb, { TableName: t.name, KeySchema: t.keySchema, AttributeDefinitions: t.attributeDefinitions, BillingMode: "PAY_PER_REQUEST" });
  } finally {
    dynamodb.destroy();
  }
  if (!loaderRegistered) {
    // The simulator keeps one registry per process; the versioned loader is ours.
    removeDataLoader(VERSIONED as any);
    addDataLoader(VERSIONED as any, VersionedDynamoDBDataLoader as any);
    widenTimestamp();
    keepConditionValues();
    supportSubscriptionFilters();
    loaderRegistered = true;
  }

  const simulator = new AmplifyAppSyncSimulator({ port: 0, wsPort: 0 });
  const templates = new Map<string, string>();
  const templateAt = (path: string, content: string) => (templates.set(path, forSimulator(content)), path);
  const functions = api.functions.map((f) => ({
    name: f.name,
    dataSourceName: f.dataSourceName,
    requestMappingTemplateLocation: templateAt(`functions/${f.name}.req.vtl`, f.request),
    responseMappingTemplateLocation: templateAt(`functions/${f.name}.res.vtl`, f.response),
  }));
  const resolvers = api.resolvers.map((r) => ({
    kind: RESOLVER_KIND.PIPELINE as const,
    typeName: r.typeName,
    fieldName: r.fieldName,
    functions: r.functions,
    requestMappingTemplateLocation: templateAt(`resolvers/${r.typeName}.${r.fieldName}.req.vtl`, r.request),
    responseMappingTemplateLocation: templateAt(`resolvers/${r.typeName}.${r.fieldName}.res.vtl`, r.response),
  }));
  simulator.init({
    schema: { content: api.schema },
    mappingTemplates: [...templates].map(([path, content]) => ({ path, content })),
    dataSources: api.dataSources.map((d) =>
      d.type === "NONE"
        ? { name: d.name, type: "NONE" as const }
        : ({
            name: d.name,
            type: VERSIONED,
            config: {
              endpoint: options.dynamodbEndpoint,
              region: REGION,
              accessKeyId: LOCAL_CREDENTIALS.accessKeyId,
              secretAccessKey: LOCAL_CREDENTIALS.secretAccessKey,
              tableName: d.tableName!,
              deltaSyncTableName: d.versioned?.deltaSyncTableName ?? `${d.tableName}-delta`,
              deltaSyncTableTtlMinutes: d.versioned?.deltaSyncTableTtlMinutes ?? 30,
              baseTableTtlMinutes: d.versioned?.baseTableTtlMinutes ?? 43_200,
              conflictHandler,
              now: options.now,
            },
          } as any),
    ),
    functions,
    resolvers: resolvers as any,
    appSync: {
      name: apiId,
      defaultAuthenticationType: { authenticationType: "AMAZON_COGNITO_USER_POOLS", cognitoUserPoolConfig: {} } as any,
      additionalAuthenticationProviders: [{ authenticationType: "AWS_IAM" } as any],
      accountId: ACCOUNT,
      authAccessKeyId: LOCAL_CREDENTIALS.accessKeyId,
      authRoleName: "local-appsync-writer",
      unAuthRoleName: "local-unauthenticated",
    },
  });

  // The simulator's own server listens on every interface: serve its request handler on loopback instead.
  const app = (simulator as any)._server._operationServer.app;
  const host = "127.0.0.1";
  const hosts = allowedHosts(host);
  const server = createServer(guarded({ hosts, bodyTypes: ["application/json"] }, app));
  // Subscriptions: AppSync's real-time protocol (`/graphql/realtime`) on the same server, with its filters.
  filterDeliveries(simulator);
  const realtime = attachRealtime(server, simulator, hosts);
  const port = await listen(server, options.port ?? 0, host, "local AppSync");
  const tables = Object.fromEntries(api.dataSources.filter((d) => d.tableName).map((d) => [d.name.replace(/Table$/, ""), d.tableName!]));
  return {
    url: `http://${host}:${port}/graphql`,
    realtimeUrl: `ws://${host}:${port}${REALTIME_SUBSCRIPTION_PATH}`,
    apiId,
    region: REGION,
    tables,
    deltaTable: api.tables.find((t) => t.name.startsWith("AmplifyDataStore-"))?.name ?? "",
    api,
    stop: async () => {
      await realtime.stop();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

/**
 * The simulator's VTL parser reads `.or`, `.and` and `.not` after a variable
 * as operators, where AppSync reads map keys (`$ctx.stash.authFilter.or`, in
 * Amplify's sync and list templates): spell those as `.get("or")`, which VTL
 * defines as the same thing.
 */
export const forSimulator = (template: string): string => template.replace(/(\$[\w.{}]*?)\.(or|and|not)(?=[\s)\]},])/g, (_, head: string, key: string) => `${head}.get("${key}")`);
