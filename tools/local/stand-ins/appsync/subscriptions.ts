/**
 * Subscriptions as AppSync delivers them, which the simulator only half does:
 * its real-time (WebSocket) server is attached to our loopback server behind
 * the guard, and AppSync's enhanced subscription filters work. Amplify's
 * subscription resolvers call `$extensions.setSubscriptionFilter(
 * $util.transform.toSubscriptionFilter($ctx.args.filter))` (the owner rule
 * becomes a runtime filter); the simulator has neither, renders the call as
 * text and refuses every subscription. Here the filter is kept with the
 * subscription and each published item must match it (AppSync Developer
 * Guide, "Enhanced subscription filters": groups are OR'ed, a group's
 * filters AND'ed).
 */
import type { AmplifyAppSyncSimulator } from "@aws-amplify/amplify-appsync-simulator";
import { AppSyncSimulatorSubscriptionServer } from "@aws-amplify/amplify-appsync-simulator/lib/server/websocket-subscription";
import { REALTIME_SUBSCRIPTION_PATH } from "@aws-amplify/amplify-appsync-simulator/lib/server/subscription/websocket-server/server";
import { VelocityTemplate } from "@aws-amplify/amplify-appsync-simulator/lib/velocity";
import { transformUtils } from "@aws-amplify/amplify-appsync-simulator/lib/velocity/util/transform";
import type { GraphQLObjectType } from "graphql";
import type { Server } from "node:http";
import { upgradeRefusal } from "../../http/guard";

export { REALTIME_SUBSCRIPTION_PATH };

/** A model filter input (`ModelSubscription<T>FilterInput`): and/or/not of field conditions. */
type Filter = Record<string, any>;

/** What VTL hands a method: a mapped Java-like value, or plain JSON. */
const plain = (value: any): any => (value && typeof value.toJSON === "function" ? value.toJSON() : value);

const CONDITIONS: Record<string, (actual: any, expected: any) => boolean> = {
  eq: (a, e) => a === e,
  ne: (a, e) => a !== e,
  gt: (a, e) => a > e,
  ge: (a, e) => a >= e,
  lt: (a, e) => a < e,
  le: (a, e) => a <= e,
  between: (a, [lo, hi]) => a >= lo && a <= hi,
  in: (a, list) => list.includes(a),
  notIn: (a, list) => !list.includes(a),
  contains: (a, e) => (typeof a === "string" || Array.isArray(a)) && a.includes(e),
  notContains: (a, e) => !((typeof a === "string" || Array.isArray(a)) && a.includes(e)),
  beginsWith: (a, e) => typeof a === "string" && a.startsWith(e),
};

/** Whether an item matches a model filter input. */
export function matchesFilter(item: Record<string, any>, filter: Filter): boolean {
  return Object.entries(filter).every(([key, value]) => {
    if (key === "and") return (value as Filter[]).every((f) => matchesFilter(item, f));
    if (key === "or") return (value as Filter[]).some((f) => matchesFilter(item, f));
    if (key === "not") return !matchesFilter(item, value);
    return Object.entries(value as Record<string, unknown>).every(([op, expected]) => {
      const test = CONDITIONS[op];
      if (!test) throw new Error(`subscription filter operator ${op} is not supported locally`);
      return test(item[key], expected);
    });
  });
}

interface FilteredContext {
  subscriptionFilters?: Filter[];
  appsyncErrors: unknown[];
}

let patched = false;

/** `$extensions.setSubscriptionFilter` and `$util.transform.toSubscriptionFilter`, in every template (once per process). */
export function supportSubscriptionFilters(): void {
  if (patched) return;
  patched = true;
  // The filter input as it is: matchesFilter reads it directly.
  (transformUtils as any).toSubscriptionFilter = (filter: unknown) => plain(filter);
  const build = (VelocityTemplate.prototype as any).buildRenderContext;
  (VelocityTemplate.prototype as any).buildRenderContext = function (this: unknown, values: unknown, requestContext: FilteredContext, info: unknown) {
    const context = build.call(this, values, requestContext, info);
    const keep = (filter: unknown) => {
      requestContext.subscriptionFilters = [...(requestContext.subscriptionFilters ?? []), plain(filter)];
      return "";
    };
    // Invalidation filters end subscriptions when an item changes: nothing here needs them.
    return { ...context, extensions: { setSubscriptionFilter: keep, setSubscriptionInvalidationFilter: () => "", invalidateSubscriptions: () => "" } };
  };
}

/** Each subscription field delivers only items that match its arguments and the filters its resolver set. */
export function filterDeliveries(simulator: AmplifyAppSyncSimulator): void {
  const type = simulator.schema.getSubscriptionType() as GraphQLObjectType | null | undefined;
  for (const [name, field] of Object.entries(type?.getFields() ?? {})) {
    field.subscribe = (_source, args, context: FilteredContext) => {
      if (context.appsyncErrors.length) throw new Error("Subscription failed");
      const { filter: _filter, ...equal } = args as Record<string, unknown>;
      const filters = context.subscriptionFilters ?? [];
      // The arguments given are equalities (the simulator's own rule, without its console noise).
      const matches = (payload: any) => payload != null && Object.entries(equal).every(([k, v]) => payload[k] === v) && filters.every((f) => matchesFilter(payload, f));
      return only(simulator.asyncIterator(name) as AsyncIterableIterator<any>, matches);
    };
  }
}

/**
 * The items of `source` that `keep` accepts. Not an async generator: ending a
 * subscription must end `source` at once, while a generator's return() would
 * wait for the next published item.
 */
function only<T>(source: AsyncIterableIterator<T>, keep: (item: T) => boolean): AsyncIterableIterator<T> {
  const iterator: AsyncIterableIterator<T> = {
    async next() {
      for (;;) {
        const result = await source.next();
        if (result.done || keep(result.value)) return result;
      }
    },
    async return() {
      await source.return?.();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

/** The simulator's real-time server on `server`; its upgrades pass the guard (a loopback Host, no foreign Origin) first. */
export function attachRealtime(server: Server, simulator: AmplifyAppSyncSimulator, hosts: ReadonlySet<string>): { stop(): Promise<void> } {
  const realtime = new AppSyncSimulatorSubscriptionServer(simulator as any, server, REALTIME_SUBSCRIPTION_PATH);
  // Its connection_init starts the keep-alive timer twice and clears one: clear the first before the second.
  const sockets = (realtime as any).realtimeServer;
  const setupPing = sockets.setupPing;
  sockets.setupPing = (connection: { pingIntervalHandle?: NodeJS.Timeout }) => {
    clearInterval(connection.pingIntervalHandle);
    setupPing(connection);
  };
  realtime.start();
  const listeners = server.listeners("upgrade") as Array<(...args: unknown[]) => void>;
  server.removeAllListeners("upgrade");
  server.on("upgrade", (req, socket, head) => {
    if (upgradeRefusal(req, hosts)) return void socket.destroy();
    for (const listener of listeners) listener.call(server, req, socket, head);
  });
  return {
    async stop() {
      await realtime.stop();
      // ws closes its server but not the sockets it accepted: end them, so the HTTP server can close.
      for (const client of sockets.webSocketServer?.clients ?? []) client.terminate();
    },
  };
}
