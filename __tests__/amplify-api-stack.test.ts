/**
 * The Amplify API writer as the stack deploys it: every function writes
 * through the API, so each role may call exactly the model fields its writes
 * use (AppSync's field ARNs) and may not write the table at all; reads stay
 * on the table. And the settings that make no sense are refused by name.
 */
import { readFunctionSettings } from "../core/function-env";
import { rowWriterFor } from "../core/row-writer";
import { loadConfig } from "../lib/settings";
import { synthStack } from "./helpers/synth";

const API_ID = "tgjkgsqz6fbxzj3x5tqwupoefa";
const TABLE = `User-${API_ID}-dev`;
const ENV = { USER_SYNC_AMPLIFY_TYPENAME: "User", USER_SYNC_AMPLIFY_API: API_ID, USER_SYNC_TABLE_EXISTING: TABLE };

/** Every policy document's statements by the data source's name. */
function statements(s: ReturnType<typeof synthStack>): Record<string, Array<{ sid: string; actions: string[]; resources: string[] }>> {
  return Object.fromEntries(Object.entries<any>(s.json.data.aws_iam_policy_document).map(([name, doc]) => [name, doc.statement]));
}
const byPrefix = (all: ReturnType<typeof statements>, prefix: string) => Object.entries(all).find(([name]) => name.startsWith(prefix))![1];

describe("amplifyApi: writes go through the API's model fields, never to the table", () => {
  const s = synthStack(ENV);
  const all = statements(s);
  const arn = (type: string, field: string) => expect.stringMatching(new RegExp(`^arn:\\$\\{.+\\}:appsync:us-east-1:\\$\\{.+\\}:apis/${API_ID}/types/${type}/fields/${field}$`));
  const appsync = (st: Array<{ sid: string; actions: string[]; resources: string[] }>) => st.find((x) => x.sid === "WriteUserRowsThroughAppSync");

  test("the trigger may only createUser", () => {
    const trigger = byPrefix(all, "post-confirmation");
    expect(appsync(trigger)).toEqual(expect.objectContaining({ actions: ["appsync:GraphQL"], resources: [arn("Mutation", "createUser")] }));
  });

  test("user events: getUser, createUser, updateUser and deleteUser (the erasure, then the tombstone)", () => {
    expect(appsync(byPrefix(all, "user-events_function"))!.resources).toEqual([arn("Mutation", "createUser"), arn("Mutation", "deleteUser"), arn("Mutation", "updateUser"), arn("Query", "getUser")]);
  });

  test("the reconcile worker: getUser, createUser, updateUser; deleteUser only when it prunes", () => {
    expect(appsync(byPrefix(all, "reconcile_worker"))!.resources).toEqual([arn("Mutation", "createUser"), arn("Mutation", "updateUser"), arn("Query", "getUser")]);
    const pruning = statements(synthStack({ ...ENV, USER_SYNC_RECONCILE_PRUNE: "true" }));
    expect(appsync(byPrefix(pruning, "reconcile_worker"))!.resources).toContainEqual(arn("Mutation", "deleteUser"));
  });

  test("no role may write the table; the functions still read it", () => {
    const actions = Object.values(all).flat().flatMap((st) => st.actions);
    for (const write of ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"]) {
      expect(Object.values(all).flat().filter((st) => st.actions.includes(write) && st.resources.some((r) => r.includes(`table/${TABLE}`)))).toEqual([]);
    }
    expect(actions).toContain("dynamodb:GetItem");
    expect(byPrefix(all, "reconcile_worker").find((st) => st.sid === "ScanUserRows")!.resources).toEqual([expect.stringMatching(new RegExp(`:table/${TABLE}$`))]);
  });

  test("the functions get the API's URL; renamed operations reach both the environment and the ARNs", () => {
    expect(s.one("aws_lambda_function", "post-confirmation").environment.variables.AMPLIFY_API_URL).toBe(`https://${API_ID}.appsync-api.us-east-1.amazonaws.com/graphql`);
    const renamed = synthStack({ ...ENV, USER_SYNC_AMPLIFY_MODEL_NAMES: '{"create":"addUser"}', USER_SYNC_REGION: "eu-west-1" });
    expect(JSON.parse(renamed.one("aws_lambda_function", "post-confirmation").environment.variables.AMPLIFY_MODEL_NAMES)).toEqual({ create: "addUser" });
    expect(appsync(byPrefix(statements(renamed), "post-confirmation"))!.resources).toEqual([expect.stringMatching(new RegExp(`:appsync:eu-west-1:.*:apis/${API_ID}/types/Mutation/fields/addUser$`))]);
    // A URL names its own region.
    const url = synthStack({ ...ENV, USER_SYNC_AMPLIFY_API: `https://${API_ID}.appsync-api.ap-south-1.amazonaws.com/graphql` });
    expect(appsync(byPrefix(statements(url), "post-confirmation"))!.resources[0]).toContain(`:appsync:ap-south-1:`);
  });

  test("without amplifyApi nothing changes: the table's own grants, no AppSync", () => {
    const plain = statements(synthStack({ USER_SYNC_AMPLIFY_TYPENAME: "User" }));
    expect(Object.values(plain).flat().some((st) => st.actions.includes("appsync:GraphQL"))).toBe(false);
    expect(byPrefix(plain, "post-confirmation").find((st) => st.sid === "CreateUserRows")!.actions).toEqual(["dynamodb:PutItem"]);
  });
});

describe("amplifyApi settings that cannot work are refused, naming the setting and the fix", () => {
  const problems = (env: Record<string, string>) => {
    try {
      loadConfig({ env, file: false, warn: () => undefined });
      return "";
    } catch (err) {
      return (err as Error).message;
    }
  };
  test.each([
    ["not an id or URL", { ...ENV, USER_SYNC_AMPLIFY_API: "my-api" }, /amplifyApi \(USER_SYNC_AMPLIFY_API\): "my-api" is not an AppSync API id .* give the id/],
    ["a custom domain", { ...ENV, USER_SYNC_AMPLIFY_API: "https://api.acme.example/graphql" }, /custom domain hides the id/],
    ["no model type", { USER_SYNC_AMPLIFY_API: API_ID, USER_SYNC_TABLE_EXISTING: TABLE }, /needs amplifyTypename \(USER_SYNC_AMPLIFY_TYPENAME\)/],
    ["no table", { USER_SYNC_AMPLIFY_TYPENAME: "User", USER_SYNC_AMPLIFY_API: API_ID }, /needs table\.existing .* the model's table behind the API/],
    ["a key that is not id = sub", { ...ENV, USER_SYNC_TABLE_PARTITION_KEY: "pk", USER_SYNC_TABLE_PARTITION_KEY_VALUE: "USER#{sub}" }, /keyed by id, which must be the user's sub/],
    ["conflict detection off", { ...ENV, USER_SYNC_AMPLIFY_CONFLICT_DETECTION: "false" }, /needs conflict detection .* leave amplifyApi unset/],
    ["a placeholder for a field sync does not write", { ...ENV, USER_SYNC_AMPLIFY_ERASED_VALUES: '{"bio":"x"}' }, /amplifyErasedValues .*"bio" is not a personal field sync writes/],
    ["a placeholder for the owner", { ...ENV, USER_SYNC_AMPLIFY_ERASED_VALUES: '{"owner":"x"}' }, /"owner" is the owner field/],
    ["an unknown operation", { ...ENV, USER_SYNC_AMPLIFY_MODEL_NAMES: '{"list":"listUsers"}' }, /"list" is not a model operation; use get, create, update, delete/],
    ["a name GraphQL refuses", { ...ENV, USER_SYNC_AMPLIFY_MODEL_NAMES: '{"get":"get-user"}' }, /get: "get-user" is not a GraphQL field name/],
    ["names without an API", { USER_SYNC_AMPLIFY_TYPENAME: "User", USER_SYNC_AMPLIFY_MODEL_NAMES: '{"get":"userById"}' }, /amplifyModelNames .*: set, but amplifyApi .* is not/],
  ])("%s", (_, env, message) => {
    expect(problems(env)).toMatch(message);
  });
  test("a valid id or URL loads", () => {
    expect(problems(ENV)).toBe("");
    expect(problems({ ...ENV, USER_SYNC_AMPLIFY_API: `https://${API_ID}.appsync-api.eu-central-1.amazonaws.com/graphql` })).toBe("");
  });
});

describe("a function reads the API from its environment, or refuses to start saying why", () => {
  const base = { USERS_TABLE_NAME: TABLE, AMPLIFY_TYPENAME: "User" };
  test("the URL, the renamed operations and the placeholders", () => {
    expect(readFunctionSettings({ ...base, AMPLIFY_API_URL: "https://x.example/graphql", AMPLIFY_MODEL_NAMES: '{"get":"userById"}', AMPLIFY_ERASED_VALUES: '{"email":"gone@example.invalid"}' }).amplifyApi).toEqual({
      url: "https://x.example/graphql",
      modelNames: { get: "userById" },
      erasedValues: { email: "gone@example.invalid" },
    });
    expect(readFunctionSettings(base).amplifyApi).toBeUndefined();
  });
  test.each([
    [{ ...base, AMPLIFY_API_URL: "http://api.example/graphql" }, /AMPLIFY_API_URL must be an https URL \(plain http only on loopback\); the stack sets it from the amplifyApi setting/],
    [{ ...base, AMPLIFY_API_URL: "not a url" }, /AMPLIFY_API_URL is not a URL/],
    [{ USERS_TABLE_NAME: TABLE, AMPLIFY_API_URL: "https://x.example/graphql" }, /AMPLIFY_API_URL is set but AMPLIFY_TYPENAME is not/],
    [{ ...base, AMPLIFY_API_URL: "https://x.example/graphql", AMPLIFY_MODEL_NAMES: '{"get":"a b"}' }, /AMPLIFY_MODEL_NAMES: get: "a b" is not a GraphQL field name .*\(the amplifyModelNames setting\)/],
  ])("%j", (env, message) => {
    expect(() => readFunctionSettings(env)).toThrow(message);
  });
  test("a writer for an API needs credentials: the one writer is never silently the table", () => {
    const settings = readFunctionSettings({ ...base, AMPLIFY_API_URL: "http://127.0.0.1:1/graphql" });
    expect(() => rowWriterFor(settings, { dynamodb: { send: async () => ({}) } as any, region: "us-east-1" })).toThrow(/needs credentials to sign with/);
    expect(rowWriterFor(settings, { dynamodb: { send: async () => ({}) } as any, region: "us-east-1", credentials: { accessKeyId: "a", secretAccessKey: "b" } }).kind).toBe("api");
    expect(rowWriterFor(readFunctionSettings(base), { dynamodb: { send: async () => ({}) } as any }).kind).toBe("table");
  });
});
