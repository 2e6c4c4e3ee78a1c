/**
 * The sandbox's table and pool, created through the API from the same specs
 * the constructs deploy (lib/specs.ts); a test compares these inputs with the
 * synthesized Terraform.
 */
import {
  CreateGroupCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  ListUserPoolClientsCommand,
  ListUserPoolsCommand,
  SetUserPoolMfaConfigCommand,
  type CognitoIdentityProviderClient,
  type CreateUserPoolClientCommandInput,
  type CreateUserPoolCommandInput,
  type SetUserPoolMfaConfigCommandInput,
} from "@aws-sdk/client-cognito-identity-provider";
import type { CreateTableCommandInput, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SCRATCH_TABLE } from "../../core/reconcile/scratch";
import type { UserPoolSpec, UsersTableSpec } from "../../lib/specs";
import { createTable } from "./stand-ins/dynamodb";

export function createTableInput(spec: UsersTableSpec): CreateTableCommandInput {
  const input: CreateTableCommandInput = {
    TableName: spec.tableName,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [{ AttributeName: spec.partitionKey, AttributeType: "S" }, ...(spec.sortKey ? [{ AttributeName: spec.sortKey, AttributeType: "S" as const }] : [])],
    KeySchema: [{ AttributeName: spec.partitionKey, KeyType: "HASH" }, ...(spec.sortKey ? [{ AttributeName: spec.sortKey, KeyType: "RANGE" as const }] : [])],
    ...(spec.streamView ? { StreamSpecification: { StreamEnabled: true, StreamViewType: spec.streamView as "NEW_IMAGE" } } : {}),
  };
  if (spec.emailIndexName) {
    input.AttributeDefinitions!.push({ AttributeName: "email", AttributeType: "S" });
    input.GlobalSecondaryIndexes = [
      { IndexName: spec.emailIndexName, KeySchema: [{ AttributeName: "email", KeyType: "HASH" }], Projection: { ProjectionType: "KEYS_ONLY" } },
    ];
  }
  return input;
}

/** The reconcile scratch table, keyed as the construct keys it (dynalite does not expire items; TTL is AWS's). */
export function createScratchTableInput(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [
      { AttributeName: SCRATCH_TABLE.partitionKey, AttributeType: "S" },
      { AttributeName: SCRATCH_TABLE.sortKey, AttributeType: "S" },
    ],
    KeySchema: [
      { AttributeName: SCRATCH_TABLE.partitionKey, KeyType: "HASH" },
      { AttributeName: SCRATCH_TABLE.sortKey, KeyType: "RANGE" },
    ],
  };
}

export function createUserPoolInput(spec: UserPoolSpec, postConfirmationArn?: string): CreateUserPoolCommandInput {
  const policy = spec.passwordPolicy;
  return {
    PoolName: spec.poolName,
    UsernameAttributes: [...spec.usernameAttributes] as CreateUserPoolCommandInput["UsernameAttributes"],
    AutoVerifiedAttributes: [...spec.autoVerifiedAttributes] as CreateUserPoolCommandInput["AutoVerifiedAttributes"],
    UsernameConfiguration: { CaseSensitive: spec.caseSensitiveUsernames },
    Policies: {
      PasswordPolicy: {
        MinimumLength: policy.minimumLength,
        RequireLowercase: policy.requireLowercase,
        RequireUppercase: policy.requireUppercase,
        RequireNumbers: policy.requireNumbers,
        RequireSymbols: policy.requireSymbols,
        TemporaryPasswordValidityDays: policy.temporaryPasswordValidityDays,
      },
    },
    AccountRecoverySetting: { RecoveryMechanisms: spec.recoveryMechanisms.map((m) => ({ Name: m.name as "verified_email", Priority: m.priority })) },
    DeletionProtection: spec.deletionProtection ? "ACTIVE" : "INACTIVE",
    LambdaConfig: postConfirmationArn ? { PostConfirmation: postConfirmationArn } : undefined,
    MfaConfiguration: spec.mfa,
    UserAttributeUpdateSettings: { AttributesRequireVerificationBeforeUpdate: [...spec.verifyBeforeUpdate] as ["email"] },
    EmailConfiguration: spec.email
      ? { EmailSendingAccount: "DEVELOPER", SourceArn: spec.email.sourceArn, From: spec.email.from }
      : { EmailSendingAccount: "COGNITO_DEFAULT" },
    UserPoolAddOns: { AdvancedSecurityMode: spec.advancedSecurity },
    ...(spec.advancedSecurity === "OFF" ? {} : { UserPoolTier: "PLUS" as const }),
    Schema: spec.customAttributes.map((Name) => ({
      Name,
      AttributeDataType: "String",
      Mutable: true,
      DeveloperOnlyAttribute: false,
      StringAttributeConstraints: { MinLength: "0", MaxLength: "2048" },
    })),
  };
}

export function createUserPoolClientInput(spec: UserPoolSpec, userPoolId: string): CreateUserPoolClientCommandInput {
  return {
    UserPoolId: userPoolId,
    ClientName: spec.client.name,
    GenerateSecret: false,
    ExplicitAuthFlows: [...spec.client.explicitAuthFlows] as CreateUserPoolClientCommandInput["ExplicitAuthFlows"],
    PreventUserExistenceErrors: spec.client.preventUserExistenceErrors,
    EnableTokenRevocation: spec.client.enableTokenRevocation,
    ReadAttributes: [...spec.client.readAttributes],
    WriteAttributes: [...spec.client.writeAttributes],
  };
}

/** TOTP is switched on separately from the pool's MFA mode, as Cognito's API has it. */
export function mfaConfigInput(spec: UserPoolSpec, userPoolId: string): SetUserPoolMfaConfigCommandInput | undefined {
  if (spec.mfa === "OFF") return undefined;
  return { UserPoolId: userPoolId, MfaConfiguration: spec.mfa, SoftwareTokenMfaConfiguration: { Enabled: true } };
}

export async function ensureUsersTable(client: DynamoDBClient, spec: UsersTableSpec): Promise<void> {
  await createTable(client, createTableInput(spec));
}

/** Creates the pool, client and admin group, or finds them from a previous run. */
export async function ensureUserPool(
  client: CognitoIdentityProviderClient,
  spec: UserPoolSpec,
  postConfirmationArn?: string,
): Promise<{ userPoolId: string; clientId: string }> {
  const pools = await client.send(new ListUserPoolsCommand({ MaxResults: 60 }));
  let userPoolId = pools.UserPools?.find((p) => p.Name === spec.poolName)?.Id;
  if (!userPoolId) {
    userPoolId = (await client.send(new CreateUserPoolCommand(createUserPoolInput(spec, postConfirmationArn)))).UserPool!.Id!;
    const mfa = mfaConfigInput(spec, userPoolId);
    if (mfa) await client.send(new SetUserPoolMfaConfigCommand(mfa));
    await client.send(new CreateGroupCommand({ UserPoolId: userPoolId, GroupName: spec.adminGroup.name, Description: spec.adminGroup.description }));
  }
  const clients = await client.send(new ListUserPoolClientsCommand({ UserPoolId: userPoolId, MaxResults: 60 }));
  let clientId = clients.UserPoolClients?.find((c) => c.ClientName === spec.client.name)?.ClientId;
  if (!clientId) clientId = (await client.send(new CreateUserPoolClientCommand(createUserPoolClientInput(spec, userPoolId)))).UserPoolClient!.ClientId!;
  return { userPoolId, clientId };
}
