/**
 * The building blocks of the settings schema: a setting with its default and
 * metadata, an optional one, a function setting whose default and rule come
 * from core, and the value kinds with their messages.
 */
import { z } from "zod";
import type { FunctionSetting } from "../../core/function-settings";

/** How the value of an environment variable becomes a setting value. */
export type EnvKind = "string" | "number" | "boolean" | "json";

export interface SettingMeta {
  /** Environment variable that overrides the file. */
  readonly env: string;
  readonly envKind: EnvKind;
  /** The default as the README shows it (Markdown). */
  readonly defaultText: string;
  readonly doc: string;
  /** An empty environment value is a value (e.g. "" turns the owner field off), not "unset". @default false */
  readonly emptyIsValue?: boolean;
}

/** Metadata of every leaf setting, keyed by its schema. */
export const registry = z.registry<SettingMeta>();

export const shown = (input: unknown) => JSON.stringify(input);

/** One leaf setting: its dotted path, metadata and schema. */
export interface SettingInfo extends SettingMeta {
  readonly key: string;
  readonly schema: z.ZodType;
}

/** The settings of a schema built from these kinds, in declaration order. */
export function settingLeaves(schema: z.ZodType, prefix = ""): SettingInfo[] {
  const meta = registry.get(schema);
  if (meta) return [{ key: prefix, ...meta, schema }];
  const inner = schema instanceof z.ZodDefault || schema instanceof z.ZodPrefault || schema instanceof z.ZodOptional ? schema.unwrap() : schema;
  if (!(inner instanceof z.ZodObject)) return [];
  return Object.entries(inner.shape as Record<string, z.ZodType>).flatMap(([k, s]) => settingLeaves(s, prefix ? `${prefix}.${k}` : k));
}
const defaultTextOf = (value: unknown) => `\`${typeof value === "string" ? value : JSON.stringify(value)}\``;

export function setting<T extends z.ZodType>(schema: T, meta: Omit<SettingMeta, "defaultText"> & { default: z.output<T>; defaultText?: string }) {
  const { default: value, ...rest } = meta;
  const withDefault = schema.default(value as never);
  registry.add(withDefault, { ...rest, defaultText: rest.defaultText ?? defaultTextOf(value) });
  return withDefault;
}

export function optionalSetting<T extends z.ZodType>(schema: T, meta: SettingMeta) {
  const optional = schema.optional();
  registry.add(optional, meta);
  return optional;
}

/** A function setting's type with its one rule, from core: the schema never declares the rule again. */
function checkedBy<T>(declared: FunctionSetting<T> | FunctionSetting<T | undefined>, base: z.ZodType<T>): z.ZodType<T> {
  return base.superRefine((value, ctx) => {
    // A rule's problems are lines; one that says what the value must be is prefixed with the value.
    for (const problem of declared.check(value)?.split("\n") ?? []) {
      ctx.addIssue({ code: "custom", message: /^(must|is|may) /.test(problem) ? `${shown(value)} ${problem}` : problem });
    }
  });
}

type MetaWithoutDefault = Omit<SettingMeta, "defaultText"> & { defaultText?: string };

/** A setting a function reads: its default and rule come from its one declaration in core. */
export function functionSetting<T>(declared: FunctionSetting<T>, base: z.ZodType<T>, meta: MetaWithoutDefault) {
  return setting(checkedBy(declared, base), { ...meta, default: declared.default as never });
}

/** The same, for a setting that is off unless given. */
export function optionalFunctionSetting<T>(declared: FunctionSetting<T | undefined>, base: z.ZodType<T>, meta: MetaWithoutDefault) {
  return optionalSetting(checkedBy(declared, base), { ...meta, defaultText: meta.defaultText ?? "none" });
}

/** Stage-like names: a-z 0-9 -, starting with a letter, not ending with -. */
export const name = (maxLength: number) =>
  z
    .string({ error: (iss) => `${shown(iss.input)} is not a string` })
    .refine((s) => /^[a-z][a-z0-9-]*$/.test(s) && s.length <= maxLength && !s.endsWith("-"), {
      error: (iss) => `${shown(iss.input)} is not accepted; use 1-${maxLength} characters of a-z, 0-9 and -, starting with a letter and not ending with -`,
    });

export const string = z.string({ error: (iss) => `${shown(iss.input)} is not a string` });
export const number = z.number({ error: (iss) => `${shown(iss.input)} is not a number` });
export const wholeNumber = z.number({ error: (iss) => `${shown(iss.input)} is not a whole number` }).int({ error: (iss) => `${shown(iss.input)} is not a whole number` });
export const boolean = z.boolean({ error: (iss) => `${shown(iss.input)} is not a boolean; use true or false` });
export const stringMap = z.record(z.string(), z.string({ error: "must be a string" }), { error: () => "must be a JSON object of string values" });

/** AWS region names, in every partition (aws, aws-cn, aws-us-gov, the ISO ones). */
export const REGION_PATTERN = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;
export const region = string.regex(REGION_PATTERN, { error: (iss) => `${shown(iss.input)} is not an AWS region name such as eu-west-1` });


/** Values CloudWatch Logs accepts for `retention_in_days`. */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;
