/** The row key layout the table settings describe (shared by the stack, the sandbox and the checks). */
import type { KeyLayout } from "../../core/row-key";
import type { UserSyncConfig } from "./props";

export function keyLayoutOf(config: { readonly table: Pick<UserSyncConfig["table"], "partitionKey" | "partitionKeyValue" | "sortKey" | "sortKeyValue"> }): KeyLayout {
  const { partitionKey, partitionKeyValue, sortKey, sortKeyValue } = config.table;
  return {
    partitionKey: { name: partitionKey, value: partitionKeyValue },
    ...(sortKey ? { sortKey: { name: sortKey, value: sortKeyValue ?? "" } } : {}),
  };
}
