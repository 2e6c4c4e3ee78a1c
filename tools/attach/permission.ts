/**
 * Cognito can only run a trigger whose resource policy lets cognito-idp invoke
 * it from that pool; without it every sign-up in the pool fails. The stack
 * grants it (aws_lambda_permission) for the pool in userPool.existing, so
 * attach checks the grant before it points the pool at the function.
 */
import { GetPolicyCommand, type LambdaClient } from "@aws-sdk/client-lambda";

interface Statement {
  Effect?: string;
  Principal?: { Service?: string | string[] } | string;
  Action?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Whether a resource-policy statement lets Cognito invoke the function for this pool. */
export function allowsPool(statement: Statement, poolArn: string): boolean {
  if (statement.Effect !== "Allow") return false;
  const principal = typeof statement.Principal === "string" ? [statement.Principal] : list(statement.Principal?.Service);
  if (!principal.includes("cognito-idp.amazonaws.com")) return false;
  if (!list(statement.Action).some((a) => a === "lambda:InvokeFunction" || a === "lambda:*")) return false;
  const sourceArns = Object.values(statement.Condition ?? {}).flatMap((c) => list(c["AWS:SourceArn"]));
  return sourceArns.length === 0 || sourceArns.includes(poolArn);
}

export type PermissionCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export async function cognitoMayInvoke(lambda: Pick<LambdaClient, "send">, functionArn: string, poolArn: string): Promise<PermissionCheck> {
  let policy: string | undefined;
  try {
    policy = (await lambda.send(new GetPolicyCommand({ FunctionName: functionArn }))).Policy;
  } catch (err) {
    const name = (err as Error).name;
    if (name === "ResourceNotFoundException") policy = undefined;
    else return { ok: false, reason: `could not read the function's resource policy (${name}: ${(err as Error).message})` };
  }
  const statements: Statement[] = policy ? (JSON.parse(policy) as { Statement?: Statement[] }).Statement ?? [] : [];
  if (statements.some((s) => allowsPool(s, poolArn))) return { ok: true };
  return { ok: false, reason: `${functionArn} does not let cognito-idp.amazonaws.com invoke it from ${poolArn}, so every sign-up in that pool would fail` };
}
