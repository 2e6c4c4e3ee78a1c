/**
 * The settings as people read them, generated from the schema: the README's
 * configuration table, and the UserSyncProps types a TypeScript user hovers
 * (lib/settings/props.ts, written by running this file; a test keeps it current).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { z } from "zod";
import { GROUPS, SETTINGS, type SettingInfo } from "./schema";

/** The README's configuration table. */
export function settingsTable(): string {
  const rows = SETTINGS.map((s) => `| \`${s.key}\` | \`${s.env}\` | ${s.defaultText} | ${s.doc} |`);
  return ["| Setting (file key) | Environment variable | Default | Meaning |", "| --- | --- | --- | --- |", ...rows].join("\n");
}

const GROUP_DOCS: Record<string, { readonly type: string; readonly doc: string }> = {
  table: { type: "TableSettings", doc: "The Users table: an existing one, and how a user's row is keyed." },
  userPool: { type: "UserPoolSettings", doc: "An existing user pool instead of a new one." },
  backend: { type: "BackendSettings", doc: "S3 remote state for this repository's stack (the UserSync construct adds no backend)." },
};

/** The TypeScript type of a setting's values, read off its schema. */
export function tsType(schema: z.ZodType): string {
  const def = schema._zod.def as any;
  switch (def.type) {
    case "default":
    case "prefault":
    case "optional":
      return tsType(def.innerType);
    case "pipe":
      return tsType(def.in);
    case "string":
    case "number":
    case "boolean":
      return def.type;
    case "enum":
      return Object.values(def.entries as Record<string, string>).map((v) => JSON.stringify(v)).join(" | ");
    case "record":
      return `Readonly<Record<string, ${tsType(def.valueType)}>>`;
    case "array":
      return `${tsType(def.element)}[]`;
    default:
      throw new Error(`no TypeScript type for a ${def.type} setting; teach tsType`);
  }
}

const isOptional = (s: SettingInfo) => (s.schema._zod.def as any).type === "optional";

/** `true`, `30`, `[]`, `{}`: shown as they are; anything else is a string and quoted. */
function isJsonLiteral(text: string): boolean {
  try {
    return typeof JSON.parse(text) !== "string";
  } catch {
    return false;
  }
}

/** A JSDoc block: the doc, and aws-cdk-lib's `@default` (a literal, or "- what happens"). */
function jsdoc(indent: string, doc: string, defaultText?: string): string {
  const text = doc.replace(/\*\//g, "*\\/");
  const literal = defaultText && /^`[^`]+`$/.test(defaultText) ? defaultText.slice(1, -1) : undefined;
  const value = literal === undefined ? undefined : isJsonLiteral(literal) ? literal : JSON.stringify(literal);
  const lines = [text, ...(defaultText ? [`@default ${value ?? `- ${defaultText.replace(/`/g, "")}`}`] : [])];
  return `${indent}/**\n${lines.map((l) => `${indent} * ${l}`).join("\n")}\n${indent} */`;
}

function members(settings: readonly SettingInfo[], prefix: string, output: boolean): string[] {
  return settings.map((s) => {
    const name = s.key.slice(prefix.length);
    const optional = output ? isOptional(s) : true;
    return `${jsdoc("  ", s.doc, output ? undefined : s.defaultText)}\n  readonly ${name}${optional ? "?" : ""}: ${tsType(s.schema)};`;
  });
}

/** lib/settings/props.ts: the settings as plain interfaces, every member documented. */
export function renderProps(): string {
  const top = SETTINGS.filter((s) => !s.key.includes("."));
  const group = (g: string) => SETTINGS.filter((s) => s.key.startsWith(`${g}.`));
  const out: string[] = [
    "// Generated from lib/settings/schema.ts by `node --import tsx lib/settings/docs.ts`; a test keeps it current. Do not edit.",
    "",
    "/** user-sync's settings: the keys of user-sync.config.json, and the UserSync construct's props. Every one is optional. */",
    "export interface UserSyncSettings {",
    ...members(top, "", false),
    ...GROUPS.map((g) => `${jsdoc("  ", GROUP_DOCS[g].doc)}\n  readonly ${g}?: ${GROUP_DOCS[g].type};`),
    "}",
  ];
  for (const g of GROUPS) out.push("", `/** ${GROUP_DOCS[g].doc} */`, `export interface ${GROUP_DOCS[g].type} {`, ...members(group(g), `${g}.`, false), "}");
  out.push(
    "",
    "/** S3 remote state with every default applied. */",
    "export interface RemoteBackendConfig {",
    "  readonly bucket: string;",
    "  readonly key: string;",
    "  readonly region: string;",
    "  readonly lock: string;",
    "}",
    "",
    "/** Validated settings with every default applied. */",
    "export interface UserSyncConfig {",
    ...members(top, "", true),
    ...GROUPS.filter((g) => g !== "backend").map((g) => `  readonly ${g}: {\n${members(group(g), `${g}.`, true).map((m) => m.replace(/^/gm, "  ")).join("\n")}\n  };`),
    "  /** S3 remote state; undefined means local state. */",
    "  readonly backend?: RemoteBackendConfig;",
    "}",
    "",
    '/** How function bundles are zipped: by the archive provider, or by cdktf at synth. */',
    'export type PackagingMode = UserSyncConfig["packaging"];',
    "",
  );
  return out.join("\n");
}

export const PROPS_FILE = join(__dirname, "props.ts");

if (require.main === module) {
  writeFileSync(PROPS_FILE, renderProps());
  console.error(`wrote ${PROPS_FILE}`);
}
