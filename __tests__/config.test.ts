import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_ATTRIBUTE_MAP } from "../core/row-fields";
import { resourceNames } from "../lib/names";
import { ConfigError, loadConfig, parseSettings, SETTINGS, settingsTable } from "../lib/settings";
import { postConfirmationSpec } from "../lib/specs";

function problemsFor(env: Record<string, string>): string[] {
  try {
    loadConfig({ env, file: env.USER_SYNC_CONFIG ?? false });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  test("defaults", () => {
    const config = loadConfig({ env: {}, file: false });
    expect(config).toMatchObject({
      stage: "dev",
      region: "us-east-1",
      namePrefix: "user-sync",
      logRetentionDays: 30,
      deletionProtection: true,
      emailIndex: false,
      packaging: "archive",
      functionMemoryMb: 256,
      tags: {},
      offlinePlan: false,
    });
    expect(config.attributeMap).toEqual(DEFAULT_ATTRIBUTE_MAP);
    expect(config.kmsKeyArn).toBeUndefined();
    expect(config.backend).toBeUndefined();
  });

  test("a JSON file, overridden by environment variables", () => {
    const dir = mkdtempSync(join(tmpdir(), "user-sync-config-"));
    const file = join(dir, "config.json");
    writeFileSync(file, JSON.stringify({ stage: "qa", logRetentionDays: 90, tags: { team: "id" }, backend: { bucket: "my-state" } }));
    const config = loadConfig({ env: { USER_SYNC_CONFIG: file, USER_SYNC_STAGE: "prod" } });
    expect(config).toMatchObject({ stage: "prod", logRetentionDays: 90, tags: { team: "id" } });
    expect(config.backend).toEqual({ bucket: "my-state", key: "user-sync/prod/terraform.tfstate", region: "us-east-1", lock: "lockfile" });
  });

  test.each([
    [{ USER_SYNC_STAGE: "Prod_1" }, /stage \(USER_SYNC_STAGE\): "Prod_1" is not accepted; use 1-16 characters of a-z, 0-9 and -/],
    [{ USER_SYNC_STAGE: "a-very-long-stage-name" }, /stage \(USER_SYNC_STAGE\)/],
    [{ USER_SYNC_REGION: "europe" }, /region \(USER_SYNC_REGION\): "europe" is not an AWS region/],
    [{ USER_SYNC_LOG_RETENTION_DAYS: "31" }, /logRetentionDays \(USER_SYNC_LOG_RETENTION_DAYS\): 31 is not accepted by CloudWatch; use one of 1, 3, 5, 7, 14, 30/],
    [{ USER_SYNC_LOG_RETENTION_DAYS: "thirty" }, /"thirty" is not a decimal number/],
    [{ USER_SYNC_KMS_KEY_ARN: "alias/my-key" }, /kmsKeyArn \(USER_SYNC_KMS_KEY_ARN\): "alias\/my-key" is not a KMS key ARN; use arn:aws:kms/],
    [{ USER_SYNC_DELETION_PROTECTION: "yes" }, /deletionProtection \(USER_SYNC_DELETION_PROTECTION\): "yes" is not a boolean; use true or false/],
    [{ USER_SYNC_PACKAGING: "docker" }, /packaging \(USER_SYNC_PACKAGING\): "docker" is not a packaging mode; use archive or asset/],
    [{ USER_SYNC_FUNCTION_MEMORY_MB: "64" }, /functionMemoryMb .*use 128 to 10240/],
    [{ USER_SYNC_TAGS: "team=id" }, /tags \(USER_SYNC_TAGS\): not valid JSON/],
    [{ USER_SYNC_ATTRIBUTE_MAP: '{"sub":"userId"}' }, /"sub" is always written as a core field/],
    [{ USER_SYNC_ATTRIBUTE_MAP: '{"favourite_colour":"colour"}' }, /"favourite_colour" is not a Cognito attribute; use a standard attribute .* or custom:<name>/],
    [{ USER_SYNC_ATTRIBUTE_MAP: '{"given_name":"createdAt"}' }, /"createdAt" for given_name is a core field/],
    [{ USER_SYNC_ATTRIBUTE_MAP: '{"given_name":"n","family_name":"n"}' }, /"n" is used twice/],
    [{ USER_SYNC_AMPLIFY_TYPENAME: "user type" }, /amplifyTypename .*GraphQL type name/],
    [{ USER_SYNC_BACKEND_KEY: "k" }, /backend.key \(USER_SYNC_BACKEND_KEY\): set, but backend.bucket \(USER_SYNC_BACKEND_BUCKET\) is not/],
    [{ USER_SYNC_MFA: "required" }, /mfa \(USER_SYNC_MFA\): "required" is not an MFA mode; use OFF, OPTIONAL or ON/],
    [{ USER_SYNC_ADVANCED_SECURITY: "on" }, /advancedSecurity \(USER_SYNC_ADVANCED_SECURITY\): "on" is not a threat-protection mode; use off, audit or enforced/],
    [{ USER_SYNC_SES_SOURCE_ARN: "acme.example" }, /sesSourceArn .*is not an SES identity ARN/],
    [{ USER_SYNC_FROM_ADDRESS: "a@b.co" }, /fromAddress .*set, but sesSourceArn .* is not/],
    [{ USER_SYNC_USER_WRITABLE_ATTRIBUTES: '["plan"]' }, /userWritableAttributes .*"plan" is not a custom attribute/],
    [{ USER_SYNC_USER_WRITABLE_ATTRIBUTES: '["custom:plan"]' }, /userWritableAttributes .*"custom:plan" is not in attributeMap/],
  ])("rejects %o", (env, message) => {
    const problems = problemsFor(env);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });

  test("reports every bad setting at once", () => {
    expect(problemsFor({ USER_SYNC_STAGE: "X", USER_SYNC_LOG_RETENTION_DAYS: "2", USER_SYNC_REGION: "mars" })).toHaveLength(3);
  });

  test("an unknown key in the file is an error, not silently ignored", () => {
    const dir = mkdtempSync(join(tmpdir(), "user-sync-config-"));
    const file = join(dir, "config.json");
    writeFileSync(file, JSON.stringify({ retention: 7 }));
    expect(() => loadConfig({ env: {}, file })).toThrow(/unknown setting "retention"/);
  });

  test("an explicit config file that is missing is an error", () => {
    expect(() => loadConfig({ env: { USER_SYNC_CONFIG: "/nonexistent/user-sync.json" } })).toThrow(/cannot be read/);
  });
});

test("names are stage-prefixed and the function env names the table", () => {
  const config = loadConfig({ env: { USER_SYNC_STAGE: "prod", USER_SYNC_AMPLIFY_TYPENAME: "User" }, file: false });
  expect(resourceNames(config)).toMatchObject({ usersTable: "user-sync-prod-users", postConfirmation: { function: "user-sync-prod-post-confirmation" } });
  expect(postConfirmationSpec(config).environment).toEqual({
    USERS_TABLE_NAME: "user-sync-prod-users",
    USER_ATTRIBUTE_MAP: JSON.stringify(DEFAULT_ATTRIBUTE_MAP),
    AMPLIFY_TYPENAME: "User",
    AMPLIFY_OWNER_FIELD: "owner",
    AMPLIFY_OWNER_FORMAT: "{sub}::{username}",
    AMPLIFY_CONFLICT_DETECTION: "true",
  });
});

test("the README's configuration table is the one the schema renders", () => {
  const readme = readFileSync(join(__dirname, "../README.md"), "utf8");
  const start = readme.indexOf("| Setting (file key) |");
  const table = readme.slice(start, readme.indexOf("\n\n", start));
  // On failure, paste settingsTable() into the README.
  expect(table).toBe(settingsTable());
  for (const setting of SETTINGS) expect(table).toContain(`| \`${setting.key}\` | \`${setting.env}\` |`);
});

describe("schema details", () => {
  test("every setting has a distinct USER_SYNC_* variable and a default or a default text", () => {
    expect(new Set(SETTINGS.map((s) => s.env)).size).toBe(SETTINGS.length);
    for (const s of SETTINGS) {
      expect(s.env).toMatch(/^USER_SYNC_[A-Z_]+$/);
      expect(s.defaultText.length).toBeGreaterThan(0);
    }
  });

  test("a bad value inside a map names the setting and the entry", () => {
    const problems = problemsFor({ USER_SYNC_TAGS: '{"team":7}' });
    expect(problems).toEqual(['tags (USER_SYNC_TAGS): "team" must be a string']);
  });

  test("a file value of the wrong type is named like an environment value", () => {
    const dir = mkdtempSync(join(tmpdir(), "user-sync-config-"));
    const file = join(dir, "config.json");
    writeFileSync(file, JSON.stringify({ deletionProtection: "yes", logRetentionDays: "30" }));
    const problems = problemsFor({ USER_SYNC_CONFIG: file });
    expect(problems.sort()).toEqual([
      'deletionProtection (USER_SYNC_DELETION_PROTECTION): "yes" is not a boolean; use true or false',
      'logRetentionDays (USER_SYNC_LOG_RETENTION_DAYS): "30" is not a whole number',
    ]);
  });
});

describe("typos are caught at every level, with the closest known name", () => {
  const problemsFor = (content: unknown): string[] => {
    const file = join(mkdtempSync(join(tmpdir(), "user-sync-typo-")), "user-sync.config.json");
    writeFileSync(file, JSON.stringify(content));
    try {
      loadConfig({ env: {}, file });
    } catch (err) {
      return (err as ConfigError).problems;
    }
    return [];
  };

  test.each([
    [{ stagee: "prod" }, 'unknown setting "stagee" (did you mean "stage"?)'],
    [{ backend: { bucket: "acme-state", lockTable: "locks" } }, 'unknown setting "lockTable" in backend (did you mean "lock"?)'],
    [{ table: { partitonKey: "pk" } }, 'unknown setting "partitonKey" in table (did you mean "partitionKey"?)'],
    [{ userPool: { exisitng: "us-east-1_Abc" } }, 'unknown setting "exisitng" in userPool (did you mean "existing"?)'],
  ])("%j", (content, message) => {
    const problems = problemsFor(content);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(message);
  });

  test("a name nothing resembles gets the list, no guess", () => {
    expect(problemsFor({ zzz: 1 })[0]).toMatch(/unknown setting "zzz"; known settings are stage, /);
  });

  test("the construct's settings are checked the same way", () => {
    expect(() => parseSettings({ backend: { bucket: "acme-state", lockTable: "locks" } } as never)).toThrow(/"lockTable" in backend \(did you mean "lock"\?\)/);
  });

  test("an unknown USER_SYNC_* variable is a warning naming the closest one; settings and the tools' own variables are not", () => {
    const warnings: string[] = [];
    const config = loadConfig({ env: { USER_SYNC_STAEG: "prod", USER_SYNC_BACKEND_LOCK_TABLE: "x", USER_SYNC_REGION: "eu-west-1", USER_SYNC_TF_MIRROR: "/m" }, file: false, warn: (m) => warnings.push(m) });
    expect(config.stage).toBe("dev");
    expect(warnings).toEqual([
      'USER_SYNC_STAEG is not a user-sync setting (did you mean "USER_SYNC_STAGE"?); it is ignored',
      'USER_SYNC_BACKEND_LOCK_TABLE is not a user-sync setting (did you mean "USER_SYNC_BACKEND_LOCK"?); it is ignored',
    ]);
  });
});
