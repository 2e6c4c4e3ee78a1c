/**
 * The sandbox needs no credentials, so it must not answer web pages: a page
 * can POST text/plain (or a form) to a loopback port without a CORS
 * preflight, and DNS rebinding can make a page's own domain resolve to
 * 127.0.0.1. So only loopback (or the configured) Host names are served, and
 * a request body must carry a type that browsers only send after a preflight
 * this server never grants.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

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

/** What Lambda API clients send: JSON, or the SDKs' binary payload types (v3 application/, v2 binary/). */
export const INVOKE_CONTENT_TYPES = ["application/json", "application/octet-stream", "binary/octet-stream"];

/**
 * Answers and returns true when the request must not be served: 403 for a
 * foreign Host, 415 for a body of a type a web page can send cross-site.
 */
export function refuseUnsafe(req: IncomingMessage, res: ServerResponse, allowed: ReadonlySet<string>, bodyTypes?: readonly string[]): boolean {
  const host = hostName(req.headers.host);
  if (!allowed.has(host)) {
    res.writeHead(403, { "content-type": "application/json" });
    res.end(JSON.stringify({ message: `Host ${JSON.stringify(req.headers.host ?? "")} is not served here: the sandbox answers loopback names only` }));
    return true;
  }
  const type = String(req.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
  if (bodyTypes && req.method === "POST" && !bodyTypes.includes(type)) {
    res.writeHead(415, { "content-type": "application/json" });
    res.end(JSON.stringify({ message: `content-type ${JSON.stringify(type)} is not accepted; send ${bodyTypes.join(" or ")}` }));
    return true;
  }
  return false;
}
