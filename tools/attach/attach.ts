/** Attach the PostConfirmation trigger to a pool this stack does not manage, or detach it, changing nothing else. */
import { DescribeUserPoolCommand, UpdateUserPoolCommand, type CognitoIdentityProviderClient, type UserPoolType } from "@aws-sdk/client-cognito-identity-provider";
import type { PermissionCheck } from "./permission";
import { changedSettings, UPDATABLE_SETTINGS, updateKeepingEverything } from "./pool-update";

export interface TriggerChange {
  readonly userPoolId: string;
  /** The PostConfirmation function before and after (null: none). */
  readonly before: string | null;
  readonly after: string | null;
  /** Nothing to do: the pool is already as asked. */
  readonly unchanged: boolean;
  /** Settings copied back as they were. */
  readonly kept: string[];
  /** Settings that differed after the update besides the trigger: must be empty. */
  readonly alsoChanged: string[];
  readonly dryRun: boolean;
}

/** The trigger cannot be changed as asked; the message says why and what to do. */
export class AttachRefused extends Error {
  name = "AttachRefused";
}

const functionName = (arn: string | undefined) => arn?.split(":").pop();

async function describe(cognito: Pick<CognitoIdentityProviderClient, "send">, userPoolId: string): Promise<UserPoolType> {
  const { UserPool } = await cognito.send(new DescribeUserPoolCommand({ UserPoolId: userPoolId }));
  if (!UserPool) throw new Error(`DescribeUserPool returned no pool for ${userPoolId}`);
  return UserPool;
}

async function setTrigger(
  cognito: Pick<CognitoIdentityProviderClient, "send">,
  pool: UserPoolType,
  after: string | undefined,
  dryRun: boolean,
): Promise<TriggerChange> {
  const before = pool.LambdaConfig?.PostConfirmation;
  const kept = UPDATABLE_SETTINGS.filter((k) => k !== "LambdaConfig" && updateKeepingEverything(pool, {})[k] !== undefined);
  const base = { userPoolId: pool.Id!, before: before ?? null, after: after ?? null, kept, dryRun };
  if (before === after) return { ...base, unchanged: true, alsoChanged: [] };
  if (dryRun) return { ...base, unchanged: false, alsoChanged: [] };
  const lambdaConfig = { ...(pool.LambdaConfig ?? {}), PostConfirmation: after };
  if (!after) delete lambdaConfig.PostConfirmation;
  await cognito.send(new UpdateUserPoolCommand(updateKeepingEverything(pool, lambdaConfig)));
  // Verify: only the trigger moved.
  const now = await describe(cognito, pool.Id!);
  const alsoChanged: string[] = changedSettings({ ...pool, LambdaConfig: lambdaConfig }, now);
  if (now.LambdaConfig?.PostConfirmation !== after) alsoChanged.push("LambdaConfig.PostConfirmation");
  return { ...base, unchanged: false, alsoChanged };
}

export async function attachTrigger(
  cognito: Pick<CognitoIdentityProviderClient, "send">,
  options: {
    readonly userPoolId: string;
    readonly functionName: string;
    readonly replace?: boolean;
    readonly dryRun?: boolean;
    /** Whether Cognito may invoke the function from this pool. @default no check */
    readonly checkPermission?: (functionArn: string, poolArn: string) => Promise<PermissionCheck>;
  },
): Promise<TriggerChange> {
  const pool = await describe(cognito, options.userPoolId);
  // The function's ARN, in the pool's own partition, region and account.
  const [, partition, , region, account] = pool.Arn!.split(":");
  const arn = `arn:${partition}:lambda:${region}:${account}:function:${options.functionName}`;
  const current = pool.LambdaConfig?.PostConfirmation;
  if (current && current !== arn && !options.replace) {
    throw new AttachRefused(
      `user pool ${options.userPoolId} already runs ${functionName(current)} on PostConfirmation (${current}); ` +
        `attaching ${options.functionName} would replace it: check what it does, then run again with --replace`,
    );
  }
  if (current !== arn && options.checkPermission) {
    const check = await options.checkPermission(arn, pool.Arn!);
    if (!check.ok) {
      throw new AttachRefused(
        `${check.reason}. Deploy user-sync with userPool.existing = "${options.userPoolId}" first (the stack grants that permission), ` +
          `or pass --no-permission-check if you granted it another way`,
      );
    }
  }
  return setTrigger(cognito, pool, arn, Boolean(options.dryRun));
}

export async function detachTrigger(
  cognito: Pick<CognitoIdentityProviderClient, "send">,
  options: { readonly userPoolId: string; readonly functionName: string; readonly force?: boolean; readonly dryRun?: boolean },
): Promise<TriggerChange> {
  const pool = await describe(cognito, options.userPoolId);
  const current = pool.LambdaConfig?.PostConfirmation;
  if (current && functionName(current) !== options.functionName && !options.force) {
    throw new AttachRefused(
      `user pool ${options.userPoolId} runs ${functionName(current)} on PostConfirmation, not ${options.functionName}; it is not this stack's to remove (--force removes it anyway)`,
    );
  }
  return setTrigger(cognito, pool, undefined, Boolean(options.dryRun));
}

/** The exact difference, as a person reads it. */
export function describeChange(change: TriggerChange): string {
  const lines: string[] = [];
  if (change.unchanged) return `user pool ${change.userPoolId}: PostConfirmation is already ${change.after ?? "none"}; nothing to do.`;
  lines.push(`user pool ${change.userPoolId}${change.dryRun ? " (dry run: nothing changed)" : ""}:`);
  lines.push(`  LambdaConfig.PostConfirmation: ${change.before ?? "(none)"} -> ${change.after ?? "(none)"}`);
  lines.push(`  copied back unchanged (UpdateUserPool would reset them): ${change.kept.join(", ") || "(none set)"}`);
  if (!change.dryRun) {
    lines.push(change.alsoChanged.length ? `  WARNING: also changed after the update: ${change.alsoChanged.join(", ")}` : "  verified: nothing else changed");
  }
  return lines.join("\n");
}
