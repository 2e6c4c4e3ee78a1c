import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { LambdaFunctionEventInvokeConfig } from "@cdktf/provider-aws/lib/lambda-function-event-invoke-config";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { SqsQueuePolicy } from "@cdktf/provider-aws/lib/sqs-queue-policy";
import { Construct } from "constructs";
import { userEventsPattern } from "../core/user-events/cloudtrail";
import { deletionWrites, type DeletedRow, type RowWrite } from "../core/user-events/deletion";
import type { RowWriteTarget } from "./amplify-api";
import { NodeFunction } from "./function/node-function";
import type { PackagingMode } from "./settings/props";
import type { FunctionSpec } from "./specs";
import type { UsersTable } from "./users-table";

export interface UserEventsProps {
  /** The user-events function as it runs (entry, names, environment, timeout, memory): lib/specs' userEventsSpec. */
  readonly fn: FunctionSpec;
  readonly table: UsersTable;
  /** Where rows are written: the table, or the app's AppSync API. @default the table */
  readonly rows?: RowWriteTarget;
  /** The pool whose users' rows follow their changes and deletes. */
  readonly userPool: { readonly id: string; readonly arn: string };
  /** The EventBridge rule and the dead-letter queue. */
  readonly names: { readonly rule: string; readonly deadLetterQueue: string };
  /** Invitations (AdminCreateUser) give rows too: the rule matches that call. @default false */
  readonly rowsAtInvite?: boolean;
  /** What a deleted user's row becomes: it decides the deletion's grants. */
  readonly deletedRow: DeletedRow;
  readonly logRetentionDays: number;
  readonly packaging: PackagingMode;
  /** esbuild writes `<bundleRoot>/<function>/index.mjs`. @default dist */
  readonly bundleRoot?: string;
}

/** Lambda's async retries before an event goes to the dead-letter queue. */
const FUNCTION_RETRIES = 2;
/** How long an event may wait for a retry (Lambda's or EventBridge's) before it is dead-lettered. */
const MAX_EVENT_AGE_SECONDS = 6 * 3600;
/** SQS's longest retention: two weeks to look at (and redrive) a dead letter. */
const DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 3600;

/**
 * Deletes and profile changes within seconds: an EventBridge rule on Cognito's
 * API calls as CloudTrail records them invokes the user-events function
 * asynchronously. What EventBridge cannot deliver, and what still fails after
 * Lambda's retries, lands in one encrypted dead-letter queue.
 */
export class UserEvents extends Construct {
  readonly function: NodeFunction;
  readonly rule: CloudwatchEventRule;
  readonly deadLetterQueue: SqsQueue;

  constructor(scope: Construct, id: string, props: UserEventsProps) {
    super(scope, id);
    this.deadLetterQueue = new SqsQueue(this, "dead-letters", {
      name: props.names.deadLetterQueue,
      sqsManagedSseEnabled: true,
      messageRetentionSeconds: DEAD_LETTER_RETENTION_SECONDS,
    });

    const rows = props.rows ?? props.table;
    this.function = new NodeFunction(this, "function", {
      ...props.fn,
      statements: [
        ...props.table.grant("get"),
        // A delete is granted only when a deletion deletes (on the table, a tombstone is an update).
        ...rows.grantWrites(...new Set<RowWrite>(["create", "update", ...deletionWrites(props.deletedRow, rows === props.table ? "table" : "api")])),
        { sid: "ReadPoolUsers", effect: "Allow", actions: ["cognito-idp:AdminGetUser", "cognito-idp:ListUsers"], resources: [props.userPool.arn] },
        // Lambda's on-failure destination sends with the function's role.
        { sid: "DeadLetterFailedEvents", effect: "Allow", actions: ["sqs:SendMessage"], resources: [this.deadLetterQueue.arn] },
      ],
      logRetentionDays: props.logRetentionDays,
      packaging: props.packaging,
      bundleRoot: props.bundleRoot,
    });

    new LambdaFunctionEventInvokeConfig(this, "async", {
      functionName: this.function.function.functionName,
      maximumRetryAttempts: FUNCTION_RETRIES,
      maximumEventAgeInSeconds: MAX_EVENT_AGE_SECONDS,
      destinationConfig: { onFailure: { destination: this.deadLetterQueue.arn } },
    });

    this.rule = new CloudwatchEventRule(this, "rule", {
      name: props.names.rule,
      description: "Cognito calls that create, change or remove a user (via CloudTrail): the Users row follows",
      eventPattern: JSON.stringify(userEventsPattern({ rowsAtInvite: props.rowsAtInvite })),
    });
    new CloudwatchEventTarget(this, "target", {
      rule: this.rule.name,
      arn: this.function.function.arn,
      retryPolicy: { maximumRetryAttempts: 185, maximumEventAgeInSeconds: MAX_EVENT_AGE_SECONDS },
      deadLetterConfig: { arn: this.deadLetterQueue.arn },
    });
    new LambdaPermission(this, "invoke-permission", {
      statementId: "AllowUserEventsRule",
      action: "lambda:InvokeFunction",
      functionName: this.function.function.functionName,
      principal: "events.amazonaws.com",
      sourceArn: this.rule.arn,
    });

    // EventBridge's own dead letters: only from this rule; and nothing over plain HTTP.
    const queuePolicy = new DataAwsIamPolicyDocument(this, "dead-letters-policy-document", {
      statement: [
        {
          sid: "RuleDeadLetters",
          effect: "Allow",
          principals: [{ type: "Service", identifiers: ["events.amazonaws.com"] }],
          actions: ["sqs:SendMessage"],
          resources: [this.deadLetterQueue.arn],
          condition: [{ test: "ArnEquals", variable: "aws:SourceArn", values: [this.rule.arn] }],
        },
        {
          sid: "DenyInsecureTransport",
          effect: "Deny",
          principals: [{ type: "*", identifiers: ["*"] }],
          actions: ["sqs:*"],
          resources: [this.deadLetterQueue.arn],
          condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
        },
      ],
    });
    new SqsQueuePolicy(this, "dead-letters-policy", { queueUrl: this.deadLetterQueue.url, policy: queuePolicy.json });
  }
}
