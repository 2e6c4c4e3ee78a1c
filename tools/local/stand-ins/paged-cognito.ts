/**
 * A Cognito stand-in for ListUsers, AdminGetUser and DescribeUserPool,
 * answering the real JSON protocol on loopback the way Cognito does and
 * cognito-local does not: at most 60 users a page with a PaginationToken,
 * `sub = "…"` filters, a request quota that throttles with
 * TooManyRequestsException, and a ListUsers that can lag behind writes while
 * AdminGetUser stays strongly consistent. Tests and benchmarks point a real
 * SDK client at it, so the SDK's own retry layer is what gets exercised.
 */
import type { UserType } from "@aws-sdk/client-cognito-identity-provider";
import { createServer, type ServerResponse } from "node:http";
import { readJson, replyJson } from "../http/body";
import { listen } from "../http/listen";

const reply = (res: ServerResponse, status: number, body: unknown) => replyJson(res, status, body, "application/x-amz-json-1.1");

export interface PagedCognitoOptions {
  /** The one pool it serves; DescribeUserPool of any other id is ResourceNotFoundException. @default any id */
  readonly userPoolId?: string;
  /** The pool's users, in listing order. */
  readonly users: () => readonly UserType[];
  /** Requests per second before Cognito-style throttling starts (a token bucket of one second). @default unlimited */
  readonly rate?: number;
  /** 1-based numbers of ListUsers calls to throttle regardless of rate. @default none */
  readonly throttleCalls?: readonly number[];
  /** The pool's PostConfirmation function (DescribeUserPool's LambdaConfig). @default none */
  readonly postConfirmation?: string;
  /** Extra users that only sub filters and AdminGetUser find (they signed up after the listing). @default none */
  readonly lateUsers?: () => readonly UserType[];
  /** Subs ListUsers does not see yet (listing and filter): a lagging read; AdminGetUser still finds them. @default none */
  readonly lagging?: () => ReadonlySet<string>;
}

export interface ListUsersCall {
  readonly input: { UserPoolId?: string; Limit?: number; PaginationToken?: string; Filter?: string };
  /** ms since the server started. */
  readonly at: number;
  readonly throttled: boolean;
}

export interface PagedCognito {
  readonly endpoint: string;
  readonly calls: ListUsersCall[];
  /** Usernames (or subs) AdminGetUser was asked for, in order. */
  readonly adminGetUserCalls: string[];
  /** Answers every ListUsers (or AdminGetUser) with this error (e.g. NotAuthorizedException, not retried) until called with undefined. */
  fail(errorType: string | undefined, operation?: "ListUsers" | "AdminGetUser"): void;
  /** Requests wait unanswered until release(): a caller caught mid-call, for as long as a test needs. */
  hold(): void;
  release(): void;
  /** Requests waiting on hold. */
  readonly held: number;
  stop(): Promise<void>;
}

const MAX_PAGE = 60;

/** The wire shape of a user: dates as epoch seconds. */
function wire(user: UserType) {
  return {
    ...user,
    UserCreateDate: user.UserCreateDate ? user.UserCreateDate.getTime() / 1000 : undefined,
    UserLastModifiedDate: user.UserLastModifiedDate ? user.UserLastModifiedDate.getTime() / 1000 : undefined,
  };
}

export async function startPagedCognito(options: PagedCognitoOptions): Promise<PagedCognito> {
  const started = performance.now();
  const calls: ListUsersCall[] = [];
  const adminGetUserCalls: string[] = [];
  const failures: Record<string, string | undefined> = {};
  const subOf = (u: UserType) => u.Attributes?.find((a) => a.Name === "sub")?.Value;
  const listed = (users: readonly UserType[]) => {
    const lagging = options.lagging?.();
    return lagging ? users.filter((u) => !lagging.has(subOf(u) ?? "")) : users;
  };
  let tokens = options.rate ?? Infinity;
  let refilledAt = started;
  const takeToken = () => {
    if (options.rate === undefined) return true;
    const now = performance.now();
    tokens = Math.min(options.rate, tokens + ((now - refilledAt) / 1000) * options.rate);
    refilledAt = now;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };

  let gate: { promise: Promise<void>; open: () => void } | undefined;
  let held = 0;
  const server = createServer(async (req, res) => {
    const target = String(req.headers["x-amz-target"] ?? "");
    const input = await readJson(req);
    while (gate) {
      held++;
      await gate.promise.finally(() => held--);
    }
    if (options.userPoolId && input.UserPoolId !== options.userPoolId) {
      return reply(res, 400, { __type: "ResourceNotFoundException", message: `User pool ${input.UserPoolId} does not exist.` });
    }
    if (target === "AWSCognitoIdentityProviderService.DescribeUserPool") {
      const LambdaConfig = options.postConfirmation ? { PostConfirmation: options.postConfirmation } : undefined;
      return reply(res, 200, { UserPool: { Id: input.UserPoolId, EstimatedNumberOfUsers: options.users().length, LambdaConfig } });
    }
    if (target === "AWSCognitoIdentityProviderService.AdminGetUser") {
      adminGetUserCalls.push(String(input.Username));
      if (failures.AdminGetUser) return reply(res, 400, { __type: failures.AdminGetUser, message: `injected ${failures.AdminGetUser}` });
      // Strongly consistent: every user, late or lagging; by username, or by a local user's sub.
      const user = [...options.users(), ...(options.lateUsers?.() ?? [])].find((u) => u.Username === input.Username || subOf(u) === input.Username);
      if (!user) return reply(res, 400, { __type: "UserNotFoundException", message: "User does not exist." });
      const { Attributes, ...rest } = wire(user);
      return reply(res, 200, { ...rest, UserAttributes: Attributes });
    }
    if (target !== "AWSCognitoIdentityProviderService.ListUsers") {
      return reply(res, 400, { __type: "InvalidParameterException", message: `this stand-in answers ListUsers, AdminGetUser and DescribeUserPool only, not ${target}` });
    }
    const failure = failures.ListUsers;
    if (failure) return reply(res, 400, { __type: failure, message: `injected ${failure}` });
    const throttled = Boolean(options.throttleCalls?.includes(calls.length + 1)) || !takeToken();
    calls.push({ input, at: performance.now() - started, throttled });
    if (throttled) return reply(res, 400, { __type: "TooManyRequestsException", message: "Rate exceeded" });

    const limit = input.Limit ?? MAX_PAGE;
    if (limit > MAX_PAGE) return reply(res, 400, { __type: "InvalidParameterException", message: "Limit must be at most 60" });
    if (input.Filter) {
      const sub = /^sub = "(.*)"$/.exec(input.Filter)?.[1];
      if (sub === undefined) return reply(res, 400, { __type: "InvalidParameterException", message: "only sub filters are supported here" });
      const all = listed([...options.users(), ...(options.lateUsers?.() ?? [])]);
      return reply(res, 200, { Users: all.filter((u) => subOf(u) === sub).slice(0, limit).map(wire) });
    }
    const users = listed(options.users());
    const start = input.PaginationToken ? Number(input.PaginationToken) : 0;
    const end = start + limit;
    reply(res, 200, { Users: users.slice(start, end).map(wire), PaginationToken: end < users.length ? String(end) : undefined });
  });
  const port = await listen(server, 0, "127.0.0.1", "paged Cognito stand-in");
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    adminGetUserCalls,
    fail: (errorType, operation = "ListUsers") => void (failures[operation] = errorType),
    hold() {
      if (gate) return;
      let open!: () => void;
      gate = { promise: new Promise<void>((r) => (open = r)), open };
    },
    release() {
      const g = gate;
      gate = undefined;
      g?.open();
    },
    get held() {
      return held;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
