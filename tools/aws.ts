/**
 * What every command that calls AWS shares: credentials checked before the
 * first call (the same one-line message and fix as deploy's preflight), and
 * clients that say what they are waiting for after a few seconds and give up
 * on an endpoint that never answers within a minute.
 */
import { STSClient } from "@aws-sdk/client-sts";
import type { ClientProfile } from "../core/clients";
import { explain, PreflightError } from "./deploy/preflight";

/** Patient with throttling (adaptive, 8 attempts), short with silence (10 s an attempt). */
export const TOOL_CLIENT: ClientProfile = { connectionTimeoutMs: 3_000, requestTimeoutMs: 10_000, maxAttempts: 8, retryMode: "adaptive" };
/** After this long without an answer, say what is awaited. */
export const SLOW_NOTICE_MS = 5_000;
/** No answer (all retries included) within this long: the call fails, naming the endpoint. */
export const CALL_BUDGET_MS = 60_000;

/** The endpoint did not answer within the budget. */
export class StalledEndpointError extends Error {
  name = "StalledEndpointError";
}

/** The credentials the SDK would use resolve (no call is made); else a PreflightError with the fix. */
export async function checkCredentials(region: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const sts = new STSClient({ region });
  try {
    await sts.config.credentials();
  } catch (err) {
    throw new PreflightError(explain(err as Error, region, env.AWS_PROFILE, env));
  } finally {
    sts.destroy();
  }
}

interface Watchable {
  send(command: { readonly constructor: { readonly name: string } }, options?: { abortSignal?: AbortSignal }): Promise<unknown>;
  readonly config: { readonly endpoint?: () => Promise<{ protocol: string; hostname: string; port?: number; path?: string }> };
}

/** Where a client's calls go: its endpoint (given, or AWS_ENDPOINT_URL_*), else the service in its region. */
async function whereTo(client: Watchable, service: string, envName: string, region: string): Promise<string> {
  const given = await client.config.endpoint?.().catch(() => undefined);
  if (given?.hostname) return `${given.protocol}//${given.hostname}${given.port ? `:${given.port}` : ""}`;
  return process.env[`AWS_ENDPOINT_URL_${envName}`] ?? process.env.AWS_ENDPOINT_URL ?? `${service} in ${region}`;
}

/**
 * Adds the slow notice and the call budget to a client; returns it. At the
 * budget the call is aborted too (request and retries), so nothing keeps
 * waiting on the endpoint after the error is reported.
 */
export function watched<T extends Watchable>(
  client: T,
  service: { readonly name: string; readonly env: string; readonly region: string },
  notice: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
  timings: { readonly slowMs: number; readonly budgetMs: number } = { slowMs: SLOW_NOTICE_MS, budgetMs: CALL_BUDGET_MS },
): T {
  const send = client.send.bind(client);
  const watchedSend: Watchable["send"] = async (command, options) => {
    const what = `${service.name} ${command.constructor.name.replace(/Command$/, "")} at ${await whereTo(client, service.name, service.env, service.region)}`;
    const budget = new AbortController();
    const abortSignal = options?.abortSignal ? AbortSignal.any([options.abortSignal, budget.signal]) : budget.signal;
    const slow = setTimeout(() => notice(`waiting for ${what} (retrying for up to ${timings.budgetMs / 1000} s)...`), timings.slowMs);
    let timer: NodeJS.Timeout | undefined;
    const stalled = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new StalledEndpointError(`no answer from ${what} within ${timings.budgetMs / 1000} s: check the endpoint, the network and the region`));
        budget.abort();
      }, timings.budgetMs);
    });
    const call = send(command, { ...options, abortSignal });
    // The aborted call's own rejection is not news once the budget's error is reported.
    call.catch(() => undefined);
    try {
      return await Promise.race([call, stalled]);
    } finally {
      clearTimeout(slow);
      clearTimeout(timer);
    }
  };
  (client as Watchable).send = watchedSend;
  return client;
}
