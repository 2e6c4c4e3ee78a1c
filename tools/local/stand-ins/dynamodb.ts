/**
 * Local stand-in for DynamoDB: dynalite, listening only on a socket file
 * (which no web page can reach), behind the sandbox's guard on the advertised
 * port. The guarded front can be taken away and brought back (pause/resume:
 * connections are refused, the data survives, as dynalite drops its store when
 * its own server closes) and can fail chosen operations.
 */
import { CreateTableCommand, DescribeTableCommand, type CreateTableCommandInput, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { createServer, type Server } from "node:http";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readBody } from "../http/body";
import { allowedHosts, AWS_JSON_1_0, guarded } from "../http/guard";
import { listen } from "../http/listen";
import { forward } from "../http/proxy";

// dynalite ships no types.
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
  /** Refuses connections and drops open ones, keeping the data. */
  pause(): Promise<void>;
  /** Answers again on the same port, with the same data. */
  resume(): Promise<void>;
  /** Answers these operations (e.g. "PutItem") with a 500 InternalServerError until called again. */
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

let sockets = 0;
/** A socket file (a named pipe on Windows): reachable from this machine's processes, not from a browser. */
const socketPath = () => (process.platform === "win32" ? `\\\\.\\pipe\\user-sync-dynalite-${process.pid}-${++sockets}` : join(tmpdir(), `user-sync-dynalite-${process.pid}-${++sockets}.sock`));

export async function startLocalDynamoDB(options: LocalDynamoDBOptions = {}): Promise<LocalDynamoDB> {
  const host = options.host ?? "127.0.0.1";
  const db = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, path: options.path });
  const dbSockets = trackSockets(db);
  const upstream = { socketPath: socketPath() };
  await new Promise<void>((resolve, reject) => db.once("error", reject).listen(upstream.socketPath, () => resolve()));

  let failing = new Set<string>();
  const front = createServer(
    guarded({ hosts: allowedHosts(host), bodyTypes: AWS_JSON_1_0 }, async (req, res) => {
      const operation = String(req.headers["x-amz-target"] ?? "").split(".")[1] ?? "";
      const body = await readBody(req);
      if (!failing.has(operation)) return void (await forward(req, res, body, upstream, "DynamoDB (dynalite)"));
      res.writeHead(500, { "content-type": "application/x-amz-json-1.0" });
      res.end(JSON.stringify({ __type: "com.amazonaws.dynamodb.v20120810#InternalServerError", message: INJECTED_FAULT }));
    }),
  );
  const frontSockets = trackSockets(front);
  let port: number;
  try {
    port = await listen(front, options.port ?? 0, host, "DynamoDB (dynalite)");
  } catch (err) {
    await closeServer(db, dbSockets);
    throw err;
  }
  return {
    endpoint: `http://${host}:${port}`,
    port,
    pause: () => closeServer(front, frontSockets),
    async resume() {
      if (!front.listening) await listen(front, port, host, "DynamoDB (dynalite)");
    },
    failOperations(operations) {
      failing = new Set(operations);
    },
    async stop() {
      await closeServer(front, frontSockets);
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
  for (const deadline = Date.now() + 60_000; ; ) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: input.TableName }));
    if (Table?.TableStatus === "ACTIVE") return;
    if (Date.now() > deadline) throw new Error(`table ${input.TableName} is still ${Table?.TableStatus} after a minute`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
