/**
 * User events through the sandbox's event tap: the time from a Cognito call's
 * answer to the row written (the tap invokes at once; on AWS, CloudTrail adds
 * its own delivery delay, typically seconds), and the function's warm
 * duration per event next to a bare UpdateItem round trip against the same
 * DynamoDB, with what an event costs on AWS.
 */
import { AdminCreateUserCommand, AdminUpdateUserAttributesCommand, InitiateAuthCommand, RespondToAuthChallengeCommand } from "@aws-sdk/client-cognito-identity-provider";
import { UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inParallel } from "../../core/in-parallel";
import { loadConfig } from "../../lib/settings";
import { startSandbox } from "../local/sandbox";
import { adminConfirm, signUp } from "../local/sign-up";
import { fmt, median, percentile } from "./stats";

const USERS = 50;
const UPDATES = 500;
const CONCURRENCY = 10;
const BARE_CALLS = 500;
const INVITES = 30;

/** us-east-1 prices (AWS price pages, November 2026); AWS service events on the default bus are free to match. */
const PRICE = { lambdaGbSecondArm: 0.0000133334, lambdaRequest: 0.2 / 1e6, dynamoReadUnit: 0.125 / 1e6, dynamoWriteUnit: 0.625 / 1e6 };

export async function benchEvents(): Promise<void> {
  const stateDir = mkdtempSync(join(tmpdir(), "user-sync-bench-events-"));
  const config = loadConfig({ env: { USER_SYNC_STAGE: "bench" }, file: false });
  const sandbox = await startSandbox({ config, stateDir, inMemory: true });
  const cognito = sandbox.cognitoClient();
  const dynamo = sandbox.dynamoClient();
  try {
    const emails = Array.from({ length: USERS }, (_, i) => `event-${i}@example.com`);
    const subs = await inParallel(emails, 10, async (email) => {
      const sub = await signUp(cognito, sandbox.clientId, { email, password: "Correct-Horse-9!x" });
      await adminConfirm(cognito, sandbox.userPoolId, email);
      return sub;
    });
    await sandbox.tap!.idle();

    /** UPDATES attribute changes with `inFlight` at a time: event-to-row latencies and the function's durations. */
    const run = async (inFlight: number, offset: number) => {
      await sandbox.lambda.clearInvocations();
      const mark = sandbox.tap!.deliveries().length;
      const started = performance.now();
      await inParallel(
        Array.from({ length: UPDATES }, (_, i) => i),
        inFlight,
        (i) =>
          cognito.send(
            new AdminUpdateUserAttributesCommand({ UserPoolId: sandbox.userPoolId, Username: emails[i % USERS], UserAttributes: [{ Name: "given_name", Value: `G${offset + i}` }] }),
          ),
      );
      await sandbox.tap!.idle();
      const wall = performance.now() - started;
      const deliveries = sandbox.tap!.deliveries().slice(mark);
      const durations = (await sandbox.lambda.invocations()).filter((i) => i.functionName === sandbox.userEventsFunctionName).map((i) => i.durationMs);
      return { wall, latency: deliveries.map((d) => d.latencyMs), failed: deliveries.filter((d) => !d.ok).length, delivered: deliveries.length, durations };
    };
    // One at a time: the function's own warm duration. Then under load: what users see when many change at once.
    const sequential = await run(1, 0);
    const loaded = await run(CONCURRENCY, UPDATES);

    // The bare write the function's work is compared with: one UpdateItem round trip, same endpoint.
    const bare: number[] = [];
    for (let i = 0; i < BARE_CALLS; i++) {
      const t = performance.now();
      await dynamo.send(
        new UpdateItemCommand({
          TableName: sandbox.tableName,
          Key: marshall({ id: subs[i % USERS] }),
          UpdateExpression: "SET benchTouched = :n",
          ExpressionAttributeValues: marshall({ ":n": i }),
        }),
      );
      bare.push(performance.now() - t);
    }

    // Invitations accepted (RespondToAuthChallenge, NEW_PASSWORD_REQUIRED): call answered -> row written.
    const inviteMark = sandbox.tap!.deliveries().length;
    for (let i = 0; i < INVITES; i++) {
      const email = `invite-${i}@example.com`;
      await cognito.send(new AdminCreateUserCommand({ UserPoolId: sandbox.userPoolId, Username: email, TemporaryPassword: "Temporary-Passw0rd!", MessageAction: "SUPPRESS", UserAttributes: [{ Name: "email", Value: email }] }));
      const auth = await cognito.send(new InitiateAuthCommand({ ClientId: sandbox.clientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: email, PASSWORD: "Temporary-Passw0rd!" } }));
      await cognito.send(
        new RespondToAuthChallengeCommand({ ClientId: sandbox.clientId, ChallengeName: "NEW_PASSWORD_REQUIRED", Session: auth.Session, ChallengeResponses: { USERNAME: email, NEW_PASSWORD: "Correct-Horse-9!x" } }),
      );
      await sandbox.tap!.idle();
    }
    const invites = sandbox.tap!.deliveries().slice(inviteMark).filter((d) => d.event.detail.eventName === "RespondToAuthChallenge");

    // Row-first: a confirm event whose row is there (one GetItem) next to a change event (ListUsers, GetItem, maybe UpdateItem).
    const confirmEvent = sandbox.tap!.deliveries().find((d) => d.event.detail.eventName === "AdminConfirmSignUp")!.event;
    const changeEvent = sandbox.tap!.deliveries().find((d) => d.event.detail.eventName === "AdminUpdateUserAttributes")!.event;
    const timed = async (event: Record<string, unknown>) => {
      await sandbox.lambda.clearInvocations();
      for (let i = 0; i < 200; i++) await sandbox.lambda.invoke(sandbox.userEventsFunctionName!, event);
      return median((await sandbox.lambda.invocations()).map((r) => r.durationMs));
    };
    const rowFirstMs = await timed(confirmEvent);
    const changeMs = await timed(changeEvent);

    const fnMs = median(sequential.durations);
    const memoryGb = config.functionMemoryMb / 1024;
    // Per event: one invocation, one strongly consistent GetItem (1 read unit), at most one UpdateItem (1 write unit).
    const perEvent = (fnMs / 1000) * memoryGb * PRICE.lambdaGbSecondArm + PRICE.lambdaRequest + PRICE.dynamoReadUnit + PRICE.dynamoWriteUnit;
    const bareCost = PRICE.dynamoWriteUnit;
    console.log(`\n## User events through the event tap (${UPDATES} AdminUpdateUserAttributes over ${USERS} users, one at a time, then ${CONCURRENCY} in flight)`);
    for (const [label, r] of [["1 in flight", sequential], [`${CONCURRENCY} in flight`, loaded]] as const) {
      console.log(
        `event -> row written, ${label}: p50 ${fmt(percentile(r.latency, 50), 1)} ms, p99 ${fmt(percentile(r.latency, 99), 1)} ms; ${r.delivered} delivered, ${r.failed} failed; ${fmt(r.wall)} ms wall`,
      );
    }
    console.log(
      `invitation accepted (RespondToAuthChallenge NEW_PASSWORD_REQUIRED) -> row written: p50 ${fmt(percentile(invites.map((d) => d.latencyMs), 50), 1)} ms, max ${fmt(Math.max(...invites.map((d) => d.latencyMs)), 1)} ms over ${invites.length} invitations`,
    );
    console.log(`row-first creation event with its row present: median ${fmt(rowFirstMs, 1)} ms, no Cognito call, vs a change event ${fmt(changeMs, 1)} ms (x${fmt(changeMs / rowFirstMs, 1)})`);
    console.log(`function warm duration per event: median ${fmt(fnMs, 1)} ms (ListUsers by sub, GetItem, UpdateItem) vs bare UpdateItem round trip median ${fmt(median(bare), 2)} ms: x${fmt(fnMs / median(bare), 1)}`);
    console.log(
      `cost per 1M events on AWS (${config.functionMemoryMb} MB arm64 at the measured duration, 1 read + 1 write unit): $${fmt(perEvent * 1e6, 2)} vs $${fmt(bareCost * 1e6, 2)} for the bare writes alone (x${fmt(perEvent / bareCost, 1)})`,
    );
  } finally {
    cognito.destroy();
    dynamo.destroy();
    await sandbox.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}
