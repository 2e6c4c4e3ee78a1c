/** What a simulated history runs with, and the fixed names of its world. */
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import type { KeyLayout } from "../../core/row-key";
import type { SimEvent } from "./events";

export interface SimConfig {
  readonly layout: "default" | "single-table" | "suffix";
  readonly onUserDeleted: "erase" | "delete" | "keep";
  readonly amplify: "off" | "owner" | "conflict-detection";
  readonly rowsAtInvite: boolean;
  readonly prune: boolean;
  /** Users per ListUsers page. */
  readonly pageSize: number;
}

export const POOL = "us-east-1_SimPool01";
export const OTHER_POOL = "us-east-1_OtherPool";
/** The other pool's user whose row shares the table. */
export const OTHER_POOL_SUB = "ffffffff-0000-4000-8000-000000000001";
export const TABLE = "sim-users";
export const SCRATCH = "sim-reconcile-scratch";
export const TRIGGER = "sim-post-confirmation";
/** The pool's user that histories never delete. */
export const RESIDENT = "resident";

export const LAYOUTS: Record<SimConfig["layout"], KeyLayout> = {
  default: { partitionKey: { name: "id", value: "{sub}" } },
  "single-table": { partitionKey: { name: "pk", value: "USER#{sub}" }, sortKey: { name: "sk", value: "PROFILE" } },
  suffix: { partitionKey: { name: "id", value: "{sub}#P" } },
};

export type Actor = "trigger" | "events" | "reconcile" | "app" | "restore";
/** The actors whose table writes invariant 6 checks, and the commands that write. */
export const SYNC_ACTORS = new Set<Actor>(["trigger", "events", "reconcile"]);
export const WRITES = new Set(["PutItemCommand", "UpdateItemCommand", "DeleteItemCommand"]);

/** Replaces a command an actor sends: how tests prove the simulation catches a broken writer. */
export type Sabotage = (actor: Actor, command: any) => any;

export interface PendingTrigger {
  readonly sub: string;
  readonly username: string;
  readonly attributes: Record<string, string>;
}

export interface PendingEvent {
  readonly event: SimEvent;
  attempts: number;
}

export interface PruneDeletion {
  /** engine-<n> or the worker run's id. */
  readonly run: string;
  readonly key: Record<string, AttributeValue>;
  readonly item: Record<string, AttributeValue>;
}

/** A write a sync actor made to the table, as the row was just before and just after it. */
export interface SyncWrite {
  readonly actor: Actor;
  readonly command: string;
  readonly key: string;
  readonly before?: Record<string, AttributeValue>;
  readonly after?: Record<string, AttributeValue>;
}

/** A problem an invariant found: the history fails with it. */
export class InvariantViolation extends Error {
  name = "InvariantViolation";
}
