/**
 * Before a run touches anything: the table and the pool exist, and the table
 * is not another pool's (a wrong --user-pool-id would otherwise write this
 * pool's users into it, or call all its rows orphans).
 */
import { DescribeUserPoolCommand } from "@aws-sdk/client-cognito-identity-provider";
import { DescribeTableCommand, ScanCommand } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { layoutOf, keyNames, subOfKey } from "../row-key";
import { projection } from "../user-store";
import { sendCounted, type SyncContext } from "./sync-users";

/** The run cannot start; the message names what is wrong and the fix. */
export class PreflightError extends Error {
  name = "PreflightError";
}

/** Rows looked at to tell whose table this is. */
const OWNERSHIP_SAMPLE = 100;

const notFound = (err: unknown) => (err as Error)?.name === "ResourceNotFoundException";

export async function preflight(ctx: SyncContext & { readonly allowForeignTable?: boolean }): Promise<void> {
  const [table, pool] = await Promise.allSettled([
    sendCounted<any>(ctx, ctx.dynamodb, new DescribeTableCommand({ TableName: ctx.tableName })),
    sendCounted<any>(ctx, ctx.cognito, new DescribeUserPoolCommand({ UserPoolId: ctx.userPoolId })),
  ]);
  if (table.status === "rejected") {
    if (notFound(table.reason)) throw new PreflightError(`table ${JSON.stringify(ctx.tableName)} does not exist in this account and region (DescribeTable); check --table and --region`);
    throw table.reason;
  }
  if (pool.status === "rejected") {
    if (notFound(pool.reason)) throw new PreflightError(`user pool ${JSON.stringify(ctx.userPoolId)} does not exist in this account and region (DescribeUserPool); check --user-pool-id and --region`);
    throw pool.reason;
  }
  ctx.report.estimatedUsers = pool.value.UserPool?.EstimatedNumberOfUsers;
  const trigger: string | undefined = pool.value.UserPool?.LambdaConfig?.PostConfirmation;
  // A name, or an ARN with or without a qualifier.
  const triggerName = trigger?.replace(/^arn:[^:]+:lambda:[^:]+:[^:]+:function:/, "").split(":")[0];
  if (ctx.expectedTrigger && triggerName !== ctx.expectedTrigger) ctx.report.triggerDrift = { expected: ctx.expectedTrigger, actual: trigger ?? null };

  const layout = layoutOf(ctx);
  const sample = await sendCounted<any>(ctx, ctx.dynamodb, new ScanCommand({ TableName: ctx.tableName, Limit: OWNERSHIP_SAMPLE, ...projection([...keyNames(layout), "userPoolId"]) }));
  const pools = new Set<string>();
  let own = 0;
  for (const item of sample.Items ?? []) {
    const row = unmarshall(item);
    if (subOfKey(layout, row) === undefined || typeof row.userPoolId !== "string") continue;
    if (row.userPoolId === ctx.userPoolId) own++;
    else pools.add(row.userPoolId);
  }
  if (own === 0 && pools.size > 0 && !ctx.allowForeignTable) {
    throw new PreflightError(
      `table ${JSON.stringify(ctx.tableName)} holds rows of user pool ${[...pools].join(", ")} and none of ${ctx.userPoolId}: check --user-pool-id and --table (to reconcile into it anyway, pass --allow-foreign-table)`,
    );
  }
}
