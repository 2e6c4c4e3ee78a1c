/**
 * The one forwarding proxy of the sandbox: a request, already read and
 * guarded, passed to a service on a loopback port, and its answer passed
 * back (the event tap also reads it). Used by the event tap in front of
 * Cognito and by the Lambda runner in front of each function's process.
 */
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import { readBody } from "./body";

export interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** Where a service listens: a loopback port, or a socket file no web page can reach. */
export type Upstream = { readonly port: number } | { readonly socketPath: string };

/** Sends the request on (Host rewritten to the upstream's) and returns the whole answer. */
export function exchange(req: IncomingMessage, body: Buffer, upstream: Upstream): Promise<Answer> {
  const to = "port" in upstream ? { host: "127.0.0.1", port: upstream.port } : { socketPath: upstream.socketPath };
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest({ ...to, method: req.method, path: req.url, headers: { ...req.headers, host: "port" in upstream ? `127.0.0.1:${upstream.port}` : "localhost" } }, async (answer) =>
      resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body: await readBody(answer) }),
    );
    outgoing.on("error", reject).end(body);
  });
}

/** Forwards and writes the answer to the client; a service that cannot be reached is a 502 naming it. */
export async function forward(req: IncomingMessage, res: ServerResponse, body: Buffer, upstream: Upstream, service: string): Promise<Answer | undefined> {
  try {
    const answer = await exchange(req, body, upstream);
    res.writeHead(answer.status, answer.headers).end(answer.body);
    return answer;
  } catch (err) {
    if (!res.headersSent) res.writeHead(502, { "content-type": "application/json" });
    res.end(JSON.stringify({ message: `${service} unreachable: ${(err as Error).message}` }));
    return undefined;
  }
}
