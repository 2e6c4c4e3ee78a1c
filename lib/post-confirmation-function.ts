import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import {
  DataAwsIamPolicyDocument,
  type DataAwsIamPolicyDocumentStatement,
} from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { Construct } from "constructs";
import { BUNDLE_HANDLER } from "../functions/bundle";
import { COGNITO_TRIGGER_BUDGET_MS } from "./config";
import type { FunctionPackage } from "./function-package";

export interface PostConfirmationFunctionProps {
  readonly functionName: string;
  readonly roleName: string;
  readonly policyName: string;
  readonly logGroupName: string;
  readonly code: FunctionPackage;
  /** ARN of the Users table; the only resource the function may write. */
  readonly tableArn: string;
  /** Customer KMS key of the table, if any. @default undefined */
  readonly tableKmsKeyArn?: string;
  /** Environment (table name, attribute mapping). */
  readonly environment: Record<string, string>;
  /** @default 30 */
  readonly logRetentionDays?: number;
  /** @default 256 */
  readonly memoryMb?: number;
}

/** The PostConfirmation Lambda with its own log group and a role that can do exactly its job. */
export class PostConfirmationFunction extends Construct {
  readonly function: LambdaFunction;
  readonly role: IamRole;
  readonly logGroup: CloudwatchLogGroup;

  constructor(scope: Construct, id: string, props: PostConfirmationFunctionProps) {
    super(scope, id);

    this.logGroup = new CloudwatchLogGroup(this, "logs", {
      name: props.logGroupName,
      retentionInDays: props.logRetentionDays ?? 30,
    });

    this.role = new IamRole(this, "role", {
      name: props.roleName,
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
      }),
    });

    // A policy document (computed locally, no API call) keeps each statement's actions
    // readable in `terraform plan` even while the ARNs are still unknown.
    const statements: DataAwsIamPolicyDocumentStatement[] = [
      { sid: "CreateUserRows", effect: "Allow", actions: ["dynamodb:PutItem"], resources: [props.tableArn] },
      {
        // Log events are authorised on the stream ARN: streams of this one log group only.
        sid: "WriteOwnLogs",
        effect: "Allow",
        actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
        resources: [`${this.logGroup.arn}:log-stream:*`],
      },
    ];
    if (props.tableKmsKeyArn) {
      statements.push({
        sid: "UseTableKeyThroughDynamoDB",
        effect: "Allow",
        actions: ["kms:Decrypt", "kms:GenerateDataKey"],
        resources: [props.tableKmsKeyArn],
        // DynamoDB requires the key in the table's region, so the ARN names it.
        condition: [
          { test: "StringEquals", variable: "kms:ViaService", values: [`dynamodb.${props.tableKmsKeyArn.split(":")[3]}.amazonaws.com`] },
        ],
      });
    }
    const document = new DataAwsIamPolicyDocument(this, "policy-document", { statement: statements });
    const policy = new IamRolePolicy(this, "policy", {
      name: props.policyName,
      role: this.role.id,
      policy: document.json,
    });

    this.function = new LambdaFunction(this, "function", {
      functionName: props.functionName,
      role: this.role.arn,
      runtime: "nodejs22.x",
      architectures: ["arm64"],
      handler: BUNDLE_HANDLER,
      filename: props.code.path,
      sourceCodeHash: props.code.sourceCodeHash,
      timeout: COGNITO_TRIGGER_BUDGET_MS / 1000,
      memorySize: props.memoryMb ?? 256,
      loggingConfig: { logFormat: "JSON", logGroup: this.logGroup.name },
      environment: { variables: props.environment },
      // The log group must exist first, or Lambda creates one with no retention.
      dependsOn: [this.logGroup, policy],
    });
  }
}
