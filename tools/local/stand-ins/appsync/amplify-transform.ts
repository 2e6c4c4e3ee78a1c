/**
 * Amplify's own GraphQL transformer, run on a model schema, turned into what
 * the local AppSync serves: the transformed schema, every pipeline resolver
 * and function with its mapping templates (the VTL Amplify generates, not a
 * copy), and the data sources with their versioning settings. The transformer
 * builds CDK constructs; their CloudFormation is read back and its few
 * intrinsics (Ref, Fn::GetAtt, Fn::Join) resolved to local names.
 */
import { App, NestedStack, Stack } from "aws-cdk-lib";
import type { Construct } from "constructs";
import { executeTransform } from "@aws-amplify/graphql-transformer";
import { constructDataSourceStrategies, DDB_DEFAULT_DATASOURCE_STRATEGY } from "@aws-amplify/graphql-transformer-core";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export type ConflictHandler = "AUTOMERGE" | "OPTIMISTIC_CONCURRENCY";

export interface AmplifyTransformOptions {
  /** The app's model schema (`type User @model @auth(...)`). */
  readonly schema: string;
  /** The API id the templates name (Amplify puts it in table names). */
  readonly apiId: string;
  /** DataStore conflict detection for the whole project, as `amplify update api` sets it. @default AUTOMERGE */
  readonly conflictHandler?: ConflictHandler | "NONE";
  /** Amplify's environment name (table names end with it). @default "local" */
  readonly environment?: string;
}

export interface TransformedTable {
  readonly name: string;
  readonly keySchema: Array<{ AttributeName: string; KeyType: "HASH" | "RANGE" }>;
  readonly attributeDefinitions: Array<{ AttributeName: string; AttributeType: "S" | "N" | "B" }>;
}

export interface TransformedDataSource {
  readonly name: string;
  readonly type: "AMAZON_DYNAMODB" | "NONE";
  readonly tableName?: string;
  /** AppSync's versioning of a DynamoDB data source (conflict detection and Sync). */
  readonly versioned?: { readonly deltaSyncTableName: string; readonly deltaSyncTableTtlMinutes: number; readonly baseTableTtlMinutes: number };
}

export interface TransformedFunction {
  readonly name: string;
  readonly dataSourceName: string;
  readonly request: string;
  readonly response: string;
  readonly conflictHandler?: string;
}

export interface TransformedResolver {
  readonly typeName: string;
  readonly fieldName: string;
  readonly request: string;
  readonly response: string;
  readonly functions: string[];
}

export interface TransformedApi {
  readonly schema: string;
  readonly tables: TransformedTable[];
  readonly dataSources: TransformedDataSource[];
  readonly functions: TransformedFunction[];
  readonly resolvers: TransformedResolver[];
}

type Resources = Record<string, { Type: string; Properties: Record<string, any> }>;

/** Runs the transformer (Amplify Gen 1 / CLI settings: user pools by default, IAM for backends) and reads back its output. */
export function transformAmplifyApi(options: AmplifyTransformOptions): TransformedApi {
  const environment = options.environment ?? "local";
  const assets = new Map<string, string>();
  const outdir = mkdtempSync(join(tmpdir(), "user-sync-amplify-"));
  try {
    const app = new App({ outdir });
    const stack = new Stack(app, "api");
    const handler = options.conflictHandler ?? "AUTOMERGE";
    executeTransform({
      schema: options.schema,
      scope: stack,
      nestedStackProvider: { provide: (scope: Construct, name: string) => new NestedStack(scope, name) },
      assetProvider: {
        provide: (_scope: Construct, _name: string, props: { fileName: string; fileContent: string }) => {
          const url = `s3://local-assets/${props.fileName}`;
          assets.set(url, props.fileContent);
          return { assetHash: props.fileName, httpUrl: url, s3BucketName: "local-assets", s3ObjectKey: props.fileName, s3ObjectUrl: url };
        },
      },
      synthParameters: { amplifyEnvironmentName: environment, apiName: "local", userPoolId: "local", enableIamAccess: true, provisionHotswapFriendlyResources: false } as any,
      authConfig: {
        defaultAuthentication: { authenticationType: "AMAZON_COGNITO_USER_POOLS", userPoolConfig: { userPoolId: "local" } },
        additionalAuthenticationProviders: [{ authenticationType: "AWS_IAM" }],
      },
      resolverConfig: handler === "NONE" ? undefined : { project: { ConflictDetection: "VERSION", ConflictHandler: handler } },
      transformersFactoryArgs: {},
      transformParameters: {} as any,
      dataSourceStrategies: constructDataSourceStrategies(options.schema, DDB_DEFAULT_DATASOURCE_STRATEGY),
      rdsLayerMapping: {},
      rdsSnsTopicMapping: {},
      // The transformer's advice on the schema (e.g. owner reassignment) is for the app's authors, not for the tests.
      printTransformerLog: () => undefined,
    } as any);
    const assembly = app.synth();
    const resources: Resources = {};
    for (const file of readdirSync(assembly.directory).filter((f) => f.endsWith(".template.json"))) {
      Object.assign(resources, JSON.parse(readFileSync(join(assembly.directory, file), "utf8")).Resources ?? {});
    }
    return readBack(resources, assets, options.apiId, environment);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

function readBack(resources: Resources, assets: Map<string, string>, apiId: string, environment: string): TransformedApi {
  const of = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  const tableNames = new Map(of("AWS::DynamoDB::Table").map(([id]) => [id, tableNameOf(id, apiId, environment)]));
  const dataSourceNames = new Map(of("AWS::AppSync::DataSource").map(([id, r]) => [id, r.Properties.Name as string]));
  const functionNames = new Map(of("AWS::AppSync::FunctionConfiguration").map(([id, r]) => [id, r.Properties.Name as string]));

  // The few intrinsics these templates use, resolved to local names.
  const resolve = (value: any): any => {
    if (typeof value === "string" || typeof value === "number") return value;
    if (Array.isArray(value)) return value.map(resolve);
    if (value?.["Fn::Join"]) {
      const [separator, parts] = value["Fn::Join"];
      return parts.map(resolve).join(separator);
    }
    if (value?.Ref) {
      const ref: string = value.Ref;
      if (tableNames.has(ref)) return tableNames.get(ref);
      if (/ApiId$/.test(ref)) return apiId;
      if (/NONEDS.*Name$/.test(ref)) return "NONE_DS";
      if (ref === "env" || /AmplifyEnv/i.test(ref)) return environment;
      throw new Error(`the Amplify transform referenced ${ref}, which the local AppSync does not know`);
    }
    if (value?.["Fn::GetAtt"]) {
      const [id, attribute] = value["Fn::GetAtt"];
      if (attribute === "ApiId") return apiId;
      if (attribute === "Name" && dataSourceNames.has(id)) return dataSourceNames.get(id);
      if (attribute === "FunctionId" && functionNames.has(id)) return functionNames.get(id);
      throw new Error(`the Amplify transform used Fn::GetAtt ${id}.${attribute}, which the local AppSync does not know`);
    }
    throw new Error(`the Amplify transform used ${JSON.stringify(value).slice(0, 80)}, which the local AppSync does not resolve`);
  };
  const template = (inline: unknown, location: unknown, what: string): string => {
    if (inline !== undefined) return resolve(inline);
    const content = assets.get(String(location));
    if (content === undefined) throw new Error(`no mapping template at ${String(location)} for ${what}`);
    return content;
  };

  const tables = of("AWS::DynamoDB::Table").map(([id, r]) => ({ name: tableNames.get(id)!, keySchema: r.Properties.KeySchema, attributeDefinitions: r.Properties.AttributeDefinitions }));
  const dataSources = of("AWS::AppSync::DataSource").map(([, r]): TransformedDataSource => {
    const p = r.Properties;
    if (p.Type !== "AMAZON_DYNAMODB") return { name: p.Name, type: "NONE" };
    const ddb = p.DynamoDBConfig;
    const delta = ddb.DeltaSyncConfig;
    return {
      name: p.Name,
      type: "AMAZON_DYNAMODB",
      tableName: resolve(ddb.TableName),
      versioned: ddb.Versioned ? { deltaSyncTableName: resolve(delta.DeltaSyncTableName), deltaSyncTableTtlMinutes: Number(delta.DeltaSyncTableTTL), baseTableTtlMinutes: Number(delta.BaseTableTTL) } : undefined,
    };
  });
  const functions = of("AWS::AppSync::FunctionConfiguration").map(([, r]): TransformedFunction => {
    const p = r.Properties;
    return {
      name: p.Name,
      dataSourceName: resolve(p.DataSourceName),
      request: template(p.RequestMappingTemplate, p.RequestMappingTemplateS3Location, `${p.Name} (request)`),
      response: template(p.ResponseMappingTemplate, p.ResponseMappingTemplateS3Location, `${p.Name} (response)`),
      conflictHandler: p.SyncConfig?.ConflictHandler,
    };
  });
  const resolvers = of("AWS::AppSync::Resolver").map(([, r]): TransformedResolver => {
    const p = r.Properties;
    const what = `${p.TypeName}.${p.FieldName}`;
    if (p.Kind !== "PIPELINE") throw new Error(`${what} is a ${p.Kind} resolver; the local AppSync runs Amplify's pipeline resolvers only`);
    return {
      typeName: p.TypeName,
      fieldName: p.FieldName,
      request: template(p.RequestMappingTemplate, p.RequestMappingTemplateS3Location, `${what} (request)`),
      response: template(p.ResponseMappingTemplate, p.ResponseMappingTemplateS3Location, `${what} (response)`),
      functions: p.PipelineConfig.Functions.map(resolve),
    };
  });
  const schema = assets.get("s3://local-assets/schema.graphql");
  if (!schema) throw new Error("the Amplify transform produced no schema");
  return { schema, tables, dataSources, functions, resolvers };
}

/** Amplify names a model's table `<Model>-<apiId>-<env>` and the DataStore delta table `AmplifyDataStore-<apiId>-<env>`. */
function tableNameOf(logicalId: string, apiId: string, environment: string): string {
  if (/^DataStore/.test(logicalId)) return `AmplifyDataStore-${apiId}-${environment}`;
  const model = /^(\w+?)Table[0-9A-F]{8}$/.exec(logicalId)?.[1];
  if (!model) throw new Error(`the Amplify transform made a table ${logicalId} the local AppSync cannot name`);
  return `${model}-${apiId}-${environment}`;
}
