import { DataAwsIamPolicyDocument, type DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import type { Construct } from "constructs";

/** One IAM statement, as a policy document takes it. */
export type PolicyStatement = DataAwsIamPolicyDocumentStatement;

export interface ServiceRoleProps {
  readonly roleName: string;
  readonly policyName: string;
  /** The AWS service that assumes the role, e.g. "lambda.amazonaws.com". */
  readonly service: string;
  /** Only on behalf of this account (confused-deputy guard). @default no condition */
  readonly sourceAccount?: string;
  /** Exactly what the role may do. */
  readonly statements: readonly PolicyStatement[];
}

/** Use of a customer KMS key, only through DynamoDB in the key's region (what an encrypted table needs). */
export function kmsThroughDynamoDB(kmsKeyArn: string): PolicyStatement {
  return {
    sid: "UseTableKeyThroughDynamoDB",
    effect: "Allow",
    actions: ["kms:Decrypt", "kms:GenerateDataKey"],
    resources: [kmsKeyArn],
    // DynamoDB requires the key in the table's region, so the ARN names it.
    condition: [{ test: "StringEquals", variable: "kms:ViaService", values: [`dynamodb.${kmsKeyArn.split(":")[3]}.amazonaws.com`] }],
  };
}

/** Statements merged by Sid: IAM requires Sids to be unique, and two grants may hand out the same one (a KMS key). */
export function mergeStatements(statements: readonly PolicyStatement[]): PolicyStatement[] {
  const bySid = new Map<string, PolicyStatement>();
  const merged: PolicyStatement[] = [];
  for (const st of statements) {
    const seen = st.sid ? bySid.get(st.sid) : undefined;
    if (!seen) {
      if (st.sid) bySid.set(st.sid, st);
      merged.push(st);
    } else if (JSON.stringify(seen) !== JSON.stringify(st)) {
      throw new Error(`two different IAM statements share the Sid ${st.sid}; give one another Sid`);
    }
  }
  return merged;
}

/**
 * A role one AWS service assumes, with one inline policy from a policy
 * document (readable in a plan). Created directly in `scope` (ids "role",
 * "policy-document", "policy"), so Terraform addresses stay stable.
 */
export function createServiceRole(scope: Construct, props: ServiceRoleProps): { role: IamRole; policy: IamRolePolicy; document: DataAwsIamPolicyDocument } {
  const role = new IamRole(scope, "role", {
    name: props.roleName,
    assumeRolePolicy: JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: props.service },
          Action: "sts:AssumeRole",
          ...(props.sourceAccount ? { Condition: { StringEquals: { "aws:SourceAccount": props.sourceAccount } } } : {}),
        },
      ],
    }),
  });
  // A policy document is computed locally (no API call) and keeps each statement's actions
  // readable in `terraform plan` even while the ARNs are still unknown.
  const document = new DataAwsIamPolicyDocument(scope, "policy-document", { statement: mergeStatements(props.statements) });
  const policy = new IamRolePolicy(scope, "policy", { name: props.policyName, role: role.id, policy: document.json });
  return { role, policy, document };
}
