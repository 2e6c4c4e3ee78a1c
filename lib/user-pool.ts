import { CognitoUserGroup } from "@cdktf/provider-aws/lib/cognito-user-group";
import { CognitoUserPool, type CognitoUserPoolSchema } from "@cdktf/provider-aws/lib/cognito-user-pool";
import { CognitoUserPoolClient } from "@cdktf/provider-aws/lib/cognito-user-pool-client";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { Fn } from "cdktf";
import { Construct } from "constructs";
import { PASSWORD_POLICY } from "./config";

export interface UserPoolProps {
  readonly poolName: string;
  readonly clientName: string;
  /** @default "Admin" */
  readonly adminGroupName?: string;
  /** The PostConfirmation trigger. */
  readonly postConfirmation: { readonly functionName: string; readonly functionArn: string };
  /**
   * ARN of a resource in the same account, used to derive `source_account`
   * without an API-calling data source.
   */
  readonly sameAccountArn: string;
  /** Refuse DeleteUserPool. @default true */
  readonly deletionProtection?: boolean;
  /** `custom:*` attributes to declare (names without the prefix). @default [] */
  readonly customAttributes?: readonly string[];
}

/** User pool (email sign-in), app client, Admin group, and the trigger's invoke permission. */
export class UserPool extends Construct {
  readonly pool: CognitoUserPool;
  readonly client: CognitoUserPoolClient;
  readonly invokePermission: LambdaPermission;

  constructor(scope: Construct, id: string, props: UserPoolProps) {
    super(scope, id);
    const schema: CognitoUserPoolSchema[] = (props.customAttributes ?? []).map((name) => ({
      name,
      attributeDataType: "String",
      mutable: true,
      developerOnlyAttribute: false,
      stringAttributeConstraints: { minLength: "0", maxLength: "2048" },
    }));

    this.pool = new CognitoUserPool(this, "pool", {
      name: props.poolName,
      usernameAttributes: ["email"],
      autoVerifiedAttributes: ["email"],
      usernameConfiguration: { caseSensitive: false },
      passwordPolicy: { ...PASSWORD_POLICY },
      accountRecoverySetting: { recoveryMechanism: [{ name: "verified_email", priority: 1 }] },
      deletionProtection: (props.deletionProtection ?? true) ? "ACTIVE" : "INACTIVE",
      lambdaConfig: { postConfirmation: props.postConfirmation.functionArn },
      schema: schema.length > 0 ? schema : undefined,
    });

    this.client = new CognitoUserPoolClient(this, "client", {
      name: props.clientName,
      userPoolId: this.pool.id,
      generateSecret: false,
      explicitAuthFlows: ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
      preventUserExistenceErrors: "ENABLED",
      enableTokenRevocation: true,
    });

    new CognitoUserGroup(this, "admin-group", {
      name: props.adminGroupName ?? "Admin",
      userPoolId: this.pool.id,
      description: "Administrators",
    });

    this.invokePermission = new LambdaPermission(this, "invoke-permission", {
      statementId: "AllowCognitoPostConfirmation",
      action: "lambda:InvokeFunction",
      functionName: props.postConfirmation.functionName,
      principal: "cognito-idp.amazonaws.com",
      sourceArn: this.pool.arn,
      // Confused-deputy guard; the account is field 5 of any ARN we own.
      sourceAccount: Fn.element(Fn.split(":", props.sameAccountArn), 4),
    });
  }
}
