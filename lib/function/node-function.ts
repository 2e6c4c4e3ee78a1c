import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import type { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { Construct } from "constructs";
import type { FunctionNames } from "../names";
import type { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { createServiceRole, mergeStatements, type PolicyStatement } from "../service-role";
import type { PackagingMode } from "../settings/props";
import { BUNDLE_HANDLER } from "./bundle";
import { FunctionCode } from "./function-code";

export type { PolicyStatement } from "../service-role";

export interface NodeFunctionProps {
  /** The function's directory under `functions/` (its entry is `handler.ts` there). */
  readonly entry: string;
  /** Function, role, policy and log group names. */
  readonly names: FunctionNames;
  /** What the function may do, besides writing its own logs (more with addToRolePolicy). @default [] */
  readonly statements?: readonly PolicyStatement[];
  /** @default {} */
  readonly environment?: Record<string, string>;
  /** @default 3 (Lambda's default) */
  readonly timeoutSeconds?: number;
  readonly memoryMb: number;
  /** One of CloudWatch Logs' retention values. */
  readonly logRetentionDays: number;
  /** How the bundle is zipped (see FunctionCode). */
  readonly packaging: PackagingMode;
  /** esbuild writes `<bundleRoot>/<entry>/index.mjs`. @default dist */
  readonly bundleRoot?: string;
}

/**
 * A Node.js Lambda from `functions/<entry>/handler.ts`: bundled and zipped at
 * synth, with its own log group (retention set, created first) and a role that
 * can do exactly what `statements` say plus write its own logs.
 */
export class NodeFunction extends Construct {
  readonly function: LambdaFunction;
  readonly role: IamRole;
  readonly logGroup: CloudwatchLogGroup;
  readonly code: FunctionCode;
  private readonly statements: PolicyStatement[];
  private readonly policyDocument: DataAwsIamPolicyDocument;

  constructor(scope: Construct, id: string, props: NodeFunctionProps) {
    super(scope, id);
    this.code = new FunctionCode(this, "code", { entry: props.entry, packaging: props.packaging, bundleRoot: props.bundleRoot });

    this.logGroup = new CloudwatchLogGroup(this, "logs", {
      name: props.names.logGroup,
      retentionInDays: props.logRetentionDays,
    });

    this.statements = [...(props.statements ?? [])];
    const { role, policy, document } = createServiceRole(this, {
      roleName: props.names.role,
      policyName: props.names.policy,
      service: "lambda.amazonaws.com",
      statements: this.policyStatements(),
    });
    this.role = role;
    this.policyDocument = document;

    this.function = new LambdaFunction(this, "function", {
      functionName: props.names.function,
      role: this.role.arn,
      runtime: "nodejs22.x",
      architectures: ["arm64"],
      handler: BUNDLE_HANDLER,
      filename: this.code.path,
      sourceCodeHash: this.code.sourceCodeHash,
      timeout: props.timeoutSeconds ?? 3,
      memorySize: props.memoryMb,
      loggingConfig: { logFormat: "JSON", logGroup: this.logGroup.name },
      environment: props.environment && Object.keys(props.environment).length > 0 ? { variables: props.environment } : undefined,
      // The log group must exist first, or Lambda creates one with no retention.
      dependsOn: [this.logGroup, policy],
    });
  }

  /** Lets the function do more (grants a resource hands out, e.g. table.grant("create")). */
  addToRolePolicy(...statements: PolicyStatement[]): void {
    this.statements.push(...statements);
    this.policyDocument.putStatement(this.policyStatements());
  }

  /** Its grants, then writing its own logs: log events are authorised on the stream ARN, so streams of this one log group only. */
  private policyStatements(): PolicyStatement[] {
    return mergeStatements([...this.statements, { sid: "WriteOwnLogs", effect: "Allow", actions: ["logs:CreateLogStream", "logs:PutLogEvents"], resources: [`${this.logGroup.arn}:log-stream:*`] }]);
  }
}
