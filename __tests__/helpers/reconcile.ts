/**
 * What the reconcile tests share: dynalite (started once per file), fresh
 * tables, users as ListUsers returns them, and a paging, throttling Cognito
 * stand-in reached by a real SDK client.
 */
import type { UserType } from "@aws-sdk/client-cognito-identity-provider";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { BATCH_CLIENT, createCognitoClient, type ClientProfile } from "../../core/clients";
import { DEFAULT_ATTRIBUTE_MAP } from "../../core/row-fields";
import type { ReconcileOptions } from "../../core/reconcile/engine";
import type { BackupEntry } from "../../core/reconcile/orphans";
import { LOCAL_CREDENTIALS, localDynamoDBClient } from "../../tools/local/clients";
import { createTable, startLocalDynamoDB, type LocalDynamoDB } from "../../tools/local/stand-ins/dynamodb";
import { startPagedCognito, type PagedCognito, type PagedCognitoOptions } from "../../tools/local/stand-ins/paged-cognito";

export const POOL = "us-east-1_Mock123";

export const user = (i: number, status: string = "CONFIRMED"): UserType => ({
  Username: `user-${i}`,
  UserStatus: status as UserType["UserStatus"],
  Enabled: true,
  Attributes: [
    { Name: "sub", Value: `sub-${String(i).padStart(5, "0")}` },
    { Name: "email", Value: `u${i}@example.com` },
    { Name: "email_verified", Value: "true" },
  ],
});

/** A prune backup that keeps entries in memory. */
export function memoryBackup() {
  const entries: BackupEntry[] = [];
  return { location: "memory", entries, write: async (entry: BackupEntry) => void entries.push(entry) };
}

/** dynalite for one test file (its beforeAll/afterAll), and the Cognito stand-ins to stop with it. */
export function dynaliteFixture() {
  let db: LocalDynamoDB;
  let dynamo: DynamoDBClient;
  const servers: PagedCognito[] = [];
  beforeAll(async () => {
    db = await startLocalDynamoDB();
    dynamo = localDynamoDBClient(db.endpoint);
  });
  afterAll(async () => {
    dynamo.destroy();
    await Promise.all(servers.map((s) => s.stop()));
    await db.stop();
  });
  return {
    get dynamo() {
      return dynamo;
    },
    async pagedCognito(options: PagedCognitoOptions): Promise<PagedCognito> {
      const server = await startPagedCognito(options);
      servers.push(server);
      return server;
    },
  };
}

/** dynalite, fresh tables, and the paged Cognito behind a real client, as the reconcile tests use them. */
export function reconcileFixture(prefix: string) {
  const base = dynaliteFixture();
  let tableCount = 0;
  const dynamo = () => base.dynamo;
  return {
    get dynamo() {
      return base.dynamo;
    },
    /** A paginating, optionally throttling Cognito, and a real client for it. */
    async mockCognito(users: UserType[], options: Omit<PagedCognitoOptions, "users"> = {}, profile: ClientProfile = BATCH_CLIENT) {
      const server = await base.pagedCognito({ users: () => users, ...options });
      const client = createCognitoClient(profile, { endpoint: server.endpoint, region: "us-east-1", credentials: LOCAL_CREDENTIALS });
      return { client, calls: server.calls };
    },
    async freshTable(): Promise<string> {
      const name = `${prefix}-${++tableCount}`;
      await createTable(dynamo(), {
        TableName: name,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
      });
      return name;
    },
    options(table: string, cognito: ReconcileOptions["cognito"], extra: Partial<ReconcileOptions> = {}): ReconcileOptions {
      return { cognito, dynamodb: dynamo(), userPoolId: POOL, tableName: table, attributeMap: DEFAULT_ATTRIBUTE_MAP, sleep: async () => undefined, ...extra };
    },
  };
}
