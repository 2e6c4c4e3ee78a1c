/**
 * The SDK clients' retry layer and timeouts (core/clients.ts), against a
 * loopback Cognito stand-in that throttles as Cognito does and a socket that
 * never answers. These wait on the SDK's real backoff timers, so they stay out
 * of the mutation set (jest.mutate.config.js).
 */
import { ListUsersCommand } from "@aws-sdk/client-cognito-identity-provider";
import { createServer, type Socket } from "node:net";
import { BATCH_CLIENT, createCognitoClient } from "../core/clients";
import { reconcile } from "../core/reconcile/engine";
import { LOCAL_CREDENTIALS } from "../tools/local/clients";
import { POOL, reconcileFixture, user } from "./helpers/reconcile";

const { mockCognito, freshTable, options } = reconcileFixture("clients");

test("throttled ListUsers calls back off and retry; nothing is lost", async () => {
  const table = await freshTable();
  const users = Array.from({ length: 150 }, (_, i) => user(i));
  const cognito = await mockCognito(users, { throttleCalls: [2, 3] });
  // The SDK's backoff is random * 2^attempt * 500 ms for throttling; a fixed draw makes it exact.
  const random = jest.spyOn(Math, "random").mockReturnValue(0.2);
  let report;
  try {
    report = await reconcile(options(table, cognito.client));
  } finally {
    random.mockRestore();
  }
  expect(report.retried).toBe(2);
  expect(report).toMatchObject({ scanned: 150, created: 150, failed: 0 });
  expect(cognito.calls.filter((c) => !c.input.Filter).map((c) => c.input.PaginationToken)).toEqual([undefined, "60", "60", "60", "120"]);
  expect(cognito.calls.map((c) => c.throttled)).toEqual([false, true, true, false, false]);
  // The backoff it collected: each retry waited at least the SDK's delay for that attempt (200 ms, then 400 ms).
  const gaps = [2, 3].map((i) => cognito.calls[i].at - cognito.calls[i - 1].at);
  expect(gaps[0]).toBeGreaterThanOrEqual(200);
  expect(gaps[1]).toBeGreaterThanOrEqual(400);
});


test("a call throttled past the retry budget fails the run with the throttling error", async () => {
  const table = await freshTable();
  const random = jest.spyOn(Math, "random").mockReturnValue(0.01);
  try {
    const cognito = await mockCognito([user(1)], { throttleCalls: [1, 2, 3] }, { ...BATCH_CLIENT, maxAttempts: 3 });
    await expect(reconcile(options(table, cognito.client))).rejects.toThrow("Rate exceeded");
    expect(cognito.calls).toHaveLength(3);
  } finally {
    random.mockRestore();
  }
});


test("SDK clients fail a request that gets no answer instead of waiting forever", async () => {
  const sockets: Socket[] = [];
  const blackhole = createServer((s) => void sockets.push(s));
  await new Promise<void>((r) => blackhole.listen(0, "127.0.0.1", () => r()));
  const client = createCognitoClient(
    { connectionTimeoutMs: 500, requestTimeoutMs: 300, maxAttempts: 2, retryMode: "standard" },
    { endpoint: `http://127.0.0.1:${(blackhole.address() as { port: number }).port}`, region: "us-east-1", credentials: LOCAL_CREDENTIALS },
  );
  try {
    await expect(client.send(new ListUsersCommand({ UserPoolId: POOL }))).rejects.toThrow(/timeout|exceeded/i);
    expect(sockets.length).toBe(2);
  } finally {
    client.destroy();
    sockets.forEach((s) => s.destroy());
    blackhole.close();
  }
});

