/** Local stand-in for DynamoDB (dynalite) and the Users table as the stack defines it. */
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, type CreateTableCommandInput } from "@aws-sdk/client-dynamodb";
import { connect, createServer, type Server, type Socket } from "node:net";
import { USERS_TABLE_KEY } from "../../lib/config";
import { listen } from "./ports";

// dynalite ships no types.
const dynalite: (options: Record<string, unknown>) => Server = require("dynalite");

export interface LocalDynamoDBOptions {
  /** @default 0 (a free port) */
  readonly port?: number;
  /** @default "127.0.0.1" */
  readonly host?: string;
  /** Directory for on-disk state. @default in memory */
  readonly path?: string;
  /**
   * Serve through a TCP proxy so pause() can refuse connections while the
   * data survives (dynalite drops its store when its own server closes).
   * Costs one loopback hop per request. @default false
   */
  readonly pausable?: boolean;
}

export interface LocalDynamoDB {
  /** Value for AWS_ENDPOINT_URL_DYNAMODB. */
  readonly endpoint: string;
  readonly port: number;
  /** Refuses connections and drops open ones, keeping the data (needs `pausable`). */
  pause(): Promise<void>;
  /** Answers again on the same port, with the same data. */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

function trackSockets(server: Server): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  return sockets;
}

function closeServer(server: Server, sockets: Set<Socket>): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    for (const s of sockets) s.destroy();
  });
}

export async function startLocalDynamoDB(options: LocalDynamoDBOptions = {}): Promise<LocalDynamoDB> {
  const host = options.host ?? "127.0.0.1";
  const db = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, path: options.path });
  const dbSockets = trackSockets(db);
  const dbPort = await listen(db, options.pausable ? 0 : (options.port ?? 0), host, "DynamoDB (dynalite)");
  if (!options.pausable) {
    const notPausable = () => Promise.reject(new Error("start the local DynamoDB with pausable: true to pause it"));
    return {
      endpoint: `http://${host}:${dbPort}`,
      port: dbPort,
      pause: notPausable,
      resume: notPausable,
      stop: () => closeServer(db, dbSockets),
    };
  }

  const proxy = createServer((client) => {
    const upstream = connect(dbPort, host);
    client.pipe(upstream).pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
  });
  const proxySockets = trackSockets(proxy);
  const port = await listen(proxy, options.port ?? 0, host, "DynamoDB (dynalite)").catch(async (err) => {
    await closeServer(db, dbSockets);
    throw err;
  });
  return {
    endpoint: `http://${host}:${port}`,
    port,
    pause: () => closeServer(proxy, proxySockets),
    async resume() {
      if (!proxy.listening) await listen(proxy, port, host, "DynamoDB (dynalite)");
    },
    async stop() {
      await closeServer(proxy, proxySockets);
      await closeServer(db, dbSockets);
    },
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

/** Creates the table if needed and returns once it is ACTIVE (writes to a CREATING table fail). */
export async function createUsersTable(client: DynamoDBClient, tableName: string, options: { emailIndexName?: string } = {}): Promise<void> {
  try {
    await client.send(new CreateTableCommand(usersTableInput(tableName, options)));
  } catch (err) {
    if ((err as Error).name !== "ResourceInUseException") throw err;
  }
  for (const deadline = Date.now() + 10_000; ; ) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === "ACTIVE") return;
    if (Date.now() > deadline) throw new Error(`table ${tableName} is still ${Table?.TableStatus} after 10 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A client for a local endpoint with dummy credentials. */
export function localDynamoDBClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: "us-east-1", credentials: { accessKeyId: "local", secretAccessKey: "local" } });
}
