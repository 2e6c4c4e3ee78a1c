/**
 * Settings are declared once, nothing injected or invalid synthesizes, and
 * what the schema accepts is what the functions read back.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { FUNCTION_SETTINGS, type FunctionSettingKey } from "../core/function-settings";
import { readSetting } from "../core/function-env";
import { ConfigError, loadConfig, parseSettings, renderProps, SETTINGS, type UserSyncSettings } from "../lib/settings";
import { tsType } from "../lib/settings/docs";
import { ROOT } from "./helpers/cli";
import { synthStack } from "./helpers/synth";

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error("expected a ConfigError");
}
const fromEnv = (env: Record<string, string>, now?: Date) => problemsOf(() => loadConfig({ env, file: false, warn: () => undefined, now }));
const fromProps = (props: Record<string, unknown>) => problemsOf(() => parseSettings(props as UserSyncSettings));

/** A value of the setting's type that carries a Terraform template sequence. */
function injected(type: string, sequence: string): unknown {
  const payload = `${sequence}file("/etc/hostname")}`;
  if (type.startsWith("Readonly<Record")) return { team: payload };
  if (type.endsWith("[]")) return [payload];
  return payload;
}
const nested = (key: string, value: unknown): Record<string, unknown> => key.split(".").reduceRight<unknown>((v, part) => ({ [part]: v }), value) as Record<string, unknown>;

describe("nothing injected: no string setting may carry ${ or %{ (Terraform would evaluate it)", () => {
  const strings = SETTINGS.filter((s) => !["number", "boolean"].includes(tsType(s.schema)));
  test("every string-typed setting is covered (a new one cannot forget it)", () => {
    expect(strings.map((s) => s.key)).toEqual(expect.arrayContaining(["tags", "amplifyOwnerFormat", "reconcileSchedule", "backend.key", "stage", "attributeMap", "table.partitionKeyValue"]));
  });
  test.each(strings.flatMap((s) => ["${", "%{"].map((seq) => [s.key, seq, s] as const)))("%s with %s: refused, named, in the file and in the construct's props", (key, sequence, s) => {
    const value = injected(tsType(s.schema), sequence);
    const viaEnv = fromEnv({ [s.env]: typeof value === "string" ? value : JSON.stringify(value) });
    expect(viaEnv.join("\n")).toContain(`${key} (${s.env}): `);
    expect(viaEnv.join("\n")).toContain(`which Terraform would evaluate as an expression or directive; settings are literal text: remove it`);
    const viaProps = fromProps(nested(key, value));
    expect(viaProps.join("\n")).toContain(`props.${key}: `);
  });
  test("a tag key is checked as well as its value", () => {
    expect(fromEnv({ USER_SYNC_TAGS: '{"${path.cwd}":"x"}' }).join("\n")).toMatch(/tags \(USER_SYNC_TAGS\): "\$\{path\.cwd\}" holds "\$\{"/);
  });
});

describe("nothing AWS rejects at apply time synthesizes", () => {
  test("a 24-character namePrefix with a 16-character stage: the longest derived name, its limit and how much to cut", () => {
    const problems = fromEnv({ USER_SYNC_NAME_PREFIX: "abcdefghijklmnopqrstuvwx", USER_SYNC_STAGE: "abcdefghijklmnop" });
    expect(problems).toEqual([
      'namePrefix (USER_SYNC_NAME_PREFIX) and stage (USER_SYNC_STAGE): the IAM role name "abcdefghijklmnopqrstuvwx-abcdefghijklmnop-reconcile-scheduler-role" would be 66 characters; IAM allows 64: shorten namePrefix or stage by 2 characters',
    ]);
    // The limits come from lib/names.ts: a name that fits passes.
    expect(() => loadConfig({ env: { USER_SYNC_NAME_PREFIX: "abcdefghijklmnopqrstuv", USER_SYNC_STAGE: "abcdefghijklmnop" }, file: false })).not.toThrow();
    // Only the names of what this configuration creates: the trail's bucket prefix (37 at most) counts only with cloudTrail create.
    expect(fromEnv({ USER_SYNC_NAME_PREFIX: "abcdefghijklmnopqrstuv", USER_SYNC_STAGE: "abcdefghijklmnop", USER_SYNC_CLOUD_TRAIL: "create" })).toEqual([
      'namePrefix (USER_SYNC_NAME_PREFIX) and stage (USER_SYNC_STAGE): the S3 bucket prefix name "abcdefghijklmnopqrstuv-abcdefghijklmnop-trail-" would be 46 characters; S3 allows 37: shorten namePrefix or stage by 9 characters',
    ]);
  });

  test.each([
    [{ USER_SYNC_KMS_KEY_ARN: "arn:aws:kms:eu-west-1:123456789012:key/0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e" }, /kmsKeyArn \(USER_SYNC_KMS_KEY_ARN\): the key is in aws\/eu-west-1, the stack in aws\/us-east-1; DynamoDB encrypts only with a key in the table's own region/],
    [{ USER_SYNC_KMS_KEY_ARN: "arn:aws-cn:kms:us-east-1:123456789012:key/0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e" }, /the key is in aws-cn\/us-east-1/],
    [{ USER_SYNC_SES_SOURCE_ARN: "arn:aws:ses:eu-central-1:123456789012:identity/acme.example" }, /sesSourceArn \(USER_SYNC_SES_SOURCE_ARN\): the SES identity is in aws\/eu-central-1; a user pool in us-east-1 can send only through SES in us-east-1, us-west-2, eu-west-1/],
    [{ USER_SYNC_ALARM_TOPIC_ARN: "arn:aws:sns:eu-west-1:123456789012:ops" }, /alarmTopicArn \(USER_SYNC_ALARM_TOPIC_ARN\): the topic is in aws\/eu-west-1; CloudWatch alarms notify only topics in their own region/],
    [{ USER_SYNC_RECONCILE_SCHEDULE: "rate(banana)" }, /reconcileSchedule \(USER_SYNC_RECONCILE_SCHEDULE\): "rate\(banana\)" is not a rate expression; use rate\(<whole number> minute/],
    [{ USER_SYNC_RECONCILE_SCHEDULE: "rate(1 hours)" }, /takes the unit singular for 1: rate\(1 hour\)/],
    [{ USER_SYNC_RECONCILE_SCHEDULE: "cron(0 3 * * *)" }, /"cron\(0 3 \* \* \*\)" has 5 fields; a Scheduler cron has six/],
    [{ USER_SYNC_RECONCILE_SCHEDULE: "at(2020-01-01T00:00:00)" }, /"at\(2020-01-01T00:00:00\)" is in the past \(UTC\); a one-time schedule in the past never runs/],
    [{ USER_SYNC_RECONCILE_SCHEDULE: "daily" }, /is not a Scheduler expression; use cron\(…\), rate\(…\), at\(yyyy-mm-ddThh:mm:ss\) or off/],
    [{ USER_SYNC_RECONCILE_SCHEDULE_TIMEZONE: "Mars/Olympus_Mons" }, /reconcileScheduleTimezone \(USER_SYNC_RECONCILE_SCHEDULE_TIMEZONE\): "Mars\/Olympus_Mons" is not an IANA time zone this runtime knows/],
    [{ USER_SYNC_TAGS: '{"aws:team":"x"}' }, /tags \(USER_SYNC_TAGS\): "aws:team" starts with aws:, which AWS reserves/],
    [{ USER_SYNC_TAGS: JSON.stringify({ ["k".repeat(129)]: "x" }) }, /keys are 1-128/],
    [{ USER_SYNC_TAGS: JSON.stringify({ team: "v".repeat(257) }) }, /the value of "team" is 257 characters; values are at most 256/],
    [{ USER_SYNC_TAGS: JSON.stringify(Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`t${i}`, "x"]))) }, /51 tags; AWS allows 50 a resource/],
    [{ USER_SYNC_ALARM_EMAIL: 'a@b.c"}' }, /alarmEmail \(USER_SYNC_ALARM_EMAIL\): "a@b.c\\"}" is not an email address/],
    [{ USER_SYNC_FUNCTION_MEMORY_MB: "0x100" }, /functionMemoryMb \(USER_SYNC_FUNCTION_MEMORY_MB\): "0x100" is not a decimal number/],
    [{ USER_SYNC_RECONCILE_RATE: "1e1" }, /reconcileRate \(USER_SYNC_RECONCILE_RATE\): "1e1" is not a decimal number/],
  ])("%j stops synth naming the setting, its variable, the rule and the fix", (env, message) => {
    expect(fromEnv(env, new Date("2026-11-27T00:00:00Z")).join("\n")).toMatch(message);
  });

  test("accepted: same-region ARNs, Cognito's SES regions, any valid expression, an alias time zone, a future at()", () => {
    const env = {
      USER_SYNC_REGION: "ap-south-1",
      USER_SYNC_KMS_KEY_ARN: "arn:aws:kms:ap-south-1:123456789012:key/0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e",
      USER_SYNC_SES_SOURCE_ARN: "arn:aws:ses:us-west-2:123456789012:identity/acme.example",
      USER_SYNC_RECONCILE_SCHEDULE: "at(2027-01-01T03:00:00)",
      USER_SYNC_RECONCILE_SCHEDULE_TIMEZONE: "US/Eastern",
      USER_SYNC_TAGS: '{"cost-center":"identity / 42","owner":"ops@acme.example"}',
    };
    expect(loadConfig({ env, file: false, now: new Date("2026-11-27T00:00:00Z") })).toMatchObject({ region: "ap-south-1", reconcileSchedule: "at(2027-01-01T03:00:00)" });
    for (const schedule of ["rate(1 day)", "rate(12 hours)", "cron(15 10 ? * 6L 2026-2030)", "off"]) {
      expect(() => loadConfig({ env: { USER_SYNC_RECONCILE_SCHEDULE: schedule }, file: false })).not.toThrow();
    }
  });

  test("an empty USER_SYNC_AMPLIFY_OWNER_FIELD is a value: no owner field, as the README says", () => {
    const config = loadConfig({ env: { USER_SYNC_AMPLIFY_TYPENAME: "User", USER_SYNC_AMPLIFY_OWNER_FIELD: "" }, file: false });
    expect(config.amplifyOwnerField).toBe("");
    const env = synthStack({ USER_SYNC_AMPLIFY_TYPENAME: "User", USER_SYNC_AMPLIFY_OWNER_FIELD: "" }).one("aws_lambda_function", "post-confirmation").environment.variables;
    expect(env.AMPLIFY_OWNER_FIELD).toBe("");
  });
});

/** The least an API writer needs: the model's type, and its table. */
const AMPLIFY_API_ENV = { USER_SYNC_AMPLIFY_TYPENAME: "User", USER_SYNC_AMPLIFY_API: "tgjkgsqz6fbxzj3x5tqwupoefa", USER_SYNC_TABLE_EXISTING: "User-tgjkgsqz6fbxzj3x5tqwupoefa-dev" };

describe("declared once: every function setting goes config -> synthesized environment -> decoder -> the same value", () => {
  /** A value that is not the default, per setting, and which function reads it. */
  const samples: Record<FunctionSettingKey, { value: unknown; fn: string; env?: Record<string, string> }> = {
    attributeMap: { value: { given_name: "firstName", "custom:plan": "plan" }, fn: "post-confirmation" },
    amplifyTypename: { value: "Person", fn: "post-confirmation" },
    amplifyOwnerField: { value: "createdBy", fn: "post-confirmation", env: { USER_SYNC_AMPLIFY_TYPENAME: "User" } },
    amplifyOwnerFormat: { value: "{username}", fn: "post-confirmation", env: { USER_SYNC_AMPLIFY_TYPENAME: "User" } },
    amplifyConflictDetection: { value: false, fn: "post-confirmation", env: { USER_SYNC_AMPLIFY_TYPENAME: "User" } },
    amplifyModelNames: { value: { get: "userById", update: "patchUser" }, fn: "user-events", env: AMPLIFY_API_ENV },
    amplifyErasedValues: { value: { email: "deleted@example.invalid" }, fn: "reconcile_worker", env: AMPLIFY_API_ENV },
    onUserDeleted: { value: "keep", fn: "user-events" },
    rowsAtInvite: { value: true, fn: "user-events" },
    reconcileRate: { value: 7.5, fn: "reconcile_worker" },
    reconcileSliceSeconds: { value: 120, fn: "reconcile_worker" },
    reconcilePrune: { value: true, fn: "reconcile_worker" },
    reconcileMaxPrune: { value: 250, fn: "reconcile_worker" },
  };
  test("the samples cover every declared function setting", () => {
    expect(Object.keys(samples).sort()).toEqual(Object.keys(FUNCTION_SETTINGS).sort());
  });
  test.each(Object.entries(samples))("%s", (key, { value, fn, env }) => {
    const setting = SETTINGS.find((s) => s.key === key)!;
    const text = typeof value === "string" ? value : JSON.stringify(value);
    const synthesized = synthStack({ ...env, [setting.env]: text }).one("aws_lambda_function", fn).environment.variables;
    expect(readSetting(synthesized, key as FunctionSettingKey)).toEqual(value);
    // The schema's default is the declaration's default.
    expect(loadConfig({ env: {}, file: false })[key as keyof ReturnType<typeof loadConfig>]).toEqual(FUNCTION_SETTINGS[key as FunctionSettingKey].default);
  });
  test("whatever the schema accepts, the function accepts: the boundary values of each rule", () => {
    for (const [env, key] of [
      [{ USER_SYNC_RECONCILE_RATE: "1" }, "reconcileRate"],
      [{ USER_SYNC_RECONCILE_RATE: "30" }, "reconcileRate"],
      [{ USER_SYNC_RECONCILE_SLICE_SECONDS: "30" }, "reconcileSliceSeconds"],
      [{ USER_SYNC_RECONCILE_SLICE_SECONDS: "840" }, "reconcileSliceSeconds"],
      [{ USER_SYNC_RECONCILE_MAX_PRUNE: "1" }, "reconcileMaxPrune"],
    ] as const) {
      const vars = synthStack(env).one("aws_lambda_function", "reconcile_worker").environment.variables;
      expect(() => readSetting(vars, key)).not.toThrow();
    }
  });
});

describe("documented where a TypeScript user reads them", () => {
  test("lib/settings/props.ts is what the schema renders (run node --import tsx lib/settings/docs.ts after changing a setting)", () => {
    expect(readFileSync(join(ROOT, "lib/settings/props.ts"), "utf8")).toBe(renderProps());
  });
  test("every setting has a doc comment and an @default in UserSyncProps", () => {
    const props = renderProps();
    for (const s of SETTINGS) {
      const member = s.key.split(".").pop()!;
      const block = new RegExp(`/\\*\\*\\n(?:   \\* .*\\n)*?   \\* @default .+\\n   \\*/\\n  readonly ${member}\\?:`);
      expect([s.key, block.test(props)]).toEqual([s.key, true]);
    }
  });
});
