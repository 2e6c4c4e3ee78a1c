/** The Users table as plain data: the construct turns it into Terraform, the sandbox into a CreateTable call. */
import { resourceNames } from "../names";
import { keyLayoutOf } from "../settings/load";
import type { UserSyncConfig } from "../settings/props";

export interface UsersTableSpec {
  readonly tableName: string;
  /** String partition key. */
  readonly partitionKey: string;
  /** String sort key, for single-table designs. @default undefined (none) */
  readonly sortKey?: string;
  /** The table exists already: the stack creates none. @default false */
  readonly existing: boolean;
  /** A keys-only GSI on `email`. @default undefined (none) */
  readonly emailIndexName?: string;
  /** Customer KMS key. @default undefined (AWS-owned key) */
  readonly kmsKeyArn?: string;
  readonly deletionProtection: boolean;
  /** A DynamoDB stream of this view. @default undefined (no stream) */
  readonly streamView?: string;
}

export function usersTableSpec(config: UserSyncConfig): UsersTableSpec {
  const names = resourceNames(config);
  const layout = keyLayoutOf(config);
  return {
    tableName: config.table.existing ?? names.usersTable,
    partitionKey: layout.partitionKey.name,
    sortKey: layout.sortKey?.name,
    existing: Boolean(config.table.existing),
    emailIndexName: config.emailIndex ? names.emailIndex : undefined,
    kmsKeyArn: config.kmsKeyArn,
    deletionProtection: config.deletionProtection,
    streamView: config.table.streamView,
  };
}
