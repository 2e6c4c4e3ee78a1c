/** Local stand-in for DynamoDB (dynalite), pausable so tests can take it away and bring it back. */
import { CreateTableCommand, DescribeTableCommand, type CreateTableCommandInput, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { Agent, createServer as createHttpServer, request as httpRequest } from "node:http";
import type { Server, Socket } from "node:net";
import { listen } from "./listen";

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
   * Serve through an HTTP proxy so pause() can refuse connections while the
   * data survives (dynalite drops its store when its own server closes), and
   * failOperations() can make chosen operations fail. Costs one loopback hop
   * per request. @default false
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
  /** Answers these operations (e.g. "PutItem") with a 500 InternalServerError until called again (needs `pausable`). */
  failOperations(operations: readonly string[]): void;
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

/** The message an injected fault answers with. */
export const INJECTED_FAULT = "injected fault (local DynamoDB)";

export async function startLocalDynamoDB(options: LocalDynamoDBOptions = {}): Promise<LocalDynamoDB> {
  const host = options.host ?? "127.0.0.1";
  const db = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, path: options.path });
  const dbSockets = trackSockets(db);
  const dbPort = await listen(db, options.pausable ? 0 : (options.port ?? 0), host, "DynamoDB (dynalite)");
  if (!options.pausable) {
    const notPausable = () => {
      throw new Error("start the local DynamoDB with pausable: true to pause it or inject faults");
    };
    return {
      endpoint: `http://${host}:${dbPort}`,
      port: dbPort,
      pause: async () => notPausable(),
      resume: async () => notPausable(),
      failOperations: notPausable,
      stop: () => closeServer(db, dbSockets),
    };
  }

  let failing = new Set<string>();
  const agent = new Agent({ keepAlive: true });
  const proxy = createHttpServer((req, res) => {
    const operation = String(req.headers["x-amz-target"] ?? "").split(".")[1] ?? "";
    if (failing.has(operation)) {
      req.resume();
      res.writeHead(500, { "content-type": "application/x-amz-json-1.0" });
      res.end(JSON.stringify({ __type: "com.amazonaws.dynamodb.v20120810#InternalServerError", message: INJECTED_FAULT }));
      return;
    }
    const upstream = httpRequest({ host, port: dbPort, method: req.method, path: req.url, headers: req.headers, agent }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
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
    failOperations(operations) {
      failing = new Set(operations);
    },
    async stop() {
      await closeServer(proxy, proxySockets);
      agent.destroy();
      await closeServer(db, dbSockets);
    },
  };
}

/** Creates a table unless it exists, and returns once it is ACTIVE (writes to a CREATING table fail). */
export async function createTable(client: DynamoDBClient, input: CreateTableCommandInput): Promise<void> {
  try {
    await client.send(new CreateTableCommand(input));
  } catch (err) {
    if ((err as Error).name !== "ResourceInUseException") throw err;
  }
  for (const deadline = Date.now() + 10_000; ; ) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: input.TableName }));
    if (Table?.TableStatus === "ACTIVE") return;
    if (Date.now() > deadline) throw new Error(`table ${input.TableName} is still ${Table?.TableStatus} after 10 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
