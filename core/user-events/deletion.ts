/**
 * What a deleted user's row becomes, decided once: the function applies it,
 * and the stack grants DeleteItem only when it is "delete".
 */
import type { OnUserDeleted } from "../function-settings";

/** keep: untouched; erase: personal fields removed, deletedAt set; tombstone: the erasure plus AppSync's soft delete; delete: DeleteItem. */
export type DeletedRow = "keep" | "erase" | "tombstone" | "delete";

/** Under DataStore conflict detection a delete is AppSync's soft delete: clients must see `_deleted`, so the row stays as a tombstone. */
export function deletedRow(onUserDeleted: OnUserDeleted, conflictDetection: boolean): DeletedRow {
  if (onUserDeleted === "delete") return conflictDetection ? "tombstone" : "delete";
  return onUserDeleted;
}
