/** Every stage-prefixed name the stack creates, from the prefix and stage settings. */
import type { UserSyncConfig } from "./settings";

export interface FunctionNames {
  readonly function: string;
  readonly role: string;
  readonly policy: string;
  readonly logGroup: string;
}

/** Names of one function and the role, policy and log group that belong to it. */
export function functionNames(base: string, fn: string): FunctionNames {
  const name = `${base}-${fn}`;
  return { function: name, role: `${name}-role`, policy: `${name}-policy`, logGroup: `/aws/lambda/${name}` };
}

export function resourceNames(config: Pick<UserSyncConfig, "namePrefix" | "stage">) {
  const base = `${config.namePrefix}-${config.stage}`;
  return {
    /** The stack, and the prefix of every name below. */
    stack: base,
    usersTable: `${base}-users`,
    emailIndex: "email-index",
    // Same name as the table, but a different resource type. Renaming a pool replaces it (its users are lost), so it stays.
    userPool: `${base}-users`,
    userPoolClient: `${base}-app`,
    postConfirmation: functionNames(base, "post-confirmation"),
  };
}
