/**
 * What a deleted user's row becomes, decided once: the function applies it,
 * and the stack grants exactly the writes it needs.
 */
import type { OnUserDeleted } from "../function-settings";

/** keep: untouched; erase: personal fields removed, deletedAt set; tombstone: the erasure plus AppSync's soft delete; delete: the row goes. */
export type DeletedRow = "keep" | "erase" | "tombstone" | "delete";

/**
 * Under DataStore conflict detection a deleted user's row must reach clients
 * as AppSync's soft delete (`_deleted`): an erased row without it would stay
 * on their devices as a live record with empty fields. So both erase and
 * delete become the tombstone there (personal fields gone first).
 */
export function deletedRow(onUserDeleted: OnUserDeleted, conflictDetection: boolean): DeletedRow {
  if (onUserDeleted === "keep") return "keep";
  if (conflictDetection) return "tombstone";
  return onUserDeleted;
}

/** A write to a row, as the stack grants it (on the table, or on the API's mutation fields). */
export type RowWrite = "create" | "update" | "delete";

/**
 * The writes a deletion needs. The table: an erasure or tombstone is one
 * UpdateItem, a delete one DeleteItem. The API: an erasure is updateUser, a
 * tombstone or delete is updateUser (personal fields gone) then deleteUser.
 */
export function deletionWrites(action: DeletedRow, writer: "table" | "api"): RowWrite[] {
  if (action === "keep") return [];
  if (action === "erase") return ["update"];
  if (writer === "api") return ["update", "delete"];
  return action === "delete" ? ["delete"] : ["update"];
}
