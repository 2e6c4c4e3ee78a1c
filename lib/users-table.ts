import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { Construct } from "constructs";
import { USERS_TABLE_KEY } from "./config";

export interface UsersTableProps {
  /** Table name. */
  readonly tableName: string;
  /** Customer KMS key ARN. @default undefined (AWS-owned key) */
  readonly kmsKeyArn?: string;
  /** Refuse DeleteTable. @default true */
  readonly deletionProtection?: boolean;
  /** Name of a GSI on `email`. @default undefined (no index) */
  readonly emailIndexName?: string;
}

/** The Users table: one row per Cognito user, keyed by `sub`. */
export class UsersTable extends Construct {
  readonly table: DynamodbTable;

  constructor(scope: Construct, id: string, props: UsersTableProps) {
    super(scope, id);
    const attributes = [{ name: USERS_TABLE_KEY, type: "S" }];
    if (props.emailIndexName) attributes.push({ name: "email", type: "S" });

    this.table = new DynamodbTable(this, "table", {
      name: props.tableName,
      billingMode: "PAY_PER_REQUEST",
      hashKey: USERS_TABLE_KEY,
      attribute: attributes,
      pointInTimeRecovery: { enabled: true },
      serverSideEncryption: props.kmsKeyArn ? { enabled: true, kmsKeyArn: props.kmsKeyArn } : { enabled: false },
      deletionProtectionEnabled: props.deletionProtection ?? true,
      globalSecondaryIndex: props.emailIndexName
        ? [{ name: props.emailIndexName, hashKey: "email", projectionType: "KEYS_ONLY" }]
        : undefined,
    });
  }
}
