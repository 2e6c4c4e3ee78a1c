import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { Construct } from "constructs";
import type { PolicyStatement } from "./service-role";
import type { UsersTableSpec } from "./specs";

/** What a function does with user rows; each maps to the exact DynamoDB actions it needs. */
export type TableAccess = "describe" | "create" | "read" | "scan" | "update" | "delete";

const ACCESS: Record<TableAccess, { readonly sid: string; readonly actions: readonly string[] }> = {
  describe: { sid: "DescribeUserTable", actions: ["dynamodb:DescribeTable"] },
  create: { sid: "CreateUserRows", actions: ["dynamodb:PutItem"] },
  read: { sid: "ReadUserRows", actions: ["dynamodb:GetItem", "dynamodb:BatchGetItem"] },
  scan: { sid: "ScanUserRows", actions: ["dynamodb:Scan"] },
  update: { sid: "UpdateUserRows", actions: ["dynamodb:UpdateItem"] },
  delete: { sid: "DeleteUserRows", actions: ["dynamodb:DeleteItem"] },
};

export interface UsersTableProps {
  readonly spec: UsersTableSpec;
}

/** The Users table: one row per Cognito user, keyed by `sub`. Hands out the grants for each access. */
export class UsersTable extends Construct {
  readonly table: DynamodbTable;
  private readonly kmsKeyArn?: string;

  constructor(scope: Construct, id: string, props: UsersTableProps) {
    super(scope, id);
    const { spec } = props;
    this.kmsKeyArn = spec.kmsKeyArn;
    const attributes = [{ name: spec.partitionKey, type: "S" }];
    if (spec.emailIndexName) attributes.push({ name: "email", type: "S" });

    this.table = new DynamodbTable(this, "table", {
      name: spec.tableName,
      billingMode: "PAY_PER_REQUEST",
      hashKey: spec.partitionKey,
      attribute: attributes,
      pointInTimeRecovery: { enabled: true },
      serverSideEncryption: spec.kmsKeyArn ? { enabled: true, kmsKeyArn: spec.kmsKeyArn } : { enabled: false },
      deletionProtectionEnabled: spec.deletionProtection,
      globalSecondaryIndex: spec.emailIndexName
        ? [{ name: spec.emailIndexName, hashKey: "email", projectionType: "KEYS_ONLY" }]
        : undefined,
    });
  }

  /** Statements allowing exactly these accesses on this table (and its KMS key, only through DynamoDB). */
  grant(...accesses: TableAccess[]): PolicyStatement[] {
    const statements: PolicyStatement[] = accesses.map((access) => ({
      sid: ACCESS[access].sid,
      effect: "Allow",
      actions: [...ACCESS[access].actions],
      resources: [this.table.arn],
    }));
    if (this.kmsKeyArn) {
      statements.push({
        sid: "UseTableKeyThroughDynamoDB",
        effect: "Allow",
        actions: ["kms:Decrypt", "kms:GenerateDataKey"],
        resources: [this.kmsKeyArn],
        // DynamoDB requires the key in the table's region, so the ARN names it.
        condition: [{ test: "StringEquals", variable: "kms:ViaService", values: [`dynamodb.${this.kmsKeyArn.split(":")[3]}.amazonaws.com`] }],
      });
    }
    return statements;
  }
}
