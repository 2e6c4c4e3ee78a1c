/**
 * Every privilege a plan grants: statements of policy documents, role and
 * inline policies, trust policies and resource policies (a policy whose JSON
 * is known only after apply is read from its configured template), each
 * reviewed for what makes it risky. A policy it cannot read is a risk too.
 */
import { code, shown, type Json } from "./plan-json";

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

export type PolicyRead = { statements: Statement[] } | { unreadable: string };
export type PolicyKind = "identity" | "trust" | "resource";

/** Services this stack lets assume its roles. */
const TRUSTED_SERVICES = new Set(["lambda.amazonaws.com", "states.amazonaws.com", "scheduler.amazonaws.com", "events.amazonaws.com"]);

const list = (v: unknown): string[] => (v === undefined || v === null ? [] : ([] as unknown[]).concat(v).map((x) => (typeof x === "string" ? x : JSON.stringify(x))));

function principalsOf(p: unknown): string[] {
  if (p === undefined || p === null) return [];
  if (typeof p === "string") return [p];
  return Object.entries(p as Record<string, unknown>).flatMap(([kind, v]) => list(v).map((x) => `${kind}:${x}`));
}

/** `*` and `?` are wildcards; `*` is allowed only as the log-stream part of one named log group's ARN. */
export function isWildcard(value: string): boolean {
  const rest = value.replace(/:log-group:[^*?:]+:log-stream:\*( \(after apply\))?$/, "").replace(/\}:log-stream:\*( \(after apply\))?$/, "}");
  // Interpolations (${...}) are references, not patterns.
  return /[*?]/.test(rest.replace(/\$\{[^}]*\}/g, ""));
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
export function documentStatements(after: Json, unknown: Json, expressions: Json): PolicyRead {
  const statements = (after?.statement ?? []).map((st: Json, i: number) => {
    const u = unknown?.statement?.[i] ?? {};
    const e = expressions?.statement?.[i] ?? {};
    const values = (key: string) => (st[key] ?? []).map((r: unknown, j: number) => shown(r, u[key]?.[j], { constant_value: e[key]?.constant_value?.[j] }));
    const principals = (key: string) => (st[key] ?? []).flatMap((p: Json) => (p.identifiers ?? []).map((id: string) => `${p.type}:${id}`));
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
  return { statements };
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

/** One policy's table rows and the risks it carries. */
export function reviewPolicy(where: string, read: PolicyRead, kind: PolicyKind): { rows: string[]; risks: string[] } {
  if ("unreadable" in read) return { rows: [`| ${code(where)} | | | (could not read) | |`], risks: [`${where}: could not read the policy (${read.unreadable}); review it by hand`] };
  const rows: string[] = [];
  const risks: string[] = [];
  read.statements.forEach((st, i) => {
    const label = `${where} statement ${st.sid ?? i}`;
    if (st.effect === "Allow") {
      if (st.notActions.length) risks.push(`${label}: Allow with NotAction grants every other action`);
      if (st.notResources.length) risks.push(`${label}: Allow with NotResource grants every other resource`);
      for (const a of [...st.actions, ...st.notActions]) if (/[*?]/.test(a)) risks.push(`${label}: wildcard action ${code(a)}`);
      if (kind === "identity") for (const r of st.resources) if (isWildcard(r)) risks.push(`${label}: wildcard resource ${code(r)}`);
      if (kind === "trust") {
        for (const p of st.principals) {
          const [type, id] = p.includes(":") ? [p.slice(0, p.indexOf(":")), p.slice(p.indexOf(":") + 1)] : ["", p];
          if (!(type === "Service" && TRUSTED_SERVICES.has(id))) risks.push(`${label}: the role may be assumed by ${code(p)}`);
        }
      }
      if (kind === "resource") for (const p of st.principals) if (p === "*" || p.endsWith(":*")) risks.push(`${label}: allows principal ${code(p)} (anyone)`);
    }
    if (st.notPrincipals.length) risks.push(`${label}: NotPrincipal applies to everyone else`);
    const targets = kind === "identity" ? [...st.resources, ...st.notResources.map((r) => `NOT ${r}`)] : st.principals;
    rows.push(`| ${code(where)} | ${st.sid ?? ""} | ${st.effect} | ${[...st.actions, ...st.notActions.map((a) => `NOT ${a}`)].map(code).join("<br>")} | ${targets.map(code).join("<br>")} |`);
  });
  return { rows, risks };
}
