import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { Construct } from "constructs";
import { kmsThroughDynamoDB, type PolicyStatement } from "./service-role";
import type { UsersTableSpec } from "./specs";
import type { RowWriteTarget } from "./amplify-api";
import type { RowWrite } from "../core/user-events/deletion";

/** What a function does with user rows; each maps to the exact DynamoDB actions it needs. */
export type TableAccess = "describe" | "create" | "get" | "read" | "scan" | "update" | "delete";

const ACCESS: Record<TableAccess, { readonly sid: string; readonly actions: readonly string[] }> = {
  describe: { sid: "DescribeUserTable", actions: ["dynamodb:DescribeTable"] },
  create: { sid: "CreateUserRows", actions: ["dynamodb:PutItem"] },
  get: { sid: "GetUserRows", actions: ["dynamodb:GetItem"] },
  read: { sid: "ReadUserRows", actions: ["dynamodb:GetItem", "dynamodb:BatchGetItem"] },
  scan: { sid: "ScanUserRows", actions: ["dynamodb:Scan"] },
  update: { sid: "UpdateUserRows", actions: ["dynamodb:UpdateItem"] },
  delete: { sid: "DeleteUserRows", actions: ["dynamodb:DeleteItem"] },
};

export interface UsersTableProps {
  readonly spec: UsersTableSpec;
  /** Where an existing table lives, to build its ARN without an API-calling data source. Required when `spec.existing`. */
  readonly location?: { readonly partition: string; readonly region: string; readonly account: string };
}

/**
 * The Users table: one row per Cognito user. Created here, or an existing one
 * (then only its ARN is known, built from name, region and account). Either
 * way it hands out the grants for each access.
 */
export class UsersTable extends Construct implements RowWriteTarget {
  /** The table resource; undefined for an existing table. */
  readonly table?: DynamodbTable;
  readonly tableName: string;
  readonly tableArn: string;
  /** The stream's ARN, when `spec.streamView` asks for one. */
  readonly streamArn?: string;
  private readonly kmsKeyArn?: string;

  constructor(scope: Construct, id: string, props: UsersTableProps) {
    super(scope, id);
    const { spec } = props;
    this.kmsKeyArn = spec.kmsKeyArn;
    if (spec.existing) {
      if (!props.location) throw new Error("an existing Users table needs its location (partition, region, account) to build its ARN");
      const { partition, region, account } = props.location;
      this.tableName = spec.tableName;
      this.tableArn = `arn:${partition}:dynamodb:${region}:${account}:table/${spec.tableName}`;
      return;
    }
    const attributes = [{ name: spec.partitionKey, type: "S" }];
    if (spec.sortKey) attributes.push({ name: spec.sortKey, type: "S" });
    if (spec.emailIndexName) attributes.push({ name: "email", type: "S" });

    this.table = new DynamodbTable(this, "table", {
      name: spec.tableName,
      billingMode: "PAY_PER_REQUEST",
      hashKey: spec.partitionKey,
      rangeKey: spec.sortKey,
      attribute: attributes,
      pointInTimeRecovery: { enabled: true },
      serverSideEncryption: spec.kmsKeyArn ? { enabled: true, kmsKeyArn: spec.kmsKeyArn } : { enabled: false },
      deletionProtectionEnabled: spec.deletionProtection,
      globalSecondaryIndex: spec.emailIndexName
        ? [{ name: spec.emailIndexName, hashKey: "email", projectionType: "KEYS_ONLY" }]
        : undefined,
      ...(spec.streamView ? { streamEnabled: true, streamViewType: spec.streamView } : {}),
    });
    this.tableName = this.table.name;
    this.tableArn = this.table.arn;
    this.streamArn = spec.streamView ? this.table.streamArn : undefined;
  }

  /**
   * Statements for a consumer of the table's stream (e.g. a Lambda event
   * source mapping): the four stream actions Lambda's poller needs, on this
   * table's streams only, as DynamoDB's own policy example scopes them.
   */
  grantStreamRead(): PolicyStatement[] {
    if (!this.streamArn) throw new Error("the Users table has no stream: set table.streamView (e.g. NEW_AND_OLD_IMAGES) to read it");
    const key = this.grant().map((s) => ({ ...s, sid: "DecryptStreamRecords", actions: ["kms:Decrypt"] }));
    return [
      {
        sid: "ReadUserRowStream",
        effect: "Allow",
        actions: ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"],
        resources: [`${this.tableArn}/stream/*`],
      },
      ...key,
    ];
  }

  /** Row writes are table accesses of the same names: PutItem, UpdateItem, DeleteItem. */
  grantWrites(...writes: RowWrite[]): PolicyStatement[] {
    return writes.length ? this.grant(...writes) : [];
  }

  /** Statements allowing exactly these accesses on this table (and its KMS key, only through DynamoDB). */
  grant(...accesses: TableAccess[]): PolicyStatement[] {
    const statements: PolicyStatement[] = accesses.map((access) => ({
      sid: ACCESS[access].sid,
      effect: "Allow",
      actions: [...ACCESS[access].actions],
      resources: [this.tableArn],
    }));
    if (this.kmsKeyArn) statements.push(kmsThroughDynamoDB(this.kmsKeyArn));
    return statements;
  }
}
