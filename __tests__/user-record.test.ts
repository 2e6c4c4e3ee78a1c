import { layoutIsDistinctive, subOfKey } from "../core/row-key";
import { DEFAULT_ATTRIBUTE_MAP } from "../core/row-fields";
import { functionEnvironment, readFunctionSettings } from "../core/function-env";
import { attributesFromList, buildUserRecord, cognitoUserOf, describeValue, diffSyncOwned, InvalidUserError, personalFields, subOf, subOfUser, syncOwnedFields, syncOwnedValues } from "../core/user-record";
import { createIfAbsentInput } from "../core/user-store";
import { cognitoLocalEvent, dzoneStyleEvent } from "./fixtures/events";

const now = new Date("2026-01-02T03:04:05.678Z");
const options = { attributeMap: DEFAULT_ATTRIBUTE_MAP, now };
const fromEvent = (e: ReturnType<typeof dzoneStyleEvent>) => ({ userName: e.userName, userPoolId: e.userPoolId, attributes: e.request.userAttributes });

describe("buildUserRecord", () => {
  test("DZone-style event: keyed by sub (not userName), booleans parsed, standard attributes mapped", () => {
    expect(buildUserRecord(fromEvent(dzoneStyleEvent()), options)).toEqual({
      id: "0dsf0d44-45d2-8d10-811n-02452c6a643d",
      username: "lopezlucas",
      email: "lucas.lopez@example.com",
      emailVerified: true,
      userPoolId: "us-east-1_EXMumaRTw",
      createdAt: "2026-01-02T03:04:05.678Z",
      updatedAt: "2026-01-02T03:04:05.678Z",
      givenName: "Lucas",
      familyName: "Lopez",
    });
  });

  test("cognito-local event: absent attributes are omitted, not written empty", () => {
    const record = buildUserRecord(fromEvent(cognitoLocalEvent()), options);
    expect(record).toEqual({
      id: "3309910c-b317-49ac-86ac-346d60d3a547",
      username: "3309910c-b317-49ac-86ac-346d60d3a547",
      email: "a@b.co",
      userPoolId: "local_2Yu8pAj9",
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      givenName: "Zoë",
    });
    expect(Object.values(record)).not.toContain("");
    expect(Object.values(record)).not.toContain(undefined);
  });

  test.each([
    ["true", true],
    ["false", false],
    [true, true],
    [false, false],
  ])("email_verified %p becomes %p", (value, expected) => {
    const e = dzoneStyleEvent();
    (e.request.userAttributes as any).email_verified = value;
    expect(buildUserRecord(fromEvent(e), options).emailVerified).toBe(expected);
  });

  test("an unexpected email_verified value is a clear error that never repeats the value", () => {
    expect(() => buildUserRecord(fromEvent(dzoneStyleEvent({ email_verified: "yes" })), options)).toThrow(
      'attribute email_verified is a string of 3 characters; expected "true" or "false"',
    );
  });

  test("a mapped custom *_verified attribute holding an email is refused without naming the email", () => {
    const attempt = () =>
      buildUserRecord(fromEvent(dzoneStyleEvent({ "custom:backup_verified": "someone@example.com" })), {
        ...options,
        attributeMap: { "custom:backup_verified": "backupVerified" },
      });
    expect(attempt).toThrow('attribute custom:backup_verified is a string of 19 characters; expected "true" or "false"');
    expect(attempt).not.toThrow(/someone/);
  });

  test.each([
    ["given_name", {}, "attribute given_name is an object; Cognito sends it as a string"],
    ["given_name", ["a"], "attribute given_name is an array; Cognito sends it as a string"],
    ["email", 42, "attribute email is a number; Cognito sends it as a string"],
  ])("a non-string %s (%p) is refused, never coerced", (name, value, message) => {
    const e = dzoneStyleEvent();
    (e.request.userAttributes as any)[name] = value;
    expect(() => buildUserRecord(fromEvent(e), options)).toThrow(InvalidUserError);
    expect(() => buildUserRecord(fromEvent(e), options)).toThrow(message);
  });

  test("a userName that is not a string is refused", () => {
    const e = dzoneStyleEvent();
    (e as any).userName = { S: "lopezlucas" };
    expect(() => buildUserRecord(fromEvent(e), options)).toThrow("userName is an object; Cognito sends it as a string");
  });

  test("empty optional attributes are dropped; phone_number_verified is a boolean", () => {
    const record = buildUserRecord(
      fromEvent(dzoneStyleEvent({ family_name: "", phone_number: "+15555550100", phone_number_verified: "false", email_verified: "" })),
      options,
    );
    expect(record).not.toHaveProperty("familyName");
    expect(record).not.toHaveProperty("emailVerified");
    expect(record).toMatchObject({ phoneNumber: "+15555550100", phoneNumberVerified: false });
  });

  test.each([[undefined], [""], ["   "]])("sub %p is rejected with a message naming it", (sub) => {
    const e = dzoneStyleEvent();
    (e.request.userAttributes as any).sub = sub;
    expect(() => buildUserRecord(fromEvent(e), options)).toThrow(InvalidUserError);
    expect(() => buildUserRecord(fromEvent(e), options)).toThrow(/missing request\.userAttributes\.sub/);
  });

  test("custom attributes are copied under the configured names; unmapped ones are not", () => {
    const record = buildUserRecord(fromEvent(dzoneStyleEvent({ "custom:plan": "pro", "custom:tenant": "acme" })), {
      attributeMap: { "custom:plan": "plan", given_name: "firstName" },
      now,
    });
    expect(record).toMatchObject({ plan: "pro", firstName: "Lucas" });
    expect(record).not.toHaveProperty("tenant");
    expect(record).not.toHaveProperty("familyName");
    expect(JSON.stringify(record)).not.toContain("acme");
  });

  test("Amplify mode adds __typename, _version 1 and _lastChangedAt in epoch ms", () => {
    const amplify = { typename: "User", ownerField: "owner", ownerFormat: "{sub}::{username}", conflictDetection: true };
    const record = buildUserRecord(fromEvent(dzoneStyleEvent()), { ...options, amplify });
    expect(record).toMatchObject({ __typename: "User", _version: 1, _lastChangedAt: now.getTime() });
    expect(buildUserRecord(fromEvent(dzoneStyleEvent()), options)).not.toHaveProperty("__typename");
  });

  test("ListUsers attribute lists read the same as trigger attributes", () => {
    const e = dzoneStyleEvent();
    const list = Object.entries(e.request.userAttributes).map(([Name, Value]) => ({ Name, Value }));
    expect(buildUserRecord({ userName: e.userName, userPoolId: e.userPoolId, attributes: attributesFromList(list) }, options)).toEqual(
      buildUserRecord(fromEvent(e), options),
    );
  });
});

test("the put is conditional on the key not existing", () => {
  const input = createIfAbsentInput("users", { id: "abc", emailVerified: true, _version: 1 });
  expect(input).toEqual({
    TableName: "users",
    Item: { id: { S: "abc" }, emailVerified: { BOOL: true }, _version: { N: "1" } },
    ConditionExpression: "attribute_not_exists(#key)",
    ExpressionAttributeNames: { "#key": "id" },
  });
});

describe("readFunctionSettings", () => {
  test("reads table, map and Amplify type", () => {
    expect(readFunctionSettings({ USERS_TABLE_NAME: "t", USER_ATTRIBUTE_MAP: '{"given_name":"g"}', AMPLIFY_TYPENAME: "User" })).toEqual({
      tableName: "t",
      attributeMap: { given_name: "g" },
      keyLayout: undefined,
      rowsAtInvite: false,
      amplify: { typename: "User", ownerField: "owner", ownerFormat: "{sub}::{username}", conflictDetection: true },
    });
  });
  test("no attribute map in the environment means the documented default map", () => {
    expect(readFunctionSettings({ USERS_TABLE_NAME: "t" }).attributeMap).toEqual(DEFAULT_ATTRIBUTE_MAP);
  });
  test("what functionEnvironment writes, readFunctionSettings reads back", () => {
    const settings = {
      tableName: "t",
      attributeMap: { "custom:plan": "plan" },
      keyLayout: { partitionKey: { name: "pk", value: "USER#{sub}" }, sortKey: { name: "sk", value: "PROFILE" } },
      amplify: { typename: "User", ownerField: undefined, ownerFormat: "{username}", conflictDetection: false },
      rowsAtInvite: true,
    };
    expect(readFunctionSettings(functionEnvironment(settings))).toEqual(settings);
  });
  test("missing table name or a bad map is a clear error", () => {
    expect(() => readFunctionSettings({})).toThrow("USERS_TABLE_NAME is not set");
    expect(() => readFunctionSettings({ USERS_TABLE_NAME: "t", USER_ATTRIBUTE_MAP: "{" })).toThrow("USER_ATTRIBUTE_MAP is not valid JSON");
    expect(() => readFunctionSettings({ USERS_TABLE_NAME: "t", USER_ATTRIBUTE_MAP: '{"sub":"x"}' })).toThrow(/core field/);
    expect(() => readFunctionSettings({ USERS_TABLE_NAME: "t", USER_ATTRIBUTE_MAP: '["given_name"]' })).toThrow("USER_ATTRIBUTE_MAP is not a JSON object");
  });
});

describe("writeBudgetMs", () => {
  // Imported here: the handler module creates its DynamoDB client at load, as in Lambda.
  const { writeBudgetMs } = require("../functions/post-confirmation/handler") as typeof import("../functions/post-confirmation/handler");
  test("keeps 300 ms back from the remaining time, never beyond Cognito's 5 s, never negative", () => {
    expect(writeBudgetMs({ getRemainingTimeInMillis: () => 2_000 })).toBe(1_700);
    expect(writeBudgetMs({ getRemainingTimeInMillis: () => 9_000 })).toBe(4_700);
    expect(writeBudgetMs({ getRemainingTimeInMillis: () => 100 })).toBe(0);
    expect(writeBudgetMs(undefined)).toBe(4_700);
  });
});

describe("Amplify model rows", () => {
  const amplify = { typename: "User", ownerField: "owner", ownerFormat: "{sub}::{username}", conflictDetection: true };
  const { AMPLIFY_USER_ROW } = require("./fixtures/amplify") as typeof import("./fixtures/amplify");
  const typeOf = (v: unknown) => (typeof v === "string" && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(v) ? "AWSDateTime" : typeof v);

  test("a row the trigger writes carries every field Amplify writes, in Amplify's formats", () => {
    const user = { userName: "ian.mccallum", userPoolId: "us-east-1_x", attributes: { sub: AMPLIFY_USER_ROW.id, email: "ian@example.com" } };
    const row = buildUserRecord(user, { attributeMap: {}, amplify, now: new Date(AMPLIFY_USER_ROW._lastChangedAt) });
    for (const field of ["id", "__typename", "owner", "createdAt", "updatedAt", "_version", "_lastChangedAt"] as const) {
      expect([field, typeOf(row[field])]).toEqual([field, typeOf(AMPLIFY_USER_ROW[field])]);
    }
    expect(row).toMatchObject({ id: AMPLIFY_USER_ROW.id, __typename: "User", owner: AMPLIFY_USER_ROW.owner, _version: 1, _lastChangedAt: AMPLIFY_USER_ROW._lastChangedAt });
    expect(row.createdAt).toBe(AMPLIFY_USER_ROW.createdAt);
  });

  test("the owner follows the configured format and field; without conflict detection there is no _version", () => {
    const user = { userName: "u1", userPoolId: "p", attributes: { sub: "s1" } };
    expect(buildUserRecord(user, { attributeMap: {}, amplify: { ...amplify, ownerField: "ownerId", ownerFormat: "{sub}", conflictDetection: false }, now })).toMatchObject({
      ownerId: "s1",
      __typename: "User",
    });
    const plain = buildUserRecord(user, { attributeMap: {}, amplify: { ...amplify, conflictDetection: false }, now });
    expect(plain).not.toHaveProperty("_version");
    expect(plain).not.toHaveProperty("_lastChangedAt");
    expect(plain.owner).toBe("s1::u1");
  });

  test("the owner field is sync-owned; app fields are not", () => {
    expect(syncOwnedFields({ attributeMap: { given_name: "givenName" }, amplify })).toEqual(["username", "email", "emailVerified", "userPoolId", "enabled", "givenName", "__typename", "owner"]);
  });
});

describe("enabled (absent means enabled)", () => {
  const mapping = { attributeMap: {} };
  const user = (enabled?: boolean) => ({ userName: "u", userPoolId: "p", attributes: { sub: "s", email: "e@x.io" }, enabled });
  test("a new row carries enabled only when the user is disabled, so repaired rows match the trigger's", () => {
    expect(buildUserRecord(user(), { ...mapping, now: new Date(0) })).not.toHaveProperty("enabled");
    expect(buildUserRecord(user(true), { ...mapping, now: new Date(0) })).not.toHaveProperty("enabled");
    expect(buildUserRecord(user(false), { ...mapping, now: new Date(0) })).toMatchObject({ enabled: false });
  });
  test("refresh sets it on disable and back on enable, never for unknown, never removes it", () => {
    const row = { username: "u", email: "e@x.io", userPoolId: "p" };
    expect(diffSyncOwned(row, syncOwnedValues(user(true), mapping), mapping)).toEqual({ set: {}, remove: [] });
    expect(diffSyncOwned(row, syncOwnedValues(user(false), mapping), mapping)).toEqual({ set: { enabled: false }, remove: [] });
    expect(diffSyncOwned({ ...row, enabled: false }, syncOwnedValues(user(true), mapping), mapping)).toEqual({ set: { enabled: true }, remove: [] });
    expect(diffSyncOwned({ ...row, enabled: false }, syncOwnedValues(user(), mapping), mapping)).toEqual({ set: {}, remove: [] });
  });
  test("personal fields: every sync-owned field but the pool, enabled and the model type", () => {
    expect(personalFields({ attributeMap: { given_name: "givenName" }, amplify: { typename: "User", ownerField: "owner", ownerFormat: "{sub}", conflictDetection: true } })).toEqual([
      "username",
      "email",
      "emailVerified",
      "givenName",
      "owner",
    ]);
  });
});

describe("single-table key layouts", () => {
  const layout = { partitionKey: { name: "pk", value: "USER#{sub}" }, sortKey: { name: "sk", value: "PROFILE" } };
  test("rows are keyed by the layout, and the sub is read back from a key", () => {
    const row = buildUserRecord({ userName: "u", userPoolId: "p", attributes: { sub: "abc" } }, { attributeMap: {}, keyLayout: layout, now });
    expect(row).toMatchObject({ pk: "USER#abc", sk: "PROFILE" });
    expect(row).not.toHaveProperty("id");
    expect(subOfKey(layout, { pk: "USER#abc", sk: "PROFILE" })).toBe("abc");
    expect(subOfKey(layout, { pk: "ORDER#abc", sk: "PROFILE" })).toBeUndefined();
    expect(subOfKey(layout, { pk: "USER#abc", sk: "ORDER#1" })).toBeUndefined();
    expect(subOfKey(layout, { pk: "USER#", sk: "PROFILE" })).toBeUndefined();
  });
  test("the conditional put names the layout's partition key", () => {
    expect(createIfAbsentInput("t", { pk: "USER#abc", sk: "PROFILE" }, layout).ExpressionAttributeNames).toEqual({ "#key": "pk" });
  });
  test("a layout tells user rows apart only with a fixed part", () => {
    expect(layoutIsDistinctive(layout)).toBe(true);
    expect(layoutIsDistinctive({ partitionKey: { name: "id", value: "{sub}" } })).toBe(false);
    expect(layoutIsDistinctive({ partitionKey: { name: "pk", value: "{sub}" }, sortKey: { name: "sk", value: "PROFILE" } })).toBe(true);
  });
});

describe("what a malformed input says (the value itself never: it is personal data and reaches logs)", () => {
  test.each<[string, unknown, string]>([
    ["spaced", "ab cd", "request.userAttributes.sub is a string of 5 characters, not a Cognito sub; no row is keyed by it"],
    ["a quote", "ab'cd", "request.userAttributes.sub is a string of 5 characters, not a Cognito sub; no row is keyed by it"],
    ["3,000 characters", "a".repeat(3000), "request.userAttributes.sub is a string of 3000 characters, not a Cognito sub; no row is keyed by it"],
  ])("a sub that is %s", (_, sub, message) => {
    const attempt = () => subOf({ attributes: { sub: sub as string } });
    expect(attempt).toThrow(expect.objectContaining({ name: "InvalidUserError", message }));
    if (typeof sub === "string") expect(attempt).not.toThrow(sub);
  });
  test.each([{} as any, { attributes: {} }, { attributes: { sub: null } }, { attributes: { sub: "  " } }])("no sub at all (%j)", (user) => {
    expect(() => subOf(user)).toThrow(expect.objectContaining({ name: "InvalidUserError", message: expect.stringMatching(/^missing request\.userAttributes\.sub/) }));
  });
  test.each<[unknown, string]>([
    [null, "null"],
    [[1], "an array"],
    [{ a: 1 }, "an object"],
    [7, "a number"],
    ["secret", "a string of 6 characters"],
  ])("describeValue(%j) is %s", (value, text) => {
    expect(describeValue(value)).toBe(text);
  });
});

test("ListUsers attributes: entries without a name or a value are skipped, never turned into fields", () => {
  expect(attributesFromList([{ Name: "email", Value: "a@example.com" }, { Name: "given_name" }, { Value: "orphan" }, { Name: "sub", Value: "abc" }])).toEqual({ email: "a@example.com", sub: "abc" });
  expect(attributesFromList(undefined)).toEqual({});
  expect(subOfUser({ Attributes: [{ Name: "email", Value: "x" }] })).toBeUndefined();
  expect(subOfUser({})).toBeUndefined();
  expect(cognitoUserOf({ Attributes: [] }, "us-east-1_X").userName).toBe("");
});

test("absent attributes write nothing: no username, email or pool field from an empty value", () => {
  const values = syncOwnedValues({ userName: "", userPoolId: "", attributes: { sub: "abc", email: "" } }, { attributeMap: {} });
  expect(values).toEqual({});
  expect(syncOwnedValues({ userName: "bob", userPoolId: "", attributes: { sub: "abc", email: "b@example.com" } }, { attributeMap: {} })).toEqual({ username: "bob", email: "b@example.com" });
});

test("the Amplify owner needs a sub; with no owner field there is none", () => {
  const amplify = { typename: "User", ownerField: "owner", ownerFormat: "{sub}::{username}", conflictDetection: false };
  const bob = (sub: string) => ({ userName: "bob", userPoolId: "", attributes: { sub } });
  expect(syncOwnedValues(bob(""), { attributeMap: {}, amplify })).toEqual({ username: "bob", __typename: "User" });
  expect(syncOwnedValues(bob("abc"), { attributeMap: {}, amplify: { ...amplify, ownerField: "" } })).toEqual({ username: "bob", __typename: "User" });
  expect(syncOwnedValues(bob("abc"), { attributeMap: {}, amplify })).toMatchObject({ owner: "abc::bob" });
});
