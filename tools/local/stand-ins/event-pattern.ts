/**
 * EventBridge's event-pattern matching, for the operators our rule uses
 * (exact values, exists, prefix, anything-but, $or). There is no maintained npm
 * package for it; an operator outside this set is an error, never a silent
 * match, so a pattern change cannot pass the local tap unnoticed.
 */
type Json = unknown;

/** A leaf: a value, not an object. An array is its elements (event-ruler flattens arrays). */
const isLeaf = (value: Json): boolean => (Array.isArray(value) ? value.some(isLeaf) : value === null || typeof value !== "object");

function matchesValue(rule: Json, value: Json, present: boolean): boolean {
  if (rule === null || typeof rule !== "object") return present && value === rule;
  const [op, arg] = Object.entries(rule as Record<string, Json>)[0] ?? [];
  switch (op) {
    case "exists":
      // "Exists matching only works on leaf nodes" (event-ruler's README): a field holding an
      // object is not there for exists, so { exists: false } matches it and { exists: true } does not.
      return (present && isLeaf(value)) === arg;
    case "prefix":
      return present && typeof value === "string" && value.startsWith(String(arg));
    case "anything-but":
      return present && !(Array.isArray(arg) ? arg : [arg]).includes(value);
    default:
      throw new Error(`event pattern operator ${JSON.stringify(op)} is not supported by the local tap's matcher`);
  }
}

/** Whether `event` matches `pattern` (fields AND, array values OR; an array in the event matches if any element does). */
export function matchesPattern(pattern: Record<string, Json>, event: Json): boolean {
  const object = (event ?? {}) as Record<string, Json>;
  return Object.entries(pattern).every(([field, rule]) => {
    // $or: any of its patterns, each applied at this level.
    if (field === "$or") {
      if (!Array.isArray(rule) || rule.length < 2) throw new Error("$or must list at least two patterns");
      return rule.some((alternative) => matchesPattern(alternative as Record<string, Json>, event));
    }
    const present = typeof object === "object" && object !== null && field in object && object[field] !== undefined;
    const value = present ? object[field] : undefined;
    if (!Array.isArray(rule)) return present && matchesPattern(rule as Record<string, Json>, value);
    const values = Array.isArray(value) ? value : [value];
    // exists looks at the field; every other matcher at each element of an array value.
    return rule.some((r) => (r !== null && typeof r === "object" && "exists" in r ? matchesValue(r, value, present) : values.some((v) => matchesValue(r, v, present))));
  });
}
