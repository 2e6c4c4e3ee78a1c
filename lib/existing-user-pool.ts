import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { Construct } from "constructs";

export interface ExistingUserPoolProps {
  readonly userPoolId: string;
  /** The function the pool's PostConfirmation trigger is to call (`user-sync attach` sets it). */
  readonly postConfirmation: { readonly functionName: string };
  readonly partition: string;
  readonly region: string;
  /** The account that owns the pool: only its pool may invoke the trigger (confused-deputy guard). */
  readonly sourceAccount: string;
}

/**
 * A user pool this stack does not manage: only the permission for it to
 * invoke the trigger. The pool's settings stay the owner's; attaching the
 * trigger is `user-sync attach` (UpdateUserPool resets what it is not given).
 */
export class ExistingUserPool extends Construct {
  readonly id: string;
  readonly arn: string;
  readonly invokePermission: LambdaPermission;

  constructor(scope: Construct, id: string, props: ExistingUserPoolProps) {
    super(scope, id);
    this.id = props.userPoolId;
    this.arn = `arn:${props.partition}:cognito-idp:${props.region}:${props.sourceAccount}:userpool/${props.userPoolId}`;
    this.invokePermission = new LambdaPermission(this, "invoke-permission", {
      statementId: "AllowCognitoPostConfirmation",
      action: "lambda:InvokeFunction",
      functionName: props.postConfirmation.functionName,
      principal: "cognito-idp.amazonaws.com",
      sourceArn: this.arn,
      sourceAccount: props.sourceAccount,
    });
  }
}
