/**
 * Markdown summary of a `terraform show -json` plan for reviewers: what
 * changes, every privilege the plan grants (summary/iam.ts), the
 * security-relevant settings of each resource (summary/protections.ts), and
 * what looks risky. What it cannot read is a risk too, never silence.
 */
import { documentStatements, readPolicy, reviewPolicy, type PolicyKind, type PolicyRead } from "./summary/iam";
import { assertPlan, code, configurationIndex, kindOf, shown, type Change, type Json } from "./summary/plan-json";
import { PROTECTION_RULES, type StageNames } from "./summary/protections";

export { isWildcard, readPolicy } from "./summary/iam";
export type { StageNames } from "./summary/protections";

export interface PlanSummary {
  readonly markdown: string;
  readonly risks: string[];
  readonly counts: { add: number; change: number; replace: number; destroy: number };
}

export interface SummaryOptions {
  /** Heading, e.g. the stack name. */
  readonly title?: string;
  /** Extra lines under the heading (e.g. "offline plan"). */
  readonly notes?: readonly string[];
  /** The stage's names (lib/names.ts), for the rules about one resource. @default none: those rules do not apply */
  readonly names?: StageNames;
}

const PROTECTED_TYPES = ["aws_dynamodb_table", "aws_cognito_user_pool"];

/** Every resource type user-sync creates, in any mode; anything else in a plan is flagged. */
export const ALLOWED_TYPES = new Set([
  "aws_cloudtrail",
  "aws_cloudwatch_event_rule",
  "aws_cloudwatch_event_target",
  "aws_cloudwatch_log_group",
  "aws_cloudwatch_metric_alarm",
  "aws_cognito_user_group",
  "aws_cognito_user_pool",
  "aws_cognito_user_pool_client",
  "aws_dynamodb_table",
  "aws_iam_role",
  "aws_iam_role_policy",
  "aws_lambda_function",
  "aws_lambda_function_event_invoke_config",
  "aws_lambda_permission",
  "aws_s3_bucket",
  "aws_s3_bucket_lifecycle_configuration",
  "aws_s3_bucket_ownership_controls",
  "aws_s3_bucket_policy",
  "aws_s3_bucket_public_access_block",
  "aws_s3_bucket_server_side_encryption_configuration",
  "aws_scheduler_schedule",
  "aws_sfn_state_machine",
  "aws_sns_topic",
  "aws_sns_topic_subscription",
  "aws_sqs_queue",
  "aws_sqs_queue_policy",
]);
const ALLOWED_DATA = new Set(["aws_iam_policy_document", "archive_file"]);

const POLICY_ATTACHMENTS = ["aws_iam_role_policy_attachment", "aws_iam_policy_attachment", "aws_iam_user_policy_attachment", "aws_iam_group_policy_attachment", "aws_iam_role_policy_attachments_exclusive"];
/** Identity policies: the `policy` attribute is a JSON document. */
const IDENTITY_POLICY_TYPES = ["aws_iam_role_policy", "aws_iam_policy", "aws_iam_user_policy", "aws_iam_group_policy"];
/** Resource policies: who else may act on a resource. */
const RESOURCE_POLICY_TYPES = ["aws_s3_bucket_policy", "aws_sqs_queue_policy", "aws_sns_topic_policy", "aws_lambda_function_policy"];

/** Every policy the plan creates or changes, each read once, as the kind of policy it is. */
function policies(live: Json[], config: Map<string, Json>): Array<{ where: string; read: PolicyRead; kind: PolicyKind; risk?: string }> {
  const out: Array<{ where: string; read: PolicyRead; kind: PolicyKind; risk?: string }> = [];
  const ofType = (...types: string[]) => live.filter((rc) => types.includes(rc.type));
  const after = (rc: Json) => rc.change?.after ?? {};
  const unknown = (rc: Json) => rc.change?.after_unknown ?? {};
  const documents = new Set(ofType("aws_iam_policy_document").map((r) => r.address));
  /** The policy document a policy is exactly the JSON of, if any: reviewed once, as that kind of policy. */
  const documentOf = (rc: Json): string | undefined => {
    const template = config.get(rc.address)?.policy?.constant_value;
    const doc = typeof template === "string" ? /^\$\{(data\.aws_iam_policy_document\.[^.}]+)\.json\}$/.exec(template)?.[1] : undefined;
    return doc && documents.has(doc) ? doc : undefined;
  };
  const resourceDocuments = new Set(ofType(...RESOURCE_POLICY_TYPES).map(documentOf).filter(Boolean));
  for (const rc of ofType("aws_iam_policy_document")) {
    out.push({ where: rc.address, read: documentStatements(after(rc), unknown(rc), config.get(rc.address)), kind: resourceDocuments.has(rc.address) ? "resource" : "identity" });
  }
  for (const rc of ofType(...IDENTITY_POLICY_TYPES, ...RESOURCE_POLICY_TYPES)) {
    if (documentOf(rc)) continue;
    out.push({ where: rc.address, read: readPolicy(after(rc).policy, unknown(rc).policy, config.get(rc.address)?.policy), kind: IDENTITY_POLICY_TYPES.includes(rc.type) ? "identity" : "resource" });
  }
  for (const rc of ofType("aws_iam_role")) {
    out.push({ where: `${rc.address} (trust)`, read: readPolicy(after(rc).assume_role_policy, unknown(rc).assume_role_policy, config.get(rc.address)?.assume_role_policy), kind: "trust" });
    (after(rc).inline_policy ?? []).forEach((p: Json, i: number) => {
      if (!p?.policy && !unknown(rc).inline_policy?.[i]?.policy) return;
      out.push({
        where: `${rc.address} inline_policy ${p.name ?? i}`,
        read: readPolicy(p.policy, unknown(rc).inline_policy?.[i]?.policy, config.get(rc.address)?.inline_policy?.[i]?.policy),
        kind: "identity",
        risk: `${rc.address}: inline_policy ${code(p.name ?? String(i))} (a policy outside the reviewed role policies)`,
      });
    });
  }
  return out;
}

export function summarizePlan(plan: Json, options: SummaryOptions = {}): PlanSummary {
  assertPlan(plan, "the file");
  const changes: Json[] = plan.resource_changes ?? [];
  const config = configurationIndex(plan);
  const risks: string[] = [];
  const byType = new Map<string, Record<string, number>>();
  const counts = { add: 0, change: 0, replace: 0, destroy: 0 };
  for (const rc of changes) {
    const kind = kindOf(rc.change?.actions ?? []);
    if (kind === "no-op") continue;
    byType.set(rc.type, { ...byType.get(rc.type), [kind]: (byType.get(rc.type)?.[kind] ?? 0) + 1 });
    if (kind in counts) counts[kind as keyof typeof counts]++;
    if (PROTECTED_TYPES.includes(rc.type) && (kind === "replace" || kind === "destroy")) {
      risks.push(`${rc.address} will be ${kind === "replace" ? "REPLACED (destroyed and re-created: its data is lost)" : "DESTROYED"}`);
    }
    const allowed = rc.mode === "data" ? ALLOWED_DATA : ALLOWED_TYPES;
    if (!allowed.has(rc.type) && kind !== "destroy") risks.push(`${rc.address}: ${rc.mode === "data" ? "data source" : "resource"} type ${rc.type} is not one user-sync creates`);
  }
  const live = changes.filter((rc) => kindOf(rc.change?.actions ?? []) !== "destroy");

  const lines = [`## Terraform plan: ${options.title ?? "user-sync"}`, "", ...(options.notes ?? []).flatMap((note) => [`> ${note}`, ""])];
  lines.push(`**${counts.add} to add, ${counts.change} to change, ${counts.replace} to replace, ${counts.destroy} to destroy.**`, "", "| Resource type | add | change | replace | destroy | read |", "| --- | --: | --: | --: | --: | --: |");
  for (const [type, row] of [...byType.entries()].sort()) lines.push(`| ${type} | ${row.add ?? ""} | ${row.change ?? ""} | ${row.replace ?? ""} | ${row.destroy ?? ""} | ${row.read ?? ""} |`);

  // Every privilege: identity policies, inline policies, trust policies, resource policies, attachments.
  lines.push("", "### IAM policy statements", "", "| Policy | Sid | Effect | Actions | Resources / principals |", "| --- | --- | --- | --- | --- |");
  const statementRows: string[] = [];
  for (const p of policies(live, config)) {
    if (p.risk) risks.push(p.risk);
    const reviewed = reviewPolicy(p.where, p.read, p.kind);
    statementRows.push(...reviewed.rows);
    risks.push(...reviewed.risks);
  }
  for (const rc of live) {
    for (const arn of rc.type === "aws_iam_role" ? (rc.change?.after?.managed_policy_arns ?? []) : []) risks.push(`${rc.address}: managed policy ${code(arn)} attached`);
    if (!POLICY_ATTACHMENTS.includes(rc.type)) continue;
    const a = rc.change?.after ?? {};
    const arns = [a.policy_arn, ...(a.policy_arns ?? [])].filter(Boolean);
    const shownArns = arns.length ? arns.map((x: string) => code(x)).join(", ") : code(shown(undefined, true, config.get(rc.address)?.policy_arn));
    risks.push(`${rc.address}: attaches ${shownArns}${arns.some((x: string) => /AdministratorAccess|FullAccess|PowerUser/.test(x)) ? " (broad AWS-managed policy)" : ""}`);
    statementRows.push(`| ${code(rc.address)} | | attachment | ${shownArns} | |`);
  }
  lines.push(...(statementRows.length ? statementRows : ["| (no policy in this plan) | | | | |"]));

  lines.push("", "### Protections and wiring", "", "| Resource | Setting | Planned value |", "| --- | --- | --- |");
  for (const type of Object.keys(PROTECTION_RULES)) {
    for (const rc of live.filter((r) => r.type === type)) {
      const change: Change = { address: rc.address, type, after: rc.change?.after ?? {}, unknown: rc.change?.after_unknown ?? {}, expressions: config.get(rc.address) ?? {} };
      const found = PROTECTION_RULES[type](change, options.names ?? {});
      for (const [setting, value] of found.rows) lines.push(`| ${code(rc.address)} | ${setting} | ${code(value)} |`);
      risks.push(...found.risks);
    }
  }

  lines.push("", "### Risks", "", ...(risks.length === 0 ? ["None found."] : risks.map((r) => `- :warning: ${r}`)), "");
  return { markdown: lines.join("\n"), risks, counts };
}
