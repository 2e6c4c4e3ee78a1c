/**
 * How a user's row is keyed: the key layout, the one template function that
 * fills it (and the Amplify owner value), and what a well-formed sub is.
 * The stack, the functions, the sandbox and the tools all key rows here.
 */

/**
 * How a user's row is keyed: attribute names and value templates in which
 * `{sub}` stands for the Cognito `sub`. The default is one table of users
 * keyed `id = sub`; single-table designs use e.g. `pk = "USER#{sub}"`, `sk = "PROFILE"`.
 */
export interface KeyLayout {
  readonly partitionKey: { readonly name: string; readonly value: string };
  /** @default undefined (no sort key) */
  readonly sortKey?: { readonly name: string; readonly value: string };
}

export const DEFAULT_KEY_LAYOUT: KeyLayout = { partitionKey: { name: "id", value: "{sub}" } };

/** Partition key of the default layout. */
export const ROW_KEY = DEFAULT_KEY_LAYOUT.partitionKey.name;

const SUB = "{sub}";
const KEY_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_.-]{0,254}$/;

/**
 * A well-formed Cognito sub. Cognito assigns UUIDs (v4, lately also v7), but
 * documents the value only as a unique identifier: accept the characters a
 * UUID uses in any case, plus letters (AWS's published samples redact subs
 * that way), bounded far below DynamoDB's key limit. Anything else (a `$'`, a
 * quote, 3,000 characters) is malformed input and never builds a key.
 */
export const SUB_PATTERN = /^[0-9A-Za-z](?:[0-9A-Za-z-]{0,126}[0-9A-Za-z])?$/;

export const isWellFormedSub = (sub: unknown): boolean => typeof sub === "string" && SUB_PATTERN.test(sub);

/** Input that can never be processed (a malformed sub or username): ignored and counted, never retried. */
export class MalformedInputError extends Error {
  name = "MalformedInputError";
}

/**
 * Fills `{name}` placeholders in one pass, with a function so that `$'`, `` $` ``,
 * `$&`, `$1` and `$$` in a value stay literal (a string replacement would
 * expand them), and so that a value containing a placeholder is never filled
 * again. Placeholders without a value are left as they are.
 */
export function fillTemplate(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{([A-Za-z]+)\}/g, (placeholder, name: string) => (Object.hasOwn(values, name) ? values[name] : placeholder));
}

/** Every problem with a key layout, each naming `where` and the fix. */
export function keyLayoutProblems(layout: KeyLayout, where: string): string[] {
  const problems: string[] = [];
  const { partitionKey: pk, sortKey: sk } = layout;
  for (const [label, key] of [["partitionKey", pk], ["sortKey", sk]] as const) {
    if (!key) continue;
    if (!KEY_NAME_PATTERN.test(key.name ?? "")) problems.push(`${where}.${label}.name: ${JSON.stringify(key.name)} is not a DynamoDB attribute name`);
    if (typeof key.value !== "string" || key.value === "") problems.push(`${where}.${label}.value: give a template such as "{sub}" or "USER#{sub}"`);
    else if (key.value.split(SUB).length > 2) problems.push(`${where}.${label}.value: ${JSON.stringify(key.value)} has {sub} more than once`);
    else if (/[{}]/.test(key.value.split(SUB).join(""))) problems.push(`${where}.${label}.value: ${JSON.stringify(key.value)} may hold only the placeholder {sub}`);
  }
  if (typeof pk?.value === "string" && !pk.value.includes(SUB) && !(sk?.value ?? "").includes(SUB)) {
    problems.push(`${where}: neither key holds {sub}; one must, or users cannot be told apart`);
  }
  if (sk && pk && sk.name === pk.name) problems.push(`${where}.sortKey.name: must differ from the partition key's name`);
  return problems;
}

/** The row's key attributes for a user; a malformed sub never makes a key. */
export function rowKey(layout: KeyLayout, sub: string): Record<string, string> {
  if (!isWellFormedSub(sub)) throw new MalformedInputError(`a sub of ${String(sub).length} characters is not a Cognito sub; no row key is made from it`);
  const key: Record<string, string> = { [layout.partitionKey.name]: fillTemplate(layout.partitionKey.value, { sub }) };
  if (layout.sortKey) key[layout.sortKey.name] = fillTemplate(layout.sortKey.value, { sub });
  return key;
}

/** The sub a stored key belongs to, or undefined when the item is not a user row of this layout. */
export function subOfKey(layout: KeyLayout, key: Readonly<Record<string, unknown>>): string | undefined {
  let sub: string | undefined;
  for (const part of [layout.partitionKey, layout.sortKey]) {
    if (!part) continue;
    const value = key[part.name];
    if (typeof value !== "string") return undefined;
    const at = part.value.indexOf(SUB);
    if (at < 0) {
      if (value !== part.value) return undefined;
      continue;
    }
    const prefix = part.value.slice(0, at);
    const suffix = part.value.slice(at + SUB.length);
    if (value.length <= prefix.length + suffix.length || !value.startsWith(prefix) || !value.endsWith(suffix)) return undefined;
    const found = value.slice(prefix.length, value.length - suffix.length);
    if (!isWellFormedSub(found) || (sub !== undefined && found !== sub)) return undefined;
    sub = found;
  }
  return sub;
}

/**
 * Whether every item of this layout's shape is a user row: true when a key
 * carries a fixed prefix, suffix or value besides {sub}. A bare `{sub}` key
 * in a table shared with other entities could match anything, so deleting
 * "orphans" by it is refused there.
 */
export function layoutIsDistinctive(layout: KeyLayout): boolean {
  return [layout.partitionKey, layout.sortKey].some((part) => part !== undefined && part.value !== SUB);
}

/** The key attribute names of a layout. */
export const keyNames = (layout: KeyLayout): string[] => [layout.partitionKey.name, ...(layout.sortKey ? [layout.sortKey.name] : [])];

/** The layout a mapping uses: its own, or the default (`id` = sub). */
export const layoutOf = (mapping: { readonly keyLayout?: KeyLayout }): KeyLayout => mapping.keyLayout ?? DEFAULT_KEY_LAYOUT;
