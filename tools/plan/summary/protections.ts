/**
 * What each resource type's planned settings say about its protection and
 * wiring, as a table of rules: the rows a reviewer reads and the risks it
 * flags. Names come from lib/names.ts (the summary is told the stage's names),
 * not from guessing at suffixes.
 */
import { COGNITO_TRIGGER_BUDGET_MS } from "../../../core/function-settings";
import { code, shown, type Change } from "./plan-json";

/** The names this stage gives what the rules single out. */
export interface StageNames {
  /** The PostConfirmation function: its timeout must stay within Cognito's wait. */
  readonly postConfirmationFunction?: string;
  /** The reconcile scratch table: run state that expires, so no PITR or deletion protection is needed. */
  readonly scratchTable?: string;
}

export interface Findings {
  readonly rows: Array<readonly [setting: string, value: string]>;
  readonly risks: string[];
}

type Rule = (c: Change, names: StageNames) => Findings;

const TRIGGER_BUDGET_S = COGNITO_TRIGGER_BUDGET_MS / 1000;

export const PROTECTION_RULES: Readonly<Record<string, Rule>> = {
  aws_lambda_permission: ({ address, after: a, unknown: u, expressions: e }) => {
    const risks: string[] = [];
    if (a.principal === "*" || (typeof a.principal === "string" && !a.principal.endsWith(".amazonaws.com"))) {
      risks.push(`${address}: principal is ${code(String(a.principal))}: anyone (or another account) may invoke the function`);
    }
    if (!a.source_arn && !u.source_arn) risks.push(`${address}: no source_arn (any resource of that service could invoke the function)`);
    if (!a.source_account && !u.source_account && a.principal === "cognito-idp.amazonaws.com") risks.push(`${address}: no source_account (confused-deputy protection missing)`);
    if (a.function_url_auth_type === "NONE") risks.push(`${address}: public function URL permission (auth NONE)`);
    return {
      rows: [
        ["principal", shown(a.principal, u.principal, e.principal)],
        ["source_arn", shown(a.source_arn, u.source_arn, e.source_arn)],
        ["source_account", shown(a.source_account, u.source_account, e.source_account)],
      ],
      risks,
    };
  },
  aws_lambda_function_url: ({ address, after }) => ({
    rows: [],
    risks: after.authorization_type === "NONE" ? [`${address}: function URL with authorization_type NONE: anyone on the internet may invoke it`] : [],
  }),
  aws_lambda_function: ({ address, after: a }, names) => ({
    rows: [
      ["runtime / architectures", `${a.runtime} / ${(a.architectures ?? []).join(",")}`],
      ["timeout / memory", `${a.timeout} s / ${a.memory_size} MB`],
    ],
    risks: a.function_name === names.postConfirmationFunction && a.timeout > TRIGGER_BUDGET_S ? [`${address}: timeout ${a.timeout} s exceeds Cognito's ${TRIGGER_BUDGET_S} s wait`] : [],
  }),
  aws_dynamodb_table: ({ address, after: a }, names) => {
    const pitr = a.point_in_time_recovery?.[0]?.enabled === true;
    const sse = a.server_side_encryption?.[0];
    const scratch = a.name === names.scratchTable;
    return {
      rows: [
        ["point-in-time recovery", pitr ? "on" : "OFF"],
        ["encryption", sse?.enabled ? `customer KMS key ${sse.kms_key_arn ?? "(after apply)"}` : "AWS-owned key"],
        ["deletion protection", a.deletion_protection_enabled ? "on" : "OFF"],
        ...(scratch ? [["holds", "reconcile scratch data (expires by TTL)"] as const] : []),
      ],
      risks: scratch ? [] : [...(!pitr ? [`${address}: point-in-time recovery is off`] : []), ...(!a.deletion_protection_enabled ? [`${address}: deletion protection is off`] : [])],
    };
  },
  aws_cognito_user_pool: ({ address, after: a, unknown: u, expressions: e }) => ({
    rows: [
      ["deletion protection", a.deletion_protection === "ACTIVE" ? "on" : "OFF"],
      ["MFA", String(a.mfa_configuration ?? "OFF")],
      ["post_confirmation trigger", shown(a.lambda_config?.[0]?.post_confirmation, u.lambda_config?.[0]?.post_confirmation, { constant_value: e.lambda_config?.[0]?.post_confirmation?.constant_value })],
    ],
    risks: a.deletion_protection !== "ACTIVE" ? [`${address}: deletion protection is off`] : [],
  }),
  aws_cloudwatch_log_group: ({ after }) => ({ rows: [["retention", `${after.retention_in_days} days`]], risks: [] }),
};
