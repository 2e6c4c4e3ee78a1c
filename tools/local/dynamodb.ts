/** Local stand-in for DynamoDB (dynalite) and the Users table as the stack defines it. */
import { CreateTableCommand, DynamoDBClient, type CreateTableCommandInput } from "@aws-sdk/client-dynamodb";
import type { Server, Socket } from "node:net";
import { USERS_TABLE_KEY } from "../../lib/config";
import { listen } from "./ports";

// dynalite ships no types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite: (options: Record<string, unknown>) => Server = require("dynalite");

export interface LocalDynamoDBOptions {
  /** @default 0 (a free port) */
  readonly port?: number;
  /** @default "127.0.0.1" */
  readonly host?: string;
  /** Directory for on-disk state. @default in memory */
  readonly path?: string;
}

export interface LocalDynamoDB {
  /** Value for AWS_ENDPOINT_URL_DYNAMODB. */
  readonly endpoint: string;
  readonly port: number;
  /** Stops answering (drops open connections) but keeps the data. */
  pause(): Promise<void>;
  /** Answers again on the same port, with the same data. */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

export async function startLocalDynamoDB(options: LocalDynamoDBOptions = {}): Promise<LocalDynamoDB> {
  const host = options.host ?? "127.0.0.1";
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, path: options.path });
  const sockets = new Set<Socket>();
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  const port = await listen(server, options.port ?? 0, host, "DynamoDB (dynalite)");
  let listening = true;
  const close = () =>
    new Promise<void>((resolve) => {
      if (!listening) return resolve();
      listening = false;
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    });
  return {
    endpoint: `http://${host}:${port}`,
    port,
    pause: close,
    async resume() {
      if (listening) return;
      await listen(server, port, host, "DynamoDB (dynalite)");
      listening = true;
    },
    stop: close,
  };
}

/** CreateTable input for the Users table: the same key and index as the stack's table. */
export function usersTableInput(tableName: string, options: { emailIndexName?: string } = {}): CreateTableCommandInput {
  const input: CreateTableCommandInput = {
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [{ AttributeName: USERS_TABLE_KEY, AttributeType: "S" }],
    KeySchema: [{ AttributeName: USERS_TABLE_KEY, KeyType: "HASH" }],
  };
  if (options.emailIndexName) {
    input.AttributeDefinitions!.push({ AttributeName: "email", AttributeType: "S" });
    input.GlobalSecondaryIndexes = [
      { IndexName: options.emailIndexName, KeySchema: [{ AttributeName: "email", KeyType: "HASH" }], Projection: { ProjectionType: "KEYS_ONLY" } },
    ];
  }
  return input;
}

export async function createUsersTable(client: DynamoDBClient, tableName: string, options: { emailIndexName?: string } = {}): Promise<void> {
  try {
    await client.send(new CreateTableCommand(usersTableInput(tableName, options)));
  } catch (err) {
    if ((err as Error).name !== "ResourceInUseException") throw err;
  }
}

/** A client for a local endpoint with dummy credentials. */
export function localDynamoDBClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: "us-east-1", credentials: { accessKeyId: "local", secretAccessKey: "local" } });
}
