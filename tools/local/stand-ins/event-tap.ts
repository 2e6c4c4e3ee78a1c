/**
 * The local stand-in for CloudTrail + EventBridge: a loopback proxy in front
 * of the Cognito stand-in. Every call is forwarded unchanged; afterwards the
 * tap builds the event EventBridge would deliver, in the shape of the cited
 * real records (__tests__/fixtures/cloudtrail-records.ts): "AWS API Call via
 * CloudTrail", values hidden as CloudTrail hides them, the user's sub in
 * additionalEventData, no pool id for token-authorized calls, userIdentity
 * Unknown/Anonymous for calls made without IAM credentials, challengeName in
 * the clear, errorCode on failures. It matches the event against the
 * synthesized rule's pattern and invokes the function
 * through the Lambda runner, asynchronously, with Lambda's async retries
 * (scaled down) and a dead-letter list. Clients use the tap as their Cognito
 * endpoint.
 */
import { AdminGetUserCommand, ListUserPoolClientsCommand, ListUserPoolsCommand } from "@aws-sdk/client-cognito-identity-provider";
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import { HIDDEN } from "../../../core/user-events/cloudtrail";
import { localCognitoClient } from "../clients";
import { matchesPattern } from "./event-pattern";
import { allowedHosts, AWS_JSON_1_1, guarded } from "../http/guard";
import { exchange } from "../http/proxy";
import { listen } from "../http/listen";
import { readBody } from "../http/body";

export interface EventTapOptions {
  /** The Cognito stand-in the tap forwards to. */
  readonly cognitoEndpoint: string;
  /** The Lambda runner. */
  readonly lambdaEndpoint: string;
  /** The function the rule targets. */
  readonly functionName: string;
  /** The rule's event pattern. */
  readonly pattern: Record<string, unknown>;
  /** Retries after a failed invocation (Lambda's async default). @default 2 */
  readonly retries?: number;
  /** Waits before each retry (Lambda waits about 1 and 2 minutes). @default [250, 1000] */
  readonly retryDelaysMs?: readonly number[];
  /** @default 0 (a free port) */
  readonly port?: number;
  /** @default "127.0.0.1" */
  readonly host?: string;
}

export interface TapDelivery {
  readonly event: Record<string, any>;
  readonly attempts: number;
  readonly ok: boolean;
  /** ms from the call's answer to the invocation that succeeded (or the last failure). */
  readonly latencyMs: number;
  readonly lastError?: string;
}

export interface EventTap {
  /** Value for AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER. */
  readonly endpoint: string;
  readonly port: number;
  readonly pattern: Record<string, unknown>;
  /** Every event built, matched or not. */
  events(): Record<string, any>[];
  /** Every invocation attempt, in order, with its error if it failed. */
  attempts(): Array<{ readonly eventId: string; readonly attempt: number; readonly error?: string }>;
  /** Deliveries that finished (succeeded, or failed after every retry). */
  deliveries(): TapDelivery[];
  /** Events that failed every attempt: what the dead-letter queue would hold. */
  deadLetters(): Record<string, any>[];
  /** Resolves when no delivery is in flight. */
  idle(): Promise<void>;
  /** Sends an event as EventBridge would (e.g. a duplicate, or one from another pool). */
  deliver(event: Record<string, any>): Promise<TapDelivery>;
  stop(): Promise<void>;
}

const ACCOUNT = "000000000000";
const REGION = "us-east-1";
/** Request fields CloudTrail records as HIDDEN_DUE_TO_SECURITY_REASONS. */
const SENSITIVE = new Set(["Username", "UserAttributes", "AccessToken", "Password", "PreviousPassword", "ProposedPassword", "ConfirmationCode", "Code", "SecretHash", "Session", "TemporaryPassword", "UserAttributeNames", "ChallengeResponses", "AuthParameters"]);
/** Calls Cognito authorizes with IAM credentials (the rest: a user's token, or nothing). */
const iamAuthorized = (op: string) => op.startsWith("Admin") || op.startsWith("List") || op.startsWith("Describe");

const camel = (key: string) => key.charAt(0).toLowerCase() + key.slice(1);

function requestParameters(body: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).map(([k, v]) => [camel(k), SENSITIVE.has(k) ? HIDDEN : v]));
}

/** A JWT's claims (the stand-in's access tokens), unverified: only to learn whose call it was. */
function claimsOf(token: unknown): Record<string, any> | undefined {
  if (typeof token !== "string") return undefined;
  try {
    return JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString());
  } catch {
    return undefined;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startEventTap(options: EventTapOptions): Promise<EventTap> {
  const host = options.host ?? "127.0.0.1";
  const target = new URL(options.cognitoEndpoint);
  const cognito = localCognitoClient(options.cognitoEndpoint);
  const retries = options.retries ?? 2;
  const delays = options.retryDelaysMs ?? [250, 1000];
  const built: Record<string, any>[] = [];
  const finished: TapDelivery[] = [];
  const tried: Array<{ eventId: string; attempt: number; error?: string }> = [];
  const inFlight = new Set<Promise<unknown>>();
  const poolOfClient = new Map<string, string>();

  /** Whose call this is, read before it runs (after a delete the user is gone): sub, and the pool for admin calls. */
  async function identify(op: string, body: Record<string, any>): Promise<{ sub?: string }> {
    try {
      if (body.AccessToken) return { sub: claimsOf(body.AccessToken)?.sub };
      let pool: string | undefined = body.UserPoolId;
      if (!pool && body.ClientId) pool = await findPoolOfClient(body.ClientId);
      const username = body.Username ?? body.ChallengeResponses?.USERNAME ?? body.AuthParameters?.USERNAME;
      if (pool && username) {
        const user = await cognito.send(new AdminGetUserCommand({ UserPoolId: pool, Username: username }));
        return { sub: user.UserAttributes?.find((a) => a.Name === "sub")?.Value };
      }
    } catch {
      // No such user (the call will fail too): CloudTrail records no sub then.
    }
    return {};
  }

  async function findPoolOfClient(clientId: string): Promise<string | undefined> {
    if (poolOfClient.has(clientId)) return poolOfClient.get(clientId);
    const pools = await cognito.send(new ListUserPoolsCommand({ MaxResults: 60 }));
    for (const p of pools.UserPools ?? []) {
      const clients = await cognito.send(new ListUserPoolClientsCommand({ UserPoolId: p.Id!, MaxResults: 60 }));
      for (const c of clients.UserPoolClients ?? []) poolOfClient.set(c.ClientId!, p.Id!);
    }
    return poolOfClient.get(clientId);
  }

  function buildEvent(op: string, body: Record<string, any>, sub: string | undefined, error?: { code: string; message: string }): Record<string, any> {
    const time = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
    return {
      version: "0",
      id: randomUUID(),
      "detail-type": "AWS API Call via CloudTrail",
      source: "aws.cognito-idp",
      account: ACCOUNT,
      time,
      region: REGION,
      resources: [],
      detail: {
        eventVersion: "1.08",
        userIdentity: iamAuthorized(op)
          ? { type: "AssumedRole", principalId: "AROALOCAL:sandbox", arn: `arn:aws:sts::${ACCOUNT}:assumed-role/local/sandbox`, accountId: ACCOUNT }
          : { type: "Unknown", principalId: "Anonymous" },
        eventTime: time,
        eventSource: "cognito-idp.amazonaws.com",
        eventName: op,
        awsRegion: REGION,
        sourceIPAddress: "127.0.0.1",
        userAgent: "local-event-tap",
        requestParameters: requestParameters(body),
        responseElements: null,
        ...(sub ? { additionalEventData: { sub } } : {}),
        ...(error ? { errorCode: error.code, errorMessage: error.message } : {}),
        requestID: randomUUID(),
        eventID: randomUUID(),
        readOnly: false,
        eventType: "AwsApiCall",
        managementEvent: true,
        recipientAccountId: ACCOUNT,
        eventCategory: "Management",
      },
    };
  }

  async function invokeOnce(event: Record<string, any>): Promise<string | undefined> {
    try {
      const res = await fetch(`${options.lambdaEndpoint}/2015-03-31/functions/${encodeURIComponent(options.functionName)}/invocations`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(event),
      });
      const text = await res.text();
      if (res.status !== 200) return `HTTP ${res.status}: ${text}`;
      if (res.headers.get("x-amz-function-error")) return `function error: ${text}`;
      return undefined;
    } catch (err) {
      return (err as Error).message;
    }
  }

  function deliver(event: Record<string, any>): Promise<TapDelivery> {
    const started = performance.now();
    const run = (async () => {
      let lastError: string | undefined;
      for (let attempt = 1; attempt <= retries + 1; attempt++) {
        if (attempt > 1) await sleep(delays[Math.min(attempt - 2, delays.length - 1)]);
        lastError = await invokeOnce(event);
        tried.push({ eventId: event.detail?.eventID, attempt, ...(lastError === undefined ? {} : { error: lastError }) });
        if (lastError === undefined) {
          const done = { event, attempts: attempt, ok: true, latencyMs: performance.now() - started };
          finished.push(done);
          return done;
        }
      }
      const failed = { event, attempts: retries + 1, ok: false, latencyMs: performance.now() - started, lastError };
      finished.push(failed);
      return failed;
    })();
    inFlight.add(run);
    void run.finally(() => inFlight.delete(run));
    return run;
  }

  const upstream = { port: Number(target.port) };
  const server = createServer(guarded({ hosts: allowedHosts(host), bodyTypes: AWS_JSON_1_1 }, async (req, res) => {
    try {
      const body = await readBody(req);
      const op = String(req.headers["x-amz-target"] ?? "").split(".").pop() ?? "";
      let input: Record<string, any> = {};
      try {
        input = JSON.parse(body.toString() || "{}");
      } catch {
        // Forwarded as is; the stand-in answers the error.
      }
      let { sub } = await identify(op, input);
      const answer = await exchange(req, body, upstream);
      // A user the call created has a sub only afterwards (read before answering, so the event exists once the caller has its answer).
      if (!sub && answer.status === 200 && op === "AdminCreateUser") sub = (await identify(op, input)).sub;
      res.writeHead(answer.status, answer.headers).end(answer.body);
      if (!op) return;
      // CloudTrail records failed calls too, with their error code.
      let error: { code: string; message: string } | undefined;
      if (answer.status !== 200) {
        const failure = JSON.parse(answer.body.toString() || "{}");
        error = { code: String(failure.__type ?? failure.code ?? "UnknownError").split("#").pop()!, message: String(failure.message ?? "") };
      }
      const event = buildEvent(op, input, sub, error);
      built.push(event);
      if (matchesPattern(options.pattern, event)) void deliver(event);
    } catch (err) {
      if (!res.headersSent) res.writeHead(502, { "content-type": "application/json" });
      res.end(JSON.stringify({ message: `event tap: ${(err as Error).message}` }));
    }
  }));
  const port = await listen(server, options.port ?? 0, host, "Event tap (CloudTrail + EventBridge)");

  return {
    endpoint: `http://${host}:${port}`,
    port,
    pattern: options.pattern,
    events: () => [...built],
    attempts: () => [...tried],
    deliveries: () => [...finished],
    deadLetters: () => finished.filter((d) => !d.ok).map((d) => d.event),
    async idle() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
    deliver,
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      cognito.destroy();
    },
  };
}
