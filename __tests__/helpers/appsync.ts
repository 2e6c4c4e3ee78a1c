/**
 * An Amplify app's side of a local AppSync: the model schema the tests use,
 * app users' tokens, their queries, and a subscription over AppSync's
 * real-time protocol (as Amplify's clients open it).
 */
import WebSocket from "ws";

/** Mapped fields are Cognito's: owners may read them, only the sync (IAM) and Admins write them. */
export const COGNITO_OWNED = `@auth(rules: [{ allow: owner, operations: [read] }, { allow: groups, groups: ["Admin"] }, { allow: private, provider: iam }])`;

/** A User model as the README recommends it: owners edit app fields (bio), never the mapped ones; email is required. */
export const USER_SCHEMA = `
type User @model @auth(rules: [{ allow: owner, operations: [read, update] }, { allow: groups, groups: ["Admin"] }, { allow: private, provider: iam }]) {
  id: ID!
  username: String ${COGNITO_OWNED}
  email: AWSEmail! ${COGNITO_OWNED}
  emailVerified: Boolean ${COGNITO_OWNED}
  givenName: String ${COGNITO_OWNED}
  familyName: String ${COGNITO_OWNED}
  userPoolId: String ${COGNITO_OWNED}
  enabled: Boolean ${COGNITO_OWNED}
  deletedAt: AWSDateTime ${COGNITO_OWNED}
  cognitoModifiedAt: AWSDateTime ${COGNITO_OWNED}
  owner: String ${COGNITO_OWNED}
  bio: String
}`;

/** A user pool ID token as the app's client sends it (the local AppSync reads its claims; it checks no signature). */
export function ownerToken(pool: string, sub: string, username: string, groups: readonly string[] = []): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${part({ alg: "none" })}.${part({ iss: `https://cognito-idp.us-east-1.amazonaws.com/${pool}`, sub, "cognito:username": username, "cognito:groups": groups, token_use: "id" })}.x`;
}

export interface GraphQLAnswer<T> {
  data?: T;
  errors?: Array<{ message: string; errorType?: string }>;
}

/** A query or mutation as an app user (a user pool token). */
export async function asUser<T>(url: string, token: string, query: string, variables: Record<string, unknown> = {}): Promise<GraphQLAnswer<T>> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", authorization: token }, body: JSON.stringify({ query, variables }) });
  return (await res.json()) as GraphQLAnswer<T>;
}

/** DataStore's delta (or, with lastSync null, base) query for the User model. */
export const SYNC_USERS = `query Sync($lastSync: AWSTimestamp) { syncUsers(lastSync: $lastSync) { items { id email givenName familyName bio owner deletedAt enabled _version _deleted } startedAt } }`;

/** One user's items in a sync as that user sees it. */
export async function syncedItems(url: string, token: string, id: string, lastSync: number | null): Promise<Record<string, any>[]> {
  const res = await asUser<{ syncUsers: { items: Record<string, any>[] } }>(url, token, SYNC_USERS, { lastSync });
  if (!res.data?.syncUsers) throw new Error(`syncUsers failed: ${JSON.stringify(res.errors)}`);
  return res.data.syncUsers.items.filter((i) => i.id === id);
}

/** Polls until `check` returns something; the bound only stops a hang. */
export async function eventually<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const since = performance.now();
  for (;;) {
    const found = await check();
    if (found !== undefined) return found;
    if (performance.now() - since > timeoutMs) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface Subscription {
  /** Every data message's payload so far. */
  readonly received: Array<Record<string, any>>;
  close(): Promise<void>;
}

/**
 * A subscription as Amplify's clients open one (AppSync real-time protocol):
 * the connection's authorization in the `header` query parameter, the
 * subscription's in the start message; resolves once AppSync acknowledged it.
 */
export async function subscribe(realtimeUrl: string, token: string, query: string, variables: Record<string, unknown> = {}): Promise<Subscription> {
  const host = new URL(realtimeUrl).host;
  const authorization = { Authorization: token, host };
  const header = Buffer.from(JSON.stringify(authorization)).toString("base64");
  const socket = new WebSocket(`${realtimeUrl}?header=${encodeURIComponent(header)}&payload=e30=`, "graphql-ws");
  const received: Array<Record<string, any>> = [];
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.on("message", (raw) => {
      const message = JSON.parse(String(raw));
      if (message.type === "connection_ack") socket.send(JSON.stringify({ id: "1", type: "start", payload: { data: JSON.stringify({ query, variables }), extensions: { authorization } } }));
      else if (message.type === "start_ack") resolve();
      else if (message.type === "data") received.push(message.payload);
      else if (message.type === "error" || message.type === "connection_error") reject(new Error(`subscription refused: ${JSON.stringify(message.payload)}`));
    });
    socket.once("open", () => socket.send(JSON.stringify({ type: "connection_init" })));
  });
  return {
    received,
    close: () =>
      new Promise<void>((resolve) => {
        if (socket.readyState === WebSocket.CLOSED) return resolve();
        socket.once("close", () => resolve());
        socket.close();
      }),
  };
}
