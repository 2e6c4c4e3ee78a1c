/** Request and response bodies for the local stand-ins' HTTP servers. */
import type { IncomingMessage, ServerResponse } from "node:http";

/** The whole body of a request (or of a response read by a proxy). */
export function readBody(message: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    message.on("data", (c: Buffer) => chunks.push(c));
    message.on("end", () => resolve(Buffer.concat(chunks)));
    message.on("error", reject);
  });
}

/** A JSON-protocol request body; an empty body is {}. */
export async function readJson(req: IncomingMessage): Promise<any> {
  return JSON.parse((await readBody(req)).toString("utf8") || "{}");
}

/** A JSON-protocol answer, with the protocol's content type (AWS JSON 1.0 or 1.1). */
export function replyJson(res: ServerResponse, status: number, body: unknown, contentType: string): void {
  res.writeHead(status, { "content-type": contentType });
  res.end(JSON.stringify(body));
}
