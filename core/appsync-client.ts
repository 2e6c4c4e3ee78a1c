/**
 * A GraphQL client for an AppSync API with IAM authorization: each request is
 * signed with SigV4 (service "appsync") by the function's own credentials, as
 * AppSync requires for `@auth(rules: [{ allow: private, provider: iam }])`.
 * Node's fetch carries it; the call is aborted at its budget.
 */
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, SourceData } from "@smithy/types";
import { SignatureV4 } from "@smithy/signature-v4";
import { createHash, createHmac, type Hash, type Hmac } from "node:crypto";

const bytes = (data: SourceData): string | Uint8Array => (typeof data === "string" ? data : data instanceof Uint8Array ? data : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data));

/** SHA-256 (and HMAC-SHA-256 with a secret) from node:crypto, in the shape SignatureV4 asks for. */
class Sha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash("sha256") : createHmac("sha256", bytes(secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

export interface GraphQLError {
  readonly message: string;
  /** AppSync's error type, e.g. "ConflictUnhandled", "DynamoDB:ConditionalCheckFailedException", "Unauthorized". */
  readonly errorType?: string;
  readonly data?: unknown;
  readonly path?: ReadonlyArray<string | number>;
}

export interface GraphQLResponse<T> {
  readonly data?: T | null;
  readonly errors?: GraphQLError[];
}

export interface AppSyncClientOptions {
  /** The API's GraphQL endpoint, `https://<id>.appsync-api.<region>.amazonaws.com/graphql`. */
  readonly url: string;
  readonly region: string;
  readonly credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** A request's budget. @default 4000 */
  readonly timeoutMs?: number;
}

/** The HTTP status or transport failed: nothing GraphQL can say about it. */
export class AppSyncRequestError extends Error {
  name = "AppSyncRequestError";
}

export class AppSyncClient {
  private readonly signer: SignatureV4;
  private readonly url: URL;

  constructor(private readonly options: AppSyncClientOptions) {
    this.url = new URL(options.url);
    this.signer = new SignatureV4({ service: "appsync", region: options.region, credentials: options.credentials, sha256: Sha256 });
  }

  async request<T>(query: string, variables: Record<string, unknown>): Promise<GraphQLResponse<T>> {
    const body = JSON.stringify({ query, variables });
    const signed = await this.signer.sign({
      method: "POST",
      protocol: this.url.protocol,
      hostname: this.url.hostname,
      port: this.url.port ? Number(this.url.port) : undefined,
      path: this.url.pathname,
      headers: { host: this.url.host, "content-type": "application/json" },
      body,
    });
    let res: Response;
    try {
      res = await fetch(this.url, { method: "POST", headers: signed.headers as Record<string, string>, body, signal: AbortSignal.timeout(this.options.timeoutMs ?? 4_000) });
    } catch (err) {
      throw new AppSyncRequestError(`AppSync at ${this.url.host} did not answer: ${(err as Error).message}`);
    }
    const text = await res.text();
    let parsed: GraphQLResponse<T>;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new AppSyncRequestError(`AppSync answered ${res.status} with a body that is not JSON: ${text.slice(0, 200)}`);
    }
    if (!res.ok && !parsed.errors) throw new AppSyncRequestError(`AppSync answered ${res.status}: ${text.slice(0, 200)}`);
    return parsed;
  }
}
