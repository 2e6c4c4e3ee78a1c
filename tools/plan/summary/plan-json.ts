/** Reading `terraform show -json` output: change kinds, configured expressions, values known only after apply. */

export type Json = any;

export type ChangeKind = "add" | "change" | "replace" | "destroy" | "read" | "no-op";

export function kindOf(actions: readonly string[]): ChangeKind {
  if (actions.includes("create") && actions.includes("delete")) return "replace";
  if (actions.includes("create")) return "add";
  if (actions.includes("delete")) return "destroy";
  if (actions.includes("update")) return "change";
  if (actions.includes("read")) return "read";
  return "no-op";
}

/** A plan as `terraform show -json` writes it; anything else (a config file, `{}`) is refused. */
export function assertPlan(value: unknown, where: string): asserts value is Json {
  const plan = value as Json;
  if (!plan || typeof plan !== "object" || typeof plan.format_version !== "string" || !Array.isArray(plan.resource_changes ?? []) || !("planned_values" in plan || "resource_changes" in plan)) {
    throw new Error(`${where} is not a plan written by terraform show -json (no format_version and resource_changes); run user-sync plan, or pass that file`);
  }
}

/** Configuration expressions by address (they keep templates for values unknown until apply). */
export function configurationIndex(plan: Json): Map<string, Json> {
  const index = new Map<string, Json>();
  const walk = (module: Json, prefix: string) => {
    for (const r of module?.resources ?? []) index.set(`${prefix}${r.address}`, r.expressions ?? {});
    for (const [name, call] of Object.entries(module?.module_calls ?? {})) walk((call as Json).module, `${prefix}module.${name}.`);
  };
  walk(plan.configuration?.root_module, "");
  return index;
}

/** A planned value, or the configured template marked as known after apply. */
export function shown(value: unknown, unknown: unknown, expression: Json): string {
  if (value !== undefined && value !== null && unknown !== true) return typeof value === "string" ? value : JSON.stringify(value);
  const template = expression?.constant_value;
  if (template !== undefined) return `${typeof template === "string" ? template : JSON.stringify(template)} (after apply)`;
  return "(known after apply)";
}

/** Markdown inline code, safe inside a table cell. */
export function code(s: string): string {
  return `\`${s.replace(/`/g, "'").replace(/\|/g, "\\|")}\``;
}

/** One planned resource, with what the summary reads of it. */
export interface Change {
  readonly address: string;
  readonly type: string;
  readonly after: Json;
  readonly unknown: Json;
  readonly expressions: Json;
}
