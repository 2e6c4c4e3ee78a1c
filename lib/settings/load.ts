/**
 * Settings from `user-sync.config.json` (or the file in USER_SYNC_CONFIG)
 * overridden by USER_SYNC_* variables, or from a UserSync construct's props:
 * validated by the schema and the cross-setting checks, with every problem
 * reported at once, each naming the setting the way its source names it.
 */
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { crossProblems, injectionProblems, type Label } from "./checks";
import type { UserSyncConfig, UserSyncSettings } from "./props";
import { SETTINGS, settingsSchema, type SettingInfo } from "./schema";
import { didYouMean } from "./suggest";

export { keyLayoutOf } from "./key-layout";

/** Thrown for any invalid setting; lists every problem at once. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid user-sync configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
  }
}

export interface LoadConfigOptions {
  /** Environment to read. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** JSON file, or false for none. @default $USER_SYNC_CONFIG, else ./user-sync.config.json if it exists */
  readonly file?: string | false;
  /** Where a warning (an unknown USER_SYNC_* variable) goes. @default stderr, once per process and variable */
  readonly warn?: (message: string) => void;
  /** Now, for the schedule's at(...) check. @default the clock */
  readonly now?: Date;
}

/** USER_SYNC_* variables that are not settings but are read elsewhere (tools). */
const OTHER_VARIABLES = ["USER_SYNC_CONFIG", "USER_SYNC_TF_CLI_CONFIG", "USER_SYNC_TF_MIRROR"];
const warned = new Set<string>();
const warnOnce = (message: string) => {
  if (warned.has(message)) return;
  warned.add(message);
  process.stderr.write(`warning: ${message}\n`);
};

/** USER_SYNC_* variables that name no setting: a typo would otherwise be ignored in silence. */
export function unknownVariables(env: NodeJS.ProcessEnv): string[] {
  const known = [...SETTINGS.map((s) => s.env), ...OTHER_VARIABLES];
  return Object.keys(env)
    .filter((name) => name.startsWith("USER_SYNC_") && !known.includes(name))
    .map((name) => `${name} is not a user-sync setting${didYouMean(name, known)}; it is ignored`);
}

const settingOf = (key: string): SettingInfo | undefined => SETTINGS.find((s) => s.key === key);
/** File and environment: `stage (USER_SYNC_STAGE)`. */
const fileLabel: Label = (key) => {
  const s = settingOf(key);
  return s ? `${key} (${s.env})` : key;
};
/** A construct's props: `props.stage` (the construct reads no environment). */
const propsLabel: Label = (key) => `props.${key}`;

/** An environment value as the setting's type, or a problem. Numbers are decimal only ("0x100" is not 256). */
function fromEnv(setting: SettingInfo, raw: string): { value: unknown } | { problem: string } {
  switch (setting.envKind) {
    case "number":
      return /^\s*-?\d+(\.\d+)?\s*$/.test(raw) ? { value: Number(raw) } : { problem: `${fileLabel(setting.key)}: ${JSON.stringify(raw)} is not a decimal number` };
    case "boolean":
      return { value: raw === "true" ? true : raw === "false" ? false : raw };
    case "json":
      try {
        return { value: JSON.parse(raw) };
      } catch {
        return { problem: `${fileLabel(setting.key)}: not valid JSON; give an object such as {"a":"b"}` };
      }
    default:
      return { value: raw };
  }
}

function readConfigFile(path: string, explicit: boolean, problems: string[]): Record<string, unknown> {
  if (!explicit && !existsSync(path)) return {};
  try {
    const parsed = JSON.parse(readFileSync(path, "utf8"));
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
    return parsed;
  } catch (err) {
    problems.push(`config file ${path} (USER_SYNC_CONFIG): cannot be read as a JSON object (${(err as Error).message})`);
    return {};
  }
}

function setPath(target: Record<string, any>, key: string, value: unknown): void {
  const parts = key.split(".");
  let node = target;
  for (const part of parts.slice(0, -1)) {
    if (typeof node[part] !== "object" || node[part] === null) node[part] = {};
    node = node[part];
  }
  node[parts[parts.length - 1]] = value;
}

/** Loads and validates the configuration; throws ConfigError listing every bad setting. */
export function loadConfig(options: LoadConfigOptions = {}): UserSyncConfig {
  const env = options.env ?? process.env;
  for (const message of unknownVariables(env)) (options.warn ?? warnOnce)(message);
  const problems: string[] = [];
  const explicitFile = options.file ?? env.USER_SYNC_CONFIG;
  const raw = explicitFile === false ? {} : structuredClone(readConfigFile(explicitFile ?? resolve("user-sync.config.json"), explicitFile !== undefined, problems));

  for (const setting of SETTINGS) {
    const value = env[setting.env];
    if (value === undefined || (value === "" && !setting.emptyIsValue)) continue;
    const parsed = fromEnv(setting, value);
    if ("problem" in parsed) problems.push(parsed.problem);
    else setPath(raw, setting.key, parsed.value);
  }
  return validate(raw, problems, fileLabel, "config file", options.now);
}

/** Validates a construct's props; throws ConfigError listing every bad one, each named `props.<key>`. */
export function parseSettings(settings: UserSyncSettings, now?: Date): UserSyncConfig {
  return validate(structuredClone(settings) as Record<string, unknown>, [], propsLabel, "props", now);
}

function validate(raw: Record<string, unknown>, problems: string[], label: Label, source: string, now?: Date): UserSyncConfig {
  problems.push(...injectionProblems(raw, label));
  const result = settingsSchema.safeParse(raw);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const path = issue.path.join(".");
      if (issue.code === "unrecognized_keys") {
        const where = path ? ` in ${path}` : "";
        const known = [...new Set(SETTINGS.filter((s) => (path ? s.key.startsWith(`${path}.`) : true)).map((s) => s.key.slice(path ? path.length + 1 : 0).split(".")[0]))];
        for (const key of issue.keys) problems.push(`${source}: unknown setting ${JSON.stringify(key)}${where}${didYouMean(key, known)}; known settings are ${known.join(", ")}`);
      } else {
        // The setting itself, or the one holding the bad entry (a tag, a map field).
        const setting = SETTINGS.filter((s) => path === s.key || path.startsWith(`${s.key}.`)).sort((a, b) => b.key.length - a.key.length)[0];
        const inner = setting && path !== setting.key ? `${JSON.stringify(path.slice(setting.key.length + 1))} ` : "";
        problems.push(`${setting ? label(setting.key) : path}: ${inner}${issue.message}`);
      }
    }
  }
  const parsed = result.data;
  if (parsed) problems.push(...crossProblems(parsed, raw, label, now));
  if (problems.length > 0 || !parsed) throw new ConfigError([...new Set(problems)]);

  const { backend, ...rest } = parsed;
  // Assigned, not cast: tsc checks that the schema's output is the documented UserSyncConfig.
  const config: UserSyncConfig = {
    ...rest,
    backend: backend.bucket
      ? { bucket: backend.bucket, key: backend.key ?? `user-sync/${parsed.stage}/terraform.tfstate`, region: backend.region ?? parsed.region, lock: backend.lock }
      : undefined,
  };
  return config;
}
