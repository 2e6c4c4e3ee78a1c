/**
 * Markdown summary of a `terraform show -json` plan for reviewers: what changes,
 * the security-relevant settings as the plan has them, and what looks risky.
 */

type Json = any;

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
}

const PROTECTED_TYPES = ["aws_dynamodb_table", "aws_cognito_user_pool"];

function kindOf(actions: string[]): "add" | "change" | "replace" | "destroy" | "read" | "no-op" {
  if (actions.includes("create") && actions.includes("delete")) return "replace";
  if (actions.includes("create")) return "add";
  if (actions.includes("delete")) return "destroy";
  if (actions.includes("update")) return "change";
  if (actions.includes("read")) return "read";
  return "no-op";
}

/** Configuration expressions by address (they keep templates for values unknown until apply). */
function configurationIndex(plan: Json): Map<string, Json> {
  const index = new Map<string, Json>();
  for (const r of plan.configuration?.root_module?.resources ?? []) index.set(r.address, r.expressions ?? {});
  return index;
}

/** A planned value, or the configured template marked as known after apply. */
function shown(value: unknown, unknown: unknown, expression: Json): string {
  if (value !== undefined && value !== null && unknown !== true) return typeof value === "string" ? value : JSON.stringify(value);
  const template = expression?.constant_value;
  if (template !== undefined) return `${typeof template === "string" ? template : JSON.stringify(template)} (after apply)`;
  return "(known after apply)";
}

function code(s: string): string {
  return `\`${s.replace(/`/g, "'")}\``;
}

/** `*` is allowed only as the log-stream part of one named log group's ARN. */
export function isWildcard(value: string): boolean {
  return value.replace(/:log-group:[^*:]+:log-stream:\*( \(after apply\))?$/, "").replace(/\}:log-stream:\*( \(after apply\))?$/, "}").includes("*");
}

export function summarizePlan(plan: Json, options: SummaryOptions = {}): PlanSummary {
  const changes: Json[] = plan.resource_changes ?? [];
  const config = configurationIndex(plan);
  const risks: string[] = [];
  const byType = new Map<string, Record<string, number>>();
  const counts = { add: 0, change: 0, replace: 0, destroy: 0 };

  for (const rc of changes) {
    const kind = kindOf(rc.change?.actions ?? []);
    if (kind === "no-op") continue;
    const row = byType.get(rc.type) ?? {};
    row[kind] = (row[kind] ?? 0) + 1;
    byType.set(rc.type, row);
    if (kind in counts) counts[kind as keyof typeof counts]++;
    if (PROTECTED_TYPES.includes(rc.type) && (kind === "replace" || kind === "destroy")) {
      risks.push(`${rc.address} will be ${kind === "replace" ? "REPLACED (destroyed and re-created: its data is lost)" : "DESTROYED"}`);
    }
  }

  const after = (rc: Json) => rc.change?.after ?? {};
  const afterUnknown = (rc: Json) => rc.change?.after_unknown ?? {};
  const ofType = (type: string) => changes.filter((rc) => rc.type === type && kindOf(rc.change?.actions ?? []) !== "destroy");

  const lines: string[] = [];
  lines.push(`## Terraform plan: ${options.title ?? "user-sync"}`, "");
  for (const note of options.notes ?? []) lines.push(`> ${note}`, "");
  lines.push(
    `**${counts.add} to add, ${counts.change} to change, ${counts.replace} to replace, ${counts.destroy} to destroy.**`,
    "",
    "| Resource type | add | change | replace | destroy | read |",
    "| --- | --: | --: | --: | --: | --: |",
  );
  for (const [type, row] of [...byType.entries()].sort()) {
    lines.push(`| ${type} | ${row.add ?? ""} | ${row.change ?? ""} | ${row.replace ?? ""} | ${row.destroy ?? ""} | ${row.read ?? ""} |`);
  }

  // IAM: statements from policy documents (their actions are known even before apply).
  lines.push("", "### IAM policy statements", "", "| Sid | Effect | Actions | Resources |", "| --- | --- | --- | --- |");
  const documents = ofType("aws_iam_policy_document");
  for (const rc of documents) {
    const exprs = config.get(rc.address)?.statement ?? [];
    (after(rc).statement ?? []).forEach((st: Json, i: number) => {
      const unknown = afterUnknown(rc).statement?.[i] ?? {};
      const actions: string[] = st.actions ?? [];
      const resources: string[] = (st.resources ?? []).map((r: unknown, j: number) =>
        shown(r, unknown.resources?.[j], { constant_value: exprs[i]?.resources?.constant_value?.[j] }),
      );
      for (const a of actions) if (a.includes("*")) risks.push(`IAM statement ${st.sid ?? i}: wildcard action ${code(a)}`);
      for (const r of resources) if (isWildcard(r)) risks.push(`IAM statement ${st.sid ?? i}: wildcard resource ${code(r)}`);
      if (st.effect === "Allow" && (st.not_actions?.length || st.not_resources?.length)) {
        risks.push(`IAM statement ${st.sid ?? i}: Allow with NotAction/NotResource grants everything else`);
      }
      lines.push(`| ${st.sid ?? ""} | ${st.effect ?? "Allow"} | ${actions.map(code).join("<br>")} | ${resources.map(code).join("<br>")} |`);
    });
  }
  for (const rc of ofType("aws_iam_role_policy").concat(ofType("aws_iam_policy"))) {
    const policy = after(rc).policy;
    if (typeof policy === "string" && afterUnknown(rc).policy !== true) {
      const doc = JSON.parse(policy);
      for (const st of [].concat(doc.Statement ?? [])) {
        const s = st as Json;
        const actions: string[] = [].concat(s.Action ?? []);
        const resources: string[] = [].concat(s.Resource ?? []);
        for (const a of actions) if (a.includes("*")) risks.push(`${rc.address}: wildcard action ${code(a)}`);
        for (const r of resources) if (isWildcard(r)) risks.push(`${rc.address}: wildcard resource ${code(r)}`);
        lines.push(`| ${s.Sid ?? ""} | ${s.Effect} | ${actions.map(code).join("<br>")} | ${resources.map(code).join("<br>")} |`);
      }
    }
  }
  if (documents.length === 0 && ofType("aws_iam_role_policy").length === 0) lines.push("| (no policy in this plan) | | | |");

  lines.push("", "### Protections and wiring", "", "| Resource | Setting | Planned value |", "| --- | --- | --- |");
  const row = (address: string, setting: string, value: string) => lines.push(`| ${code(address)} | ${setting} | ${code(value)} |`);

  for (const rc of ofType("aws_lambda_permission")) {
    const a = after(rc);
    const u = afterUnknown(rc);
    const e = config.get(rc.address) ?? {};
    row(rc.address, "principal", shown(a.principal, u.principal, e.principal));
    row(rc.address, "source_arn", shown(a.source_arn, u.source_arn, e.source_arn));
    row(rc.address, "source_account", shown(a.source_account, u.source_account, e.source_account));
    if (a.principal !== "cognito-idp.amazonaws.com") risks.push(`${rc.address}: principal is ${code(String(a.principal))}, not cognito-idp.amazonaws.com`);
    if (!a.source_arn && !u.source_arn) risks.push(`${rc.address}: no source_arn (any user pool could invoke the function)`);
    if (!a.source_account && !u.source_account) risks.push(`${rc.address}: no source_account (confused-deputy protection missing)`);
  }
  for (const rc of ofType("aws_lambda_function")) {
    const a = after(rc);
    row(rc.address, "runtime / architectures", `${a.runtime} / ${(a.architectures ?? []).join(",")}`);
    row(rc.address, "timeout / memory", `${a.timeout} s / ${a.memory_size} MB`);
    if (a.timeout > 5) risks.push(`${rc.address}: timeout ${a.timeout} s exceeds Cognito's 5 s wait`);
  }
  for (const rc of ofType("aws_dynamodb_table")) {
    const a = after(rc);
    const pitr = a.point_in_time_recovery?.[0]?.enabled === true;
    const sse = a.server_side_encryption?.[0];
    row(rc.address, "point-in-time recovery", pitr ? "on" : "OFF");
    row(rc.address, "encryption", sse?.enabled ? `customer KMS key ${sse.kms_key_arn ?? "(after apply)"}` : "AWS-owned key");
    row(rc.address, "deletion protection", a.deletion_protection_enabled ? "on" : "OFF");
    if (!pitr) risks.push(`${rc.address}: point-in-time recovery is off`);
    if (!a.deletion_protection_enabled) risks.push(`${rc.address}: deletion protection is off`);
  }
  for (const rc of ofType("aws_cognito_user_pool")) {
    const a = after(rc);
    row(rc.address, "deletion protection", a.deletion_protection === "ACTIVE" ? "on" : "OFF");
    row(rc.address, "post_confirmation trigger", shown(a.lambda_config?.[0]?.post_confirmation, afterUnknown(rc).lambda_config?.[0]?.post_confirmation, {
      constant_value: config.get(rc.address)?.lambda_config?.[0]?.post_confirmation?.constant_value,
    }));
    if (a.deletion_protection !== "ACTIVE") risks.push(`${rc.address}: deletion protection is off`);
  }
  for (const rc of ofType("aws_cloudwatch_log_group")) {
    row(rc.address, "retention", `${after(rc).retention_in_days} days`);
  }

  lines.push("", "### Risks", "");
  if (risks.length === 0) lines.push("None found.");
  else for (const r of risks) lines.push(`- :warning: ${r}`);
  lines.push("");
  return { markdown: lines.join("\n"), risks, counts };
}
