import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { Construct } from "constructs";
import { SCRATCH_TABLE } from "../core/reconcile/scratch";
import { kmsThroughDynamoDB, type PolicyStatement } from "./service-role";

export interface ScratchTableProps {
  readonly tableName: string;
  /** Encrypts the scratch data (it holds subs and pruned-row backups) with this key. @default AWS-owned key */
  readonly kmsKeyArn?: string;
}

/**
 * The scheduled reconcile's scratch table: Bloom filter parts, orphan
 * candidates and pruned-row backups, keyed by run and expired by TTL.
 */
export class ScratchTable extends Construct {
  readonly table: DynamodbTable;
  private readonly kmsKeyArn?: string;

  constructor(scope: Construct, id: string, props: ScratchTableProps) {
    super(scope, id);
    this.kmsKeyArn = props.kmsKeyArn;
    this.table = new DynamodbTable(this, "table", {
      name: props.tableName,
      billingMode: "PAY_PER_REQUEST",
      hashKey: SCRATCH_TABLE.partitionKey,
      rangeKey: SCRATCH_TABLE.sortKey,
      attribute: [
        { name: SCRATCH_TABLE.partitionKey, type: "S" },
        { name: SCRATCH_TABLE.sortKey, type: "S" },
      ],
      ttl: { attributeName: SCRATCH_TABLE.ttlAttribute, enabled: true },
      serverSideEncryption: props.kmsKeyArn ? { enabled: true, kmsKeyArn: props.kmsKeyArn } : { enabled: false },
      // Scratch data expires within a day (backups within 30): no PITR, free to destroy.
      deletionProtectionEnabled: false,
    });
  }

  /** Exactly what the worker does with it: batch writes and queries. */
  grantReadWrite(): PolicyStatement[] {
    const statements: PolicyStatement[] = [
      { sid: "UseReconcileScratch", effect: "Allow", actions: ["dynamodb:BatchWriteItem", "dynamodb:Query"], resources: [this.table.arn] },
    ];
    if (this.kmsKeyArn) statements.push(kmsThroughDynamoDB(this.kmsKeyArn));
    return statements;
  }
}
