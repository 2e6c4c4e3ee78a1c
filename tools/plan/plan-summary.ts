/**
 * Markdown summary of a `terraform show -json` plan for reviewers: what
 * changes, every privilege the plan grants (policies whose JSON is only known
 * after apply are read from the plan's configuration section), the
 * security-relevant settings, and what looks risky. What it cannot read is a
 * risk too, never silence.
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

/** Services this stack lets assume its roles. */
const TRUSTED_SERVICES = new Set(["lambda.amazonaws.com", "states.amazonaws.com", "scheduler.amazonaws.com", "events.amazonaws.com"]);

const POLICY_ATTACHMENTS = [
  "aws_iam_role_policy_attachment",
  "aws_iam_policy_attachment",
  "aws_iam_user_policy_attachment",
  "aws_iam_group_policy_attachment",
  "aws_iam_role_policy_attachments_exclusive",
];
/** Identity policies: the `policy` attribute is a JSON document. */
const IDENTITY_POLICY_TYPES = ["aws_iam_role_policy", "aws_iam_policy", "aws_iam_user_policy", "aws_iam_group_policy"];
/** Resource policies: who else may act on a resource. */
const RESOURCE_POLICY_TYPES = ["aws_s3_bucket_policy", "aws_sqs_queue_policy", "aws_sns_topic_policy", "aws_lambda_function_policy"];

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
  const walk = (module: Json, prefix: string) => {
    for (const r of module?.resources ?? []) index.set(`${prefix}${r.address}`, r.expressions ?? {});
    for (const [name, call] of Object.entries(module?.module_calls ?? {})) walk((call as Json).module, `${prefix}module.${name}.`);
  };
  walk(plan.configuration?.root_module, "");
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
  return `\`${s.replace(/`/g, "'").replace(/\|/g, "\\|")}\``;
}

/** `*` and `?` are wildcards; `*` is allowed only as the log-stream part of one named log group's ARN. */
export function isWildcard(value: string): boolean {
  const rest = value.replace(/:log-group:[^*?:]+:log-stream:\*( \(after apply\))?$/, "").replace(/\}:log-stream:\*( \(after apply\))?$/, "}");
  // Interpolations (${...}) are references, not patterns.
  return /[*?]/.test(rest.replace(/\$\{[^}]*\}/g, ""));
}

interface Statement {
  readonly sid?: string;
  readonly effect: string;
  readonly actions: string[];
  readonly notActions: string[];
  readonly resources: string[];
  readonly notResources: string[];
  /** "Service:lambda.amazonaws.com", "AWS:*", "*", ... */
  readonly principals: string[];
  readonly notPrincipals: string[];
}

const list = (v: unknown): string[] => (v === undefined || v === null ? [] : ([] as unknown[]).concat(v).map((x) => (typeof x === "string" ? x : JSON.stringify(x))));

function principalsOf(p: unknown): string[] {
  if (p === undefined || p === null) return [];
  if (typeof p === "string") return [p];
  return Object.entries(p as Record<string, unknown>).flatMap(([kind, v]) => list(v).map((x) => `${kind}:${x}`));
}

/** Statements of an IAM JSON document. */
function statementsOf(doc: Json): Statement[] {
  return ([] as Json[]).concat(doc?.Statement ?? []).map((s) => ({
    sid: s.Sid,
    effect: s.Effect ?? "Allow",
    actions: list(s.Action),
    notActions: list(s.NotAction),
    resources: list(s.Resource),
    notResources: list(s.NotResource),
    principals: principalsOf(s.Principal),
    notPrincipals: principalsOf(s.NotPrincipal),
  }));
}

/** Statements of an aws_iam_policy_document (its block form). */
function documentStatements(after: Json, unknown: Json, expressions: Json): Statement[] {
  return (after?.statement ?? []).map((st: Json, i: number) => {
    const u = unknown?.statement?.[i] ?? {};
    const e = expressions?.statement?.[i] ?? {};
    const values = (key: string) =>
      (st[key] ?? []).map((r: unknown, j: number) => shown(r, u[key]?.[j], { constant_value: e[key]?.constant_value?.[j] }));
    const principals = (key: string) =>
      (st[key] ?? []).flatMap((p: Json) => (p.identifiers ?? []).map((id: string) => `${p.type}:${id}`));
    return {
      sid: st.sid,
      effect: st.effect ?? "Allow",
      actions: st.actions ?? [],
      notActions: st.not_actions ?? [],
      resources: values("resources"),
      notResources: values("not_resources"),
      principals: principals("principals"),
      notPrincipals: principals("not_principals"),
    };
  });
}

/**
 * An HCL `jsonencode({...})` argument as JSON: keys quoted, `=` as `:`,
 * references as "${...}" strings. Good enough for policy objects; anything
 * it cannot turn into JSON stays unreadable.
 */
function hclObjectToJson(source: string): string {
  let out = "";
  for (let i = 0; i < source.length; ) {
    const ch = source[i];
    if (ch === '"') {
      let j = i + 1;
      while (j < source.length && source[j] !== '"') j += source[j] === "\\" ? 2 : 1;
      out += source.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_.\-]*(\[[^\]]*\])*/.exec(source.slice(i));
    if (ident) {
      const word = ident[0];
      const after = source.slice(i + word.length).trimStart();
      if (after.startsWith("=") && !after.startsWith("==")) out += JSON.stringify(word);
      else out += ["true", "false", "null"].includes(word) ? word : JSON.stringify(`\${${word}}`);
      i += word.length;
      continue;
    }
    out += ch === "=" ? ":" : ch;
    i++;
  }
  return out.replace(/,\s*([}\]])/g, "$1");
}

type PolicyRead = { statements: Statement[] } | { unreadable: string };

/** A policy attribute: the planned JSON, or else the configured template with references as placeholders. */
export function readPolicy(value: unknown, unknown: unknown, expression: Json): PolicyRead {
  if (typeof value === "string" && unknown !== true) {
    try {
      return { statements: statementsOf(JSON.parse(value)) };
    } catch (err) {
      return { unreadable: `not JSON (${(err as Error).message})` };
    }
  }
  const template = expression?.constant_value;
  if (typeof template !== "string") return { unreadable: "its JSON is only known after apply and the configuration holds no template for it" };
  const jsonencode = /^\$\{jsonencode\(([\s\S]*)\)\}$/.exec(template.trim());
  const text = jsonencode ? hclObjectToJson(jsonencode[1]) : template.replace(/\$\{([^}]*)\}/g, (_, ref: string) => `\${${ref.replace(/"/g, "'")}}`);
  try {
    return { statements: statementsOf(JSON.parse(text)) };
  } catch {
    return { unreadable: "its JSON is only known after apply and its template could not be read" };
  }
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
    const allowed = rc.mode === "data" ? ALLOWED_DATA : ALLOWED_TYPES;
    if (!allowed.has(rc.type) && kind !== "destroy") risks.push(`${rc.address}: ${rc.mode === "data" ? "data source" : "resource"} type ${rc.type} is not one user-sync creates`);
  }

  const after = (rc: Json) => rc.change?.after ?? {};
  const afterUnknown = (rc: Json) => rc.change?.after_unknown ?? {};
  const live = changes.filter((rc) => kindOf(rc.change?.actions ?? []) !== "destroy");
  const ofType = (...types: string[]) => live.filter((rc) => types.includes(rc.type));

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

  // Every privilege: identity policies, inline policies, trust policies, resource policies, attachments.
  lines.push("", "### IAM policy statements", "", "| Policy | Sid | Effect | Actions | Resources / principals |", "| --- | --- | --- | --- | --- |");
  const statementRows: string[] = [];
  const review = (where: string, read: PolicyRead, kind: "identity" | "trust" | "resource") => {
    if ("unreadable" in read) {
      risks.push(`${where}: could not read the policy (${read.unreadable}); review it by hand`);
      statementRows.push(`| ${code(where)} | | | (could not read) | |`);
      return;
    }
    read.statements.forEach((st, i) => {
      const label = `${where} statement ${st.sid ?? i}`;
      const allow = st.effect === "Allow";
      if (allow && st.notActions.length) risks.push(`${label}: Allow with NotAction grants every other action`);
      if (allow && st.notResources.length) risks.push(`${label}: Allow with NotResource grants every other resource`);
      if (st.notPrincipals.length) risks.push(`${label}: NotPrincipal applies to everyone else`);
      if (allow) {
        for (const a of [...st.actions, ...st.notActions]) if (/[*?]/.test(a)) risks.push(`${label}: wildcard action ${code(a)}`);
        if (kind === "identity") for (const r of st.resources) if (isWildcard(r)) risks.push(`${label}: wildcard resource ${code(r)}`);
        if (kind === "trust") {
          for (const p of st.principals) {
            const [type, id] = p.includes(":") ? [p.slice(0, p.indexOf(":")), p.slice(p.indexOf(":") + 1)] : ["", p];
            if (!(type === "Service" && TRUSTED_SERVICES.has(id))) risks.push(`${label}: the role may be assumed by ${code(p)}`);
          }
        }
        if (kind === "resource") {
          for (const p of st.principals) if (p === "*" || p.endsWith(":*")) risks.push(`${label}: allows principal ${code(p)} (anyone)`);
        }
      }
      const targets = kind === "identity" ? [...st.resources, ...st.notResources.map((r) => `NOT ${r}`)] : st.principals;
      statementRows.push(
        `| ${code(where)} | ${st.sid ?? ""} | ${st.effect} | ${[...st.actions, ...st.notActions.map((a) => `NOT ${a}`)].map(code).join("<br>")} | ${targets.map(code).join("<br>")} |`,
      );
    });
  };

  const documents = new Set(live.filter((r) => r.type === "aws_iam_policy_document").map((r) => r.address));
  /** The policy document a policy is exactly the JSON of, if any: reviewed once, as that kind of policy. */
  const documentOf = (rc: Json): string | undefined => {
    const template = config.get(rc.address)?.policy?.constant_value;
    const doc = typeof template === "string" ? /^\$\{(data\.aws_iam_policy_document\.[^.}]+)\.json\}$/.exec(template)?.[1] : undefined;
    return doc && documents.has(doc) ? doc : undefined;
  };
  const resourceDocuments = new Set(ofType(...RESOURCE_POLICY_TYPES).map(documentOf).filter(Boolean));
  for (const rc of live.filter((r) => r.type === "aws_iam_policy_document")) {
    review(rc.address, { statements: documentStatements(after(rc), afterUnknown(rc), config.get(rc.address)) }, resourceDocuments.has(rc.address) ? "resource" : "identity");
  }
  for (const rc of ofType(...IDENTITY_POLICY_TYPES, ...RESOURCE_POLICY_TYPES)) {
    if (documentOf(rc)) continue;
    review(rc.address, readPolicy(after(rc).policy, afterUnknown(rc).policy, config.get(rc.address)?.policy), IDENTITY_POLICY_TYPES.includes(rc.type) ? "identity" : "resource");
  }
  for (const rc of ofType("aws_iam_role")) {
    review(`${rc.address} (trust)`, readPolicy(after(rc).assume_role_policy, afterUnknown(rc).assume_role_policy, config.get(rc.address)?.assume_role_policy), "trust");
    const inline: Json[] = after(rc).inline_policy ?? [];
    inline.forEach((p, i) => {
      if (!p?.policy && !afterUnknown(rc).inline_policy?.[i]?.policy) return;
      risks.push(`${rc.address}: inline_policy ${code(p.name ?? String(i))} (a policy outside the reviewed role policies)`);
      review(`${rc.address} inline_policy ${p.name ?? i}`, readPolicy(p.policy, afterUnknown(rc).inline_policy?.[i]?.policy, config.get(rc.address)?.inline_policy?.[i]?.policy), "identity");
    });
    for (const arn of after(rc).managed_policy_arns ?? []) risks.push(`${rc.address}: managed policy ${code(arn)} attached`);
  }
  for (const rc of ofType(...POLICY_ATTACHMENTS)) {
    const arns = [after(rc).policy_arn, ...(after(rc).policy_arns ?? [])].filter(Boolean);
    const shownArns = arns.length ? arns.map((a: string) => code(a)).join(", ") : code(shown(undefined, true, config.get(rc.address)?.policy_arn));
    risks.push(`${rc.address}: attaches ${shownArns}${arns.some((a: string) => /AdministratorAccess|FullAccess|PowerUser/.test(a)) ? " (broad AWS-managed policy)" : ""}`);
    statementRows.push(`| ${code(rc.address)} | | attachment | ${shownArns} | |`);
  }
  lines.push(...(statementRows.length ? statementRows : ["| (no policy in this plan) | | | | |"]));

  lines.push("", "### Protections and wiring", "", "| Resource | Setting | Planned value |", "| --- | --- | --- |");
  const row = (address: string, setting: string, value: string) => lines.push(`| ${code(address)} | ${setting} | ${code(value)} |`);

  for (const rc of ofType("aws_lambda_permission")) {
    const a = after(rc);
    const u = afterUnknown(rc);
    const e = config.get(rc.address) ?? {};
    row(rc.address, "principal", shown(a.principal, u.principal, e.principal));
    row(rc.address, "source_arn", shown(a.source_arn, u.source_arn, e.source_arn));
    row(rc.address, "source_account", shown(a.source_account, u.source_account, e.source_account));
    if (a.principal === "*" || (typeof a.principal === "string" && !a.principal.endsWith(".amazonaws.com"))) {
      risks.push(`${rc.address}: principal is ${code(String(a.principal))}: anyone (or another account) may invoke the function`);
    }
    if (!a.source_arn && !u.source_arn) risks.push(`${rc.address}: no source_arn (any resource of that service could invoke the function)`);
    if (!a.source_account && !u.source_account && a.principal === "cognito-idp.amazonaws.com") {
      risks.push(`${rc.address}: no source_account (confused-deputy protection missing)`);
    }
    if (a.function_url_auth_type === "NONE") risks.push(`${rc.address}: public function URL permission (auth NONE)`);
  }
  for (const rc of ofType("aws_lambda_function_url")) {
    if (after(rc).authorization_type === "NONE") risks.push(`${rc.address}: function URL with authorization_type NONE: anyone on the internet may invoke it`);
  }
  for (const rc of ofType("aws_lambda_function")) {
    const a = after(rc);
    row(rc.address, "runtime / architectures", `${a.runtime} / ${(a.architectures ?? []).join(",")}`);
    row(rc.address, "timeout / memory", `${a.timeout} s / ${a.memory_size} MB`);
    const triggerTimeout = String(a.function_name ?? "").endsWith("post-confirmation");
    if (triggerTimeout && a.timeout > 5) risks.push(`${rc.address}: timeout ${a.timeout} s exceeds Cognito's 5 s wait`);
  }
  for (const rc of ofType("aws_dynamodb_table")) {
    const a = after(rc);
    const pitr = a.point_in_time_recovery?.[0]?.enabled === true;
    const sse = a.server_side_encryption?.[0];
    row(rc.address, "point-in-time recovery", pitr ? "on" : "OFF");
    row(rc.address, "encryption", sse?.enabled ? `customer KMS key ${sse.kms_key_arn ?? "(after apply)"}` : "AWS-owned key");
    row(rc.address, "deletion protection", a.deletion_protection_enabled ? "on" : "OFF");
    // The reconcile scratch table holds only data that expires (run state a day, pruned-row backups a month).
    const scratch = String(a.name ?? "").endsWith("-reconcile-scratch");
    if (scratch) row(rc.address, "holds", "reconcile scratch data (expires by TTL)");
    if (!pitr && !scratch) risks.push(`${rc.address}: point-in-time recovery is off`);
    if (!a.deletion_protection_enabled && !scratch) risks.push(`${rc.address}: deletion protection is off`);
  }
  for (const rc of ofType("aws_cognito_user_pool")) {
    const a = after(rc);
    row(rc.address, "deletion protection", a.deletion_protection === "ACTIVE" ? "on" : "OFF");
    row(rc.address, "MFA", String(a.mfa_configuration ?? "OFF"));
    row(
      rc.address,
      "post_confirmation trigger",
      shown(a.lambda_config?.[0]?.post_confirmation, afterUnknown(rc).lambda_config?.[0]?.post_confirmation, {
        constant_value: config.get(rc.address)?.lambda_config?.[0]?.post_confirmation?.constant_value,
      }),
    );
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
