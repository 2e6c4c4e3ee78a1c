import { CognitoUserGroup } from "@cdktf/provider-aws/lib/cognito-user-group";
import { CognitoUserPool } from "@cdktf/provider-aws/lib/cognito-user-pool";
import { CognitoUserPoolClient } from "@cdktf/provider-aws/lib/cognito-user-pool-client";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { Construct } from "constructs";
import type { UserPoolSpec } from "./specs";

export interface UserPoolProps {
  readonly spec: UserPoolSpec;
  /** The PostConfirmation trigger. */
  readonly postConfirmation: { readonly functionName: string; readonly functionArn: string };
  /** The account that owns the pool: only its pool may invoke the trigger (confused-deputy guard). */
  readonly sourceAccount: string;
}

/** User pool (email sign-in), app client, admin group, and the trigger's invoke permission. */
export class UserPool extends Construct {
  readonly pool: CognitoUserPool;
  readonly client: CognitoUserPoolClient;
  readonly invokePermission: LambdaPermission;

  constructor(scope: Construct, id: string, props: UserPoolProps) {
    super(scope, id);
    const { spec } = props;

    this.pool = new CognitoUserPool(this, "pool", {
      name: spec.poolName,
      usernameAttributes: [...spec.usernameAttributes],
      autoVerifiedAttributes: [...spec.autoVerifiedAttributes],
      usernameConfiguration: { caseSensitive: spec.caseSensitiveUsernames },
      passwordPolicy: { ...spec.passwordPolicy },
      accountRecoverySetting: { recoveryMechanism: spec.recoveryMechanisms.map((m) => ({ ...m })) },
      deletionProtection: spec.deletionProtection ? "ACTIVE" : "INACTIVE",
      lambdaConfig: { postConfirmation: props.postConfirmation.functionArn },
      mfaConfiguration: spec.mfa,
      softwareTokenMfaConfiguration: spec.mfa === "OFF" ? undefined : { enabled: true },
      userAttributeUpdateSettings: { attributesRequireVerificationBeforeUpdate: [...spec.verifyBeforeUpdate] },
      emailConfiguration: spec.email
        ? { emailSendingAccount: "DEVELOPER", sourceArn: spec.email.sourceArn, fromEmailAddress: spec.email.from }
        : { emailSendingAccount: "COGNITO_DEFAULT" },
      userPoolAddOns: { advancedSecurityMode: spec.advancedSecurity },
      userPoolTier: spec.advancedSecurity === "OFF" ? undefined : "PLUS",
      schema:
        spec.customAttributes.length > 0
          ? spec.customAttributes.map((name) => ({
              name,
              attributeDataType: "String",
              mutable: true,
              developerOnlyAttribute: false,
              stringAttributeConstraints: { minLength: "0", maxLength: "2048" },
            }))
          : undefined,
    });

    this.client = new CognitoUserPoolClient(this, "client", {
      name: spec.client.name,
      userPoolId: this.pool.id,
      generateSecret: false,
      explicitAuthFlows: [...spec.client.explicitAuthFlows],
      preventUserExistenceErrors: spec.client.preventUserExistenceErrors,
      enableTokenRevocation: spec.client.enableTokenRevocation,
      readAttributes: [...spec.client.readAttributes],
      writeAttributes: [...spec.client.writeAttributes],
    });

    new CognitoUserGroup(this, "admin-group", {
      name: spec.adminGroup.name,
      userPoolId: this.pool.id,
      description: spec.adminGroup.description,
    });

    this.invokePermission = new LambdaPermission(this, "invoke-permission", {
      statementId: "AllowCognitoPostConfirmation",
      action: "lambda:InvokeFunction",
      functionName: props.postConfirmation.functionName,
      principal: "cognito-idp.amazonaws.com",
      sourceArn: this.pool.arn,
      sourceAccount: props.sourceAccount,
    });
  }
}
