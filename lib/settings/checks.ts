/**
 * Rules that look at more than one setting, or at what AWS will accept at
 * apply time (or at 3 a.m. on the first scheduled run): each problem names
 * the setting, the rule and the fix, so synth stops instead.
 */
import { keyLayoutProblems, keyNames } from "../../core/row-key";
import { CORE_ROW_FIELDS } from "../../core/row-fields";
import { NAME_LIMITS, namedResources } from "../names";
import type { z } from "zod";
import { keyLayoutOf } from "./key-layout";
import type { RemoteBackendConfig } from "./props";
import { SETTINGS, type settingsSchema } from "./schema";

type Parsed = z.output<typeof settingsSchema>;

/** How a setting is named in messages: `stage (USER_SYNC_STAGE)` for files and variables, `props.stage` for the construct. */
export type Label = (key: string) => string;

const shown = (v: unknown) => JSON.stringify(v);


/** The AWS partition of a region (arn:<partition>:…). */
export function partitionOf(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  if (region.startsWith("us-isob-")) return "aws-iso-b";
  if (region.startsWith("us-iso-")) return "aws-iso";
  if (region.startsWith("eu-isoe-")) return "aws-iso-e";
  return "aws";
}

/**
 * Regions whose SES identities a user pool may send through (DEVELOPER): its
 * own, and the three Cognito has always supported from other regions.
 * Cognito Developer Guide, "Amazon SES email configuration Regions"
 * (https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-email.html#user-pool-email-developer-region-mapping),
 * and EmailConfigurationType: "in the AWS Region where you created your user
 * pool, and in alternate Regions in some cases".
 */
export const COGNITO_SES_REGIONS = ["us-east-1", "us-west-2", "eu-west-1"] as const;

/** Strings Terraform evaluates inside a string: an expression (`${…}`) or a directive (`%{…}`). */
const TEMPLATE_SEQUENCE = /[$%]\{/;

/** Every string of a value, keys of maps included. */
function strings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => [k, ...strings(v)]);
  return [];
}

function valueAt(raw: Record<string, unknown>, key: string): unknown {
  return key.split(".").reduce<unknown>((node, part) => (node && typeof node === "object" ? (node as Record<string, unknown>)[part] : undefined), raw);
}

/**
 * No setting may carry `${` or `%{`: every string setting reaches cdk.tf.json,
 * where Terraform would evaluate it (`${file("/etc/hostname")}` in a tag reads
 * a file of the machine running the plan into the plan).
 */
export function injectionProblems(raw: Record<string, unknown>, label: Label): string[] {
  const problems: string[] = [];
  for (const s of SETTINGS) {
    const bad = strings(valueAt(raw, s.key)).find((v) => TEMPLATE_SEQUENCE.test(v));
    if (bad !== undefined) {
      problems.push(
        `${label(s.key)}: ${shown(bad.length > 60 ? `${bad.slice(0, 57)}...` : bad)} holds "${TEMPLATE_SEQUENCE.exec(bad)![0]}", which Terraform would evaluate as an expression or directive; settings are literal text: remove it`,
      );
    }
  }
  return problems;
}

/** Every derived resource name within its service's limit, computed from lib/names.ts. */
function nameProblems(config: Parsed, label: Label): string[] {
  const problems: string[] = [];
  for (const { kind, name } of namedResources(config)) {
    const limit = NAME_LIMITS[kind];
    if (name.length <= limit) continue;
    problems.push(
      `${label("namePrefix")} and ${label("stage")}: the ${kind} name ${shown(name)} would be ${name.length} characters; ${kind.split(" ")[0]} allows ${limit}: shorten namePrefix or stage by ${name.length - limit} characters`,
    );
  }
  // One message per cause is enough: the longest name says how much to cut.
  return problems.length ? [problems.sort((a, b) => Number(/by (\d+)/.exec(b)![1]) - Number(/by (\d+)/.exec(a)![1]))[0]] : [];
}

/** ARNs of other regions or partitions than the stack's. */
function arnProblems(config: Parsed, label: Label): string[] {
  const problems: string[] = [];
  const partition = partitionOf(config.region);
  const parts = (arn: string) => arn.split(":");
  if (config.kmsKeyArn) {
    const [, p, , r] = parts(config.kmsKeyArn);
    if (p !== partition || r !== config.region) {
      problems.push(`${label("kmsKeyArn")}: the key is in ${p}/${r}, the stack in ${partition}/${config.region}; DynamoDB encrypts only with a key in the table's own region: use a key (or a multi-Region replica) in ${config.region}`);
    }
  }
  if (config.sesSourceArn) {
    const [, p, , r] = parts(config.sesSourceArn);
    const allowed = [config.region, ...COGNITO_SES_REGIONS.filter((x) => partitionOf(x) === partition)];
    if (p !== partition || !allowed.includes(r)) {
      problems.push(
        `${label("sesSourceArn")}: the SES identity is in ${p}/${r}; a user pool in ${config.region} can send only through SES in ${[...new Set(allowed)].join(", ")} (Cognito Developer Guide, "Amazon SES email configuration Regions"): verify the identity in one of those`,
      );
    }
  }
  if (config.alarmTopicArn) {
    const [, p, , r] = parts(config.alarmTopicArn);
    if (p !== partition || r !== config.region) {
      problems.push(`${label("alarmTopicArn")}: the topic is in ${p}/${r}; CloudWatch alarms notify only topics in their own region (${config.region}): use a topic there, or alarmEmail`);
    }
  }
  return problems;
}

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const AT = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/;

/** An IANA time zone this runtime knows (aliases such as US/Eastern included). */
export function isTimeZone(zone: string): boolean {
  if (Intl.supportedValuesOf("timeZone").includes(zone)) return true;
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return /^[A-Za-z]/.test(zone);
  } catch {
    return false;
  }
}

/** The wall-clock time `at(...)` names, in its time zone, as epoch ms. */
function atEpochMs(fields: number[], zone: string): number {
  const [y, mo, d, h, mi, s] = fields;
  const naive = Date.UTC(y, mo - 1, d, h, mi, s);
  // The zone's offset at that moment: format the naive instant in the zone and compare.
  const parts = new Intl.DateTimeFormat("en-US", { timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" }).formatToParts(naive);
  const get = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  const asZone = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  return naive - (asZone - naive);
}

/**
 * EventBridge Scheduler's expressions (Scheduler User Guide, "Schedule types"):
 * rate(value unit) with a positive whole value, the unit singular for 1;
 * cron(minutes hours day-of-month month day-of-week year), six fields, one of
 * the day fields `?`; at(yyyy-mm-ddThh:mm:ss) for a one-time run, which must be
 * in the future or it never runs.
 */
function scheduleProblems(config: Parsed, label: Label, now: Date): string[] {
  const problems: string[] = [];
  const zone = config.reconcileScheduleTimezone;
  if (!isTimeZone(zone)) problems.push(`${label("reconcileScheduleTimezone")}: ${shown(zone)} is not an IANA time zone this runtime knows; use one such as UTC, Europe/Paris or America/New_York`);
  const expr = config.reconcileSchedule;
  const say = (why: string) => problems.push(`${label("reconcileSchedule")}: ${shown(expr)} ${why}`);
  if (expr === "off") return problems;
  const rate = RATE.exec(expr);
  const at = AT.exec(expr);
  if (rate) {
    const n = Number(rate[1]);
    if (n < 1) say("must have a rate of 1 or more");
    else if ((n === 1) !== !rate[2].endsWith("s")) say(`takes the unit ${n === 1 ? "singular" : "plural"} for ${n}: rate(${n} ${n === 1 ? rate[2].replace(/s$/, "") : rate[2].replace(/s?$/, "s")})`);
  } else if (expr.startsWith("rate(")) {
    say("is not a rate expression; use rate(<whole number> minute|minutes|hour|hours|day|days), e.g. rate(12 hours)");
  } else if (expr.startsWith("cron(") && expr.endsWith(")")) {
    const fields = expr.slice(5, -1).trim().split(/\s+/);
    if (fields.length !== 6) say(`has ${fields.length} fields; a Scheduler cron has six (minutes hours day-of-month month day-of-week year), e.g. cron(0 3 * * ? *)`);
    else if (fields[2] !== "?" && fields[4] !== "?") say("must have ? in day-of-month or day-of-week (one of them), e.g. cron(0 3 * * ? *)");
  } else if (at) {
    const fields = at.slice(1).map(Number);
    if (fields[1] < 1 || fields[1] > 12 || fields[2] < 1 || fields[2] > 31 || fields[3] > 23 || fields[4] > 59 || fields[5] > 59) say("is not a date and time");
    else if (isTimeZone(zone) && atEpochMs(fields, zone) <= now.getTime()) say(`is in the past (${zone}); a one-time schedule in the past never runs: give a future time, or a rate or cron`);
  } else {
    say("is not a Scheduler expression; use cron(…), rate(…), at(yyyy-mm-ddThh:mm:ss) or off");
  }
  return problems;
}

/**
 * Tag rules every AWS service applies (Tagging Best Practices, "Tag naming
 * limits and requirements"): at most 50 per resource, keys of 1-128 and values
 * of up to 256 Unicode characters of letters, numbers, spaces and _ . : / = + - @,
 * and no key starting with aws: (reserved for AWS).
 */
function tagProblems(config: Parsed, label: Label): string[] {
  const problems: string[] = [];
  const entries = Object.entries(config.tags);
  const allowed = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
  if (entries.length > 50) problems.push(`${label("tags")}: ${entries.length} tags; AWS allows 50 a resource (the stack adds none of its own): remove ${entries.length - 50}`);
  for (const [key, value] of entries) {
    if (key.toLowerCase().startsWith("aws:")) problems.push(`${label("tags")}: ${shown(key)} starts with aws:, which AWS reserves for its own tags: rename it`);
    if (key.length < 1 || key.length > 128) problems.push(`${label("tags")}: the key ${shown(key.slice(0, 40))} is ${key.length} characters; keys are 1-128`);
    if (value.length > 256) problems.push(`${label("tags")}: the value of ${shown(key)} is ${value.length} characters; values are at most 256`);
    if (!allowed.test(key) || !allowed.test(value)) problems.push(`${label("tags")}: ${shown(key)} holds a character tags cannot have; use letters, numbers, spaces and _ . : / = + - @`);
  }
  return problems;
}

/** Settings of the table that only make sense together. */
function tableProblems(config: Parsed, label: Label): string[] {
  const problems: string[] = [];
  const t = config.table;
  if (t.sortKey && !t.sortKeyValue) problems.push(`${label("table.sortKey")}: set, but ${label("table.sortKeyValue")} is not; give its value, e.g. PROFILE`);
  if (t.sortKeyValue && !t.sortKey) problems.push(`${label("table.sortKeyValue")}: set, but ${label("table.sortKey")} is not; name the sort key attribute too`);
  if (!(t.sortKey && !t.sortKeyValue)) problems.push(...keyLayoutProblems(keyLayoutOf(config), "table"));
  if (t.existing && t.streamView) problems.push(`${label("table.streamView")}: the stack does not manage an existing table; enable its stream yourself, or remove it`);
  if (t.existing && config.emailIndex) problems.push(`${label("emailIndex")}: the stack cannot add an index to an existing table; remove it`);
  const keys = keyNames(keyLayoutOf(config));
  const owner = config.amplifyTypename && config.amplifyOwnerField ? [config.amplifyOwnerField] : [];
  for (const [attribute, field] of Object.entries(config.attributeMap)) {
    if ([...keys, ...owner].includes(field)) problems.push(`${label("attributeMap")}: row field ${shown(field)} for ${attribute} is a key or the owner field; pick another name`);
  }
  if (owner.length && (keys.includes(owner[0]) || (CORE_ROW_FIELDS as readonly string[]).includes(owner[0]))) {
    problems.push(`${label("amplifyOwnerField")}: ${shown(owner[0])} is a key or core field; Amplify's default is owner`);
  }
  return problems;
}

/** The API writer's needs: Amplify's model, its table (read), its key, and somewhere to apply the placeholders. */
function amplifyApiProblems(config: Parsed, label: Label): string[] {
  const problems: string[] = [];
  if (!config.amplifyApi) {
    for (const key of ["amplifyModelNames", "amplifyErasedValues"] as const) {
      if (Object.keys(config[key]).length > 0) problems.push(`${label(key)}: set, but ${label("amplifyApi")} is not; it only applies to writes through the API: set amplifyApi or remove it`);
    }
    return problems;
  }
  if (!config.amplifyTypename) problems.push(`${label("amplifyApi")}: needs ${label("amplifyTypename")}, the model's type (e.g. User), to name its mutations`);
  if (!config.amplifyConflictDetection) {
    problems.push(`${label("amplifyApi")}: the API writer needs conflict detection on the API (DataStore's versioned data source) and ${label("amplifyConflictDetection")}: true; without it, leave amplifyApi unset and rows are written to the table`);
  }
  if (!config.table.existing) problems.push(`${label("amplifyApi")}: needs ${label("table.existing")}, the model's table behind the API (e.g. User-<apiId>-<env>), which the functions read; the stack creates no table for an API`);
  const t = config.table;
  if (t.partitionKey !== "id" || t.partitionKeyValue !== "{sub}" || t.sortKey) {
    problems.push(`${label("amplifyApi")}: an Amplify model is keyed by id, which must be the user's sub: set ${label("table.partitionKey")} to id and ${label("table.partitionKeyValue")} to {sub}, with no sort key`);
  }
  const personal = new Set(["username", "email", ...Object.values(config.attributeMap), ...(config.amplifyOwnerField ? [config.amplifyOwnerField] : [])]);
  for (const field of Object.keys(config.amplifyErasedValues)) {
    if (!personal.has(field)) problems.push(`${label("amplifyErasedValues")}: ${shown(field)} is not a personal field sync writes (${[...personal].join(", ")}); remove it`);
    else if (field === config.amplifyOwnerField) problems.push(`${label("amplifyErasedValues")}: ${shown(field)} is the owner field, which a deleted user's row keeps as the bare sub so the owner's devices receive the tombstone; remove it`);
  }
  return problems;
}

/** Every rule above, for settings that each passed their own schema. */
export function crossProblems(config: Parsed, raw: Record<string, unknown>, label: Label, now: Date = new Date()): string[] {
  const problems: string[] = [];
  const backendSet = (k: keyof RemoteBackendConfig) => (raw.backend as Record<string, unknown> | undefined)?.[k] !== undefined;
  if (!config.backend.bucket) {
    for (const k of ["key", "region", "lock"] as const) {
      if (backendSet(k)) problems.push(`${label(`backend.${k}`)}: set, but ${label("backend.bucket")} is not; set the bucket too or remove it`);
    }
  }
  problems.push(...tableProblems(config, label), ...amplifyApiProblems(config, label));
  if (config.fromAddress && !config.sesSourceArn) {
    problems.push(`${label("fromAddress")}: set, but ${label("sesSourceArn")} is not; Cognito sends from your own address only through SES`);
  }
  if (config.alarmEmail && config.alarmTopicArn) {
    problems.push(`${label("alarmEmail")}: set together with ${label("alarmTopicArn")}; choose one: a new topic for that address, or your topic`);
  }
  for (const attribute of config.userWritableAttributes) {
    if (!(attribute in config.attributeMap)) {
      problems.push(`${label("userWritableAttributes")}: ${shown(attribute)} is not in attributeMap, so the pool does not declare it; map it or remove it`);
    }
  }
  problems.push(...nameProblems(config, label), ...arnProblems(config, label), ...scheduleProblems(config, label, now), ...tagProblems(config, label));
  return problems;
}
