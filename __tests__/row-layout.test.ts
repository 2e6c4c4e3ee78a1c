/**
 * How rows are keyed and which fields they hold (core/row-key.ts,
 * core/row-fields.ts): the validators' exact findings, and the key round trip
 * as a property: a key names a sub exactly when rowKey made it from that sub.
 */
import fc from "fast-check";
import { attributeMapProblems, customAttributeNames, DEFAULT_ATTRIBUTE_MAP, statusesWithRows } from "../core/row-fields";
import { isWellFormedSub, keyLayoutProblems, MalformedInputError, rowKey, subOfKey, type KeyLayout } from "../core/row-key";

const W = "keyLayout";

describe("keyLayoutProblems", () => {
  test.each<[string, any, string[]]>([
    ["the default layout", { partitionKey: { name: "id", value: "{sub}" } }, []],
    ["a single-table layout", { partitionKey: { name: "pk", value: "USER#{sub}" }, sortKey: { name: "sk", value: "PROFILE" } }, []],
    ["{sub} in the sort key only", { partitionKey: { name: "pk", value: "USERS" }, sortKey: { name: "sk", value: "{sub}" } }, []],
    ["a bad attribute name", { partitionKey: { name: "1 id", value: "{sub}" } }, [`${W}.partitionKey.name: "1 id" is not a DynamoDB attribute name`]],
    ["no name", { partitionKey: { value: "{sub}" } }, [`${W}.partitionKey.name: undefined is not a DynamoDB attribute name`]],
    [
      "an empty template",
      { partitionKey: { name: "id", value: "" } },
      [`${W}.partitionKey.value: give a template such as "{sub}" or "USER#{sub}"`, `${W}: neither key holds {sub}; one must, or users cannot be told apart`],
    ],
    [
      "no template",
      { partitionKey: { name: "id", value: "{sub}" }, sortKey: { name: "sk" } },
      [`${W}.sortKey.value: give a template such as "{sub}" or "USER#{sub}"`],
    ],
    ["{sub} twice", { partitionKey: { name: "id", value: "{sub}#{sub}" } }, [`${W}.partitionKey.value: "{sub}#{sub}" has {sub} more than once`]],
    ["another placeholder", { partitionKey: { name: "id", value: "{sub}#{username}" } }, [`${W}.partitionKey.value: "{sub}#{username}" may hold only the placeholder {sub}`]],
    ["a stray brace in the sort key", { partitionKey: { name: "id", value: "{sub}" }, sortKey: { name: "sk", value: "P}" } }, [`${W}.sortKey.value: "P}" may hold only the placeholder {sub}`]],
    ["no {sub} anywhere", { partitionKey: { name: "pk", value: "USER" }, sortKey: { name: "sk", value: "PROFILE" } }, [`${W}: neither key holds {sub}; one must, or users cannot be told apart`]],
    ["no {sub} and no sort key", { partitionKey: { name: "pk", value: "USER" } }, [`${W}: neither key holds {sub}; one must, or users cannot be told apart`]],
    ["the same name twice", { partitionKey: { name: "pk", value: "{sub}" }, sortKey: { name: "pk", value: "P" } }, [`${W}.sortKey.name: must differ from the partition key's name`]],
  ])("%s", (_, layout, problems) => {
    expect(keyLayoutProblems(layout as KeyLayout, W)).toEqual(problems);
  });
});

describe("attributeMapProblems", () => {
  const A = "attributeMap";
  test.each<[string, Record<string, any>, string[]]>([
    ["the default map", DEFAULT_ATTRIBUTE_MAP, []],
    ["a custom attribute", { "custom:plan": "plan" }, []],
    ["a core attribute", { email: "mail" }, [`${A}: "email" is always written as a core field; remove it from the map`]],
    [
      "an unknown attribute",
      { nickname2: "nick" },
      [`${A}: "nickname2" is not a Cognito attribute; use a standard attribute (${Object.keys(DEFAULT_ATTRIBUTE_MAP).join(", ")}) or custom:<name> (1-20 of A-Z a-z 0-9 _)`],
    ],
    ["a custom name too long", { [`custom:${"a".repeat(21)}`]: "plan" }, [expect.stringContaining(`"custom:${"a".repeat(21)}" is not a Cognito attribute`) as any]],
    ["a bad field name", { given_name: "first name" }, [`${A}: row field "first name" for given_name must be 1-64 of A-Z a-z 0-9 _, starting with a letter`]],
    ["a field that is not a string", { given_name: 7 }, [`${A}: row field 7 for given_name must be 1-64 of A-Z a-z 0-9 _, starting with a letter`]],
    ["a core field", { given_name: "createdAt" }, [`${A}: row field "createdAt" for given_name is a core field; pick another name`]],
    ["a field used twice", { given_name: "name", family_name: "name" }, [`${A}: row field "name" is used twice; each attribute needs its own field`]],
  ])("%s", (_, map, problems) => {
    expect(attributeMapProblems(map, A)).toEqual(problems);
  });
});

test("customAttributeNames: the names a pool must declare, without the prefix", () => {
  expect(customAttributeNames({ given_name: "givenName", "custom:plan": "plan", "custom:tier_2": "tier" })).toEqual(["plan", "tier_2"]);
  expect(customAttributeNames(DEFAULT_ATTRIBUTE_MAP)).toEqual([]);
});

test("statusesWithRows: users who can sign in; invited ones with rowsAtInvite; unconfirmed ones on request", () => {
  const sorted = (s: Set<string>) => [...s].sort();
  expect(sorted(statusesWithRows({}))).toEqual(["CONFIRMED", "EXTERNAL_PROVIDER", "RESET_REQUIRED"]);
  expect(sorted(statusesWithRows({ rowsAtInvite: true }))).toEqual(["CONFIRMED", "EXTERNAL_PROVIDER", "FORCE_CHANGE_PASSWORD", "RESET_REQUIRED"]);
  expect(sorted(statusesWithRows({ includeUnconfirmed: true }))).toEqual(["CONFIRMED", "EXTERNAL_PROVIDER", "FORCE_CHANGE_PASSWORD", "RESET_REQUIRED", "UNCONFIRMED"]);
});

describe("row keys", () => {
  const LAYOUTS: KeyLayout[] = [
    { partitionKey: { name: "id", value: "{sub}" } },
    { partitionKey: { name: "pk", value: "USER#{sub}" }, sortKey: { name: "sk", value: "PROFILE" } },
    { partitionKey: { name: "id", value: "{sub}#P" } },
    { partitionKey: { name: "pk", value: "USERS" }, sortKey: { name: "sk", value: "U#{sub}#v1" } },
  ];
  const subs = fc.stringMatching(/^[0-9A-Za-z](?:[0-9A-Za-z-]{0,40}[0-9A-Za-z])?$/);
  const text = fc.string({ maxLength: 50 });

  test("property: subOfKey reads back exactly the sub rowKey wrote, for every layout", () => {
    fc.assert(
      fc.property(fc.constantFrom(...LAYOUTS), subs, (layout, sub) => {
        expect(subOfKey(layout, { ...rowKey(layout, sub), email: "x@example.com" })).toBe(sub);
      }),
      { numRuns: 400, seed: 11 },
    );
  });

  test("property: any other item names a sub only if rowKey would make that very key from it", () => {
    fc.assert(
      fc.property(fc.constantFrom(...LAYOUTS), fc.oneof(text, subs.map((s) => `USER#${s}`), subs.map((s) => `${s}#P`), subs.map((s) => `U#${s}#v1`)), fc.oneof(text, fc.constantFrom("PROFILE", "USERS"), subs.map((s) => `U#${s}#v1`)), (layout, a, b) => {
        const [pk, sk] = [layout.partitionKey.name, layout.sortKey?.name ?? "other"];
        const item = { [pk]: layout.sortKey && layout.partitionKey.value === "USERS" ? "USERS" : a, [sk]: b };
        const sub = subOfKey(layout, item);
        if (sub === undefined) return;
        expect(isWellFormedSub(sub)).toBe(true);
        const key = rowKey(layout, sub);
        for (const [name, value] of Object.entries(key)) expect(item[name]).toBe(value);
      }),
      { numRuns: 600, seed: 12 },
    );
  });

  test.each<[string, Record<string, unknown>, KeyLayout]>([
    ["a missing key attribute", { sk: "PROFILE" }, LAYOUTS[1]],
    ["a number where a string key is", { id: 7 }, LAYOUTS[0]],
    ["the prefix alone", { pk: "USER#", sk: "PROFILE" }, LAYOUTS[1]],
    ["prefix and suffix overlapping", { pk: "USERS", sk: "U#v1" }, LAYOUTS[3]],
    ["the wrong fixed sort key", { pk: "USER#abc", sk: "ORDER" }, LAYOUTS[1]],
    ["the wrong prefix", { pk: "ORDER#abc", sk: "PROFILE" }, LAYOUTS[1]],
    ["the wrong suffix", { id: "abc#Q" }, LAYOUTS[2]],
    ["a malformed sub between them", { id: "ab$'#P" }, LAYOUTS[2]],
    ["two keys naming different subs", { pk: "x", sk: "y" }, { partitionKey: { name: "pk", value: "{sub}" }, sortKey: { name: "sk", value: "{sub}" } }],
  ])("%s names no user", (_, item, layout) => {
    expect(subOfKey(layout, item)).toBeUndefined();
  });

  test("two keys naming the same sub name it", () => {
    expect(subOfKey({ partitionKey: { name: "pk", value: "{sub}" }, sortKey: { name: "sk", value: "S#{sub}" } }, { pk: "abc", sk: "S#abc" })).toBe("abc");
  });

  test("a malformed sub never makes a key, and the error says so without echoing it", () => {
    for (const bad of ["", "a$'", "a".repeat(129), "-abc", "abc-", undefined as unknown as string]) {
      expect(() => rowKey(LAYOUTS[0], bad)).toThrow(MalformedInputError);
    }
    expect(() => rowKey(LAYOUTS[0], "x$'y")).toThrow(expect.objectContaining({ name: "MalformedInputError", message: "a sub of 4 characters is not a Cognito sub; no row key is made from it" }));
    expect(isWellFormedSub(42)).toBe(false);
    expect(isWellFormedSub("a".repeat(128))).toBe(true);
  });

  test("a sort key is filled like the partition key", () => {
    expect(rowKey({ partitionKey: { name: "pk", value: "USERS" }, sortKey: { name: "sk", value: "U#{sub}" } }, "abc")).toEqual({ pk: "USERS", sk: "U#abc" });
  });
});
