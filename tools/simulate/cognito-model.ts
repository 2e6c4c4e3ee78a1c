/**
 * A Cognito user pool as the sync code sees it, for the simulation: users
 * with their sub, username, status, enabled flag, attributes and last-modified
 * time; ListUsers in pages with tokens and the `sub = "…"` filter, served from
 * a snapshot that may lag behind writes; AdminGetUser, strongly consistent,
 * by username or sub; DescribeUserPool. Faults: throttling, a lagging listing,
 * an empty listing. Every listing records how far it got (invariant 4).
 */
import type { CognitoIdentityProviderClient, UserType } from "@aws-sdk/client-cognito-identity-provider";

export const STATUSES = ["UNCONFIRMED", "CONFIRMED", "FORCE_CHANGE_PASSWORD", "EXTERNAL_PROVIDER", "RESET_REQUIRED"] as const;
export type Status = (typeof STATUSES)[number];

export interface ModelUser {
  readonly sub: string;
  readonly username: string;
  status: Status;
  enabled: boolean;
  attributes: Record<string, string>;
  lastModified: number;
}

export interface CognitoFaults {
  /** The next calls answer TooManyRequestsException. */
  throttleCalls: number;
  /** Which operation is throttled (e.g. AdminGetUser); undefined: any. */
  throttleOperation?: string;
  /** ListUsers answers from the pool as it was this many writes ago. */
  lag: number;
  /** Unfiltered ListUsers answers an empty pool. */
  emptyListing: boolean;
}

/** One unfiltered listing: pages served, and whether the last one (no token) was. */
export interface Listing {
  pages: number;
  finished: boolean;
  /** Users in the snapshot it was served from. */
  users: number;
}

const error = (name: string, message: string) => Object.assign(new Error(message), { name, $fault: "client" });
const SUB_FILTER = /^sub = "([^"]*)"$/;

export class CognitoModel {
  private readonly byUsername = new Map<string, ModelUser>();
  /** The pool after each write, oldest first (for lagging listings). */
  private readonly snapshots: ModelUser[][] = [[]];
  /** Every version of every user, by sub: what a row stamped with a lastModified time must hold. */
  private readonly history = new Map<string, ModelUser[]>();
  readonly faults: CognitoFaults = { throttleCalls: 0, lag: 0, emptyListing: false };
  readonly listings: Listing[] = [];
  private nextSub = 1;

  constructor(
    readonly userPoolId: string,
    /** Users per ListUsers page (Cognito: at most 60; fewer exercises paging in small pools). */
    private readonly pageSize: number,
    private readonly clock: () => number,
    private readonly triggerFunction: string,
  ) {}

  users(): ModelUser[] {
    return [...this.byUsername.values()];
  }

  byName(username: string): ModelUser | undefined {
    return this.byUsername.get(username);
  }

  bySub(sub: string): ModelUser | undefined {
    return this.users().find((u) => u.sub === sub);
  }

  /** A new user; undefined when the username is taken (UsernameExistsException). */
  create(username: string, status: Status, attributes: Record<string, string>): ModelUser | undefined {
    if (this.byUsername.has(username)) return undefined;
    const sub = `00000000-0000-4000-8000-${String(this.nextSub++).padStart(12, "0")}`;
    const user: ModelUser = { sub, username, status, enabled: true, attributes: { ...attributes, sub }, lastModified: this.clock() };
    this.byUsername.set(username, user);
    this.snap();
    return user;
  }

  update(user: ModelUser, change: (u: ModelUser) => void): void {
    change(user);
    user.lastModified = this.clock();
    this.snap();
  }

  remove(user: ModelUser): void {
    this.byUsername.delete(user.username);
    this.snap();
  }

  /** The user as Cognito held them at that last-modified time. */
  version(sub: string, lastModified: number): ModelUser | undefined {
    return this.history.get(sub)?.find((u) => u.lastModified === lastModified);
  }

  private snap() {
    this.snapshots.push(this.users().map((u) => structuredClone(u)));
    for (const u of this.users()) {
      const versions = this.history.get(u.sub) ?? [];
      if (versions.at(-1)?.lastModified !== u.lastModified) versions.push(structuredClone(u));
      this.history.set(u.sub, versions);
    }
  }

  private lagged(): ModelUser[] {
    return this.snapshots[Math.max(0, this.snapshots.length - 1 - this.faults.lag)];
  }

  private throttled(operation: string) {
    if (this.faults.throttleCalls <= 0) return;
    if (this.faults.throttleOperation && this.faults.throttleOperation !== operation) return;
    this.faults.throttleCalls--;
    throw error("TooManyRequestsException", "Rate exceeded");
  }

  static asListed(u: ModelUser): UserType {
    return {
      Username: u.username,
      Attributes: Object.entries(u.attributes).map(([Name, Value]) => ({ Name, Value })),
      UserStatus: u.status,
      Enabled: u.enabled,
      UserLastModifiedDate: new Date(u.lastModified),
      UserCreateDate: new Date(u.lastModified),
    };
  }

  readonly client: Pick<CognitoIdentityProviderClient, "send"> = {
    send: (async (command: { constructor: { name: string }; input: Record<string, any> }) => {
      this.throttled(command.constructor.name.replace(/Command$/, ""));
      const input = command.input;
      switch (command.constructor.name) {
        case "ListUsersCommand":
          return this.listUsers(input);
        case "AdminGetUserCommand": {
          if (input.UserPoolId !== this.userPoolId) throw error("ResourceNotFoundException", "User pool does not exist.");
          const user = this.byUsername.get(input.Username) ?? this.bySub(input.Username);
          if (!user) throw error("UserNotFoundException", "User does not exist.");
          const listed = CognitoModel.asListed(user);
          return { Username: listed.Username, UserAttributes: listed.Attributes, UserStatus: listed.UserStatus, Enabled: listed.Enabled, UserLastModifiedDate: listed.UserLastModifiedDate };
        }
        case "DescribeUserPoolCommand":
          if (input.UserPoolId !== this.userPoolId) throw error("ResourceNotFoundException", "User pool does not exist.");
          return { UserPool: { Id: this.userPoolId, EstimatedNumberOfUsers: this.byUsername.size, LambdaConfig: { PostConfirmation: `arn:aws:lambda:us-east-1:000000000000:function:${this.triggerFunction}` } } };
        default:
          throw new Error(`the Cognito model does not answer ${command.constructor.name}`);
      }
    }) as CognitoIdentityProviderClient["send"],
  };

  private listUsers(input: Record<string, any>) {
    if (input.UserPoolId !== this.userPoolId) throw error("ResourceNotFoundException", "User pool does not exist.");
    if (input.Filter !== undefined) {
      const sub = SUB_FILTER.exec(input.Filter)?.[1];
      if (sub === undefined) throw error("InvalidParameterException", "Invalid filter");
      const found = this.lagged().find((u) => u.sub === sub);
      return { Users: found ? [CognitoModel.asListed(found)] : [] };
    }
    // A token names the snapshot and the position: a listing sees one consistent (if old) pool.
    let snapshot: number;
    let offset: number;
    let listing: Listing;
    if (input.PaginationToken) {
      const parsed = /^(\d+):(\d+):(\d+)$/.exec(input.PaginationToken);
      if (!parsed) throw error("InvalidParameterException", "Invalid pagination token");
      [snapshot, offset] = [Number(parsed[1]), Number(parsed[2])];
      listing = this.listings[Number(parsed[3])];
    } else {
      snapshot = Math.max(0, this.snapshots.length - 1 - this.faults.lag);
      offset = 0;
      listing = { pages: 0, finished: false, users: this.faults.emptyListing ? 0 : this.snapshots[snapshot].length };
      this.listings.push(listing);
    }
    const all = this.faults.emptyListing ? [] : this.snapshots[snapshot];
    const size = Math.min(this.pageSize, input.Limit ?? 60);
    const page = all.slice(offset, offset + size);
    const more = offset + size < all.length;
    listing.pages++;
    if (!more) listing.finished = true;
    return { Users: page.map((u) => CognitoModel.asListed(u)), PaginationToken: more ? `${snapshot}:${offset + size}:${this.listings.indexOf(listing)}` : undefined };
  }
}
