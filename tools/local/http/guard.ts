/**
 * The sandbox needs no credentials, so no web page may use it. A page can
 * POST text/plain (or a form) to a loopback port without a CORS preflight;
 * DNS rebinding can make a page's own domain resolve to 127.0.0.1; and a
 * service that grants CORS (dynalite and cognito-local answer any origin)
 * lets a page read what it asks for. So every server of the sandbox, the ones
 * it advertises and the ones behind them, answers only when:
 *
 * - the Host is a loopback name (or the host it was told to serve);
 * - there is no Origin, or a loopback one (browsers send Origin on
 *   cross-origin requests; SDKs and the AWS CLI never do);
 * - a POST body has one of the service's JSON content types;
 *
 * and no response carries an Access-Control-Allow-* header.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";

const LOOPBACK = ["127.0.0.1", "localhost", "::1", "[::1]"];

export const isLoopback = (host: string) => LOOPBACK.includes(host) || /^127\.\d+\.\d+\.\d+$/.test(host);

/** Host names a service bound to `host` answers to. */
export function allowedHosts(host: string): ReadonlySet<string> {
  return new Set([...LOOPBACK, host]);
}

/** The Host header without its port. */
function hostName(header: string | undefined): string {
  if (!header) return "";
  if (header.startsWith("[")) return header.slice(0, header.indexOf("]") + 1);
  return header.split(":")[0];
}

/** An Origin header's host, or undefined when it is not a URL (e.g. "null" from a sandboxed page). */
function originHost(origin: string): string | undefined {
  try {
    const host = new URL(origin).hostname;
    return host.startsWith("[") ? host : host.includes(":") ? `[${host}]` : host;
  } catch {
    return undefined;
  }
}

/** What Lambda API clients send: JSON, or the SDKs' binary payload types (v3 application/, v2 binary/). */
export const INVOKE_CONTENT_TYPES = ["application/json", "application/octet-stream", "binary/octet-stream"];
/** The AWS JSON protocols: DynamoDB and Step Functions speak 1.0, Cognito 1.1. */
export const AWS_JSON_1_0 = ["application/x-amz-json-1.0"];
export const AWS_JSON_1_1 = ["application/x-amz-json-1.1"];

export interface GuardOptions {
  /** Host names served (see allowedHosts). */
  readonly hosts: ReadonlySet<string>;
  /** Content types a POST body may have. */
  readonly bodyTypes: readonly string[];
}

function refuse(res: ServerResponse, status: number, message: string): true {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify({ message }));
  return true;
}

/** Why a WebSocket upgrade must not be served (browsers open sockets cross-origin without asking): a foreign Host or Origin. */
export function upgradeRefusal(req: IncomingMessage, hosts: ReadonlySet<string>): string | undefined {
  if (!hosts.has(hostName(req.headers.host))) return `Host ${JSON.stringify(req.headers.host ?? "")} is not served here`;
  const origin = req.headers.origin;
  if (origin !== undefined && !isLoopback(originHost(origin) ?? "")) return `Origin ${JSON.stringify(origin)} is refused`;
  return undefined;
}

/** Answers and returns true when the request must not be served (403 foreign Host or Origin, 415 a body type a page can send). */
export function refuseUnsafe(req: IncomingMessage, res: ServerResponse, options: GuardOptions): boolean {
  if (!options.hosts.has(hostName(req.headers.host))) {
    return refuse(res, 403, `Host ${JSON.stringify(req.headers.host ?? "")} is not served here: the sandbox answers loopback names only`);
  }
  const origin = req.headers.origin;
  if (origin !== undefined && !isLoopback(originHost(origin) ?? "")) {
    return refuse(res, 403, `Origin ${JSON.stringify(origin)} is refused: the sandbox serves no web page`);
  }
  // A preflight asks for a CORS grant; the sandbox never gives one.
  if (req.method === "OPTIONS") return refuse(res, 403, "the sandbox grants no cross-origin access");
  const type = String(req.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
  if (req.method === "POST" && !options.bodyTypes.includes(type)) {
    return refuse(res, 415, `content-type ${JSON.stringify(type)} is not accepted; send ${options.bodyTypes.join(" or ")}`);
  }
  return false;
}

const CORS_HEADER = /^access-control-/i;

/** Drops every Access-Control-* header a wrapped service (cognito-local's CORS middleware, dynalite) would send. */
function withoutCors(res: ServerResponse): void {
  const setHeader = res.setHeader.bind(res);
  res.setHeader = ((name: string, value: number | string | readonly string[]) => (CORS_HEADER.test(name) ? res : setHeader(name, value))) as typeof res.setHeader;
  const writeHead = res.writeHead.bind(res) as (...args: any[]) => ServerResponse;
  res.writeHead = ((status: number, ...rest: any[]) => {
    const headers = rest.find((r) => r && typeof r === "object");
    if (headers && !Array.isArray(headers)) for (const name of Object.keys(headers)) if (CORS_HEADER.test(name)) delete headers[name];
    return writeHead(status, ...rest);
  }) as typeof res.writeHead;
}

/** A request listener behind the guard: refused requests never reach it, and it can grant no CORS. */
export function guarded(options: GuardOptions, handler: RequestListener): RequestListener {
  return (req, res) => {
    if (refuseUnsafe(req, res, options)) return;
    withoutCors(res);
    handler(req, res);
  };
}
