/** Reading CloudTrail events (fixtures cite AWS's samples) and the rule's pattern. */
import { marshall } from "@aws-sdk/util-dynamodb";
import { applyUserEvent } from "../core/user-events/apply";
import { HIDDEN, parseUserEvent, USER_EVENT_NAMES, userEventsPattern } from "../core/user-events/cloudtrail";
import { matchesPattern } from "../tools/local/stand-ins/event-pattern";
import { adminEvent, FIXTURE_POOL, HOSTED_UI_CONFIRM, SUB, tokenEvent } from "./fixtures/cloudtrail-events";

describe("parseUserEvent", () => {
  test("an admin call: the sub and the pool; the hidden username is not taken for a name", () => {
    expect(parseUserEvent(adminEvent("AdminDeleteUser"))).toEqual({ eventName: "AdminDeleteUser", eventId: "c75eb7a5-eb8c-43d1-8331-f4412e756e69", sub: SUB, userPoolId: FIXTURE_POOL, username: undefined });
  });

  test("a token-authorized call has the sub and no pool", () => {
    const signal = parseUserEvent(tokenEvent("UpdateUserAttributes"));
    expect(signal).toMatchObject({ eventName: "UpdateUserAttributes", sub: SUB });
    expect(signal.userPoolId).toBeUndefined();
  });

  test("a username CloudTrail did not hide is kept (AdminGetUser can use it)", () => {
    const event = adminEvent("AdminDisableUser");
    event.detail.requestParameters = { userPoolId: FIXTURE_POOL, username: "jane" } as any;
    expect(parseUserEvent(event)).toMatchObject({ username: "jane", sub: SUB });
  });

  test.each([
    ["a hosted-UI record", HOSTED_UI_CONFIRM, /not a call that changes a user/],
    ["a failed call", adminEvent("AdminDeleteUser", { errorCode: "UserNotFoundException", errorMessage: "User does not exist." }), /failed \(UserNotFoundException\)/],
    ["another service", { ...adminEvent("AdminDeleteUser"), source: "aws.iam" }, /not a Cognito API call/],
    ["a scheduled event", { source: "aws.events", "detail-type": "Scheduled Event", detail: {} }, /not a Cognito API call/],
    ["nothing", null, /not an object/],
  ])("%s is not a user event", (_, event, message) => {
    expect(() => parseUserEvent(event)).toThrow(message);
  });

  test("values are never read from the event: every attribute value is hidden in the samples", () => {
    expect(JSON.stringify(adminEvent("AdminUpdateUserAttributes").detail.requestParameters)).toContain(HIDDEN);
    expect(parseUserEvent(adminEvent("AdminUpdateUserAttributes"))).not.toHaveProperty("attributes");
  });
});

describe("the rule's pattern", () => {
  const pattern = userEventsPattern();
  test("matches every listed call, admin or token-authorized", () => {
    for (const name of USER_EVENT_NAMES) {
      expect([name, matchesPattern(pattern, adminEvent(name))]).toEqual([name, true]);
      expect([name, matchesPattern(pattern, tokenEvent(name))]).toEqual([name, true]);
    }
  });
  test("does not match failed calls, hosted-UI records, reads or other services", () => {
    expect(matchesPattern(pattern, adminEvent("AdminDeleteUser", { errorCode: "AccessDenied" }))).toBe(false);
    expect(matchesPattern(pattern, HOSTED_UI_CONFIRM)).toBe(false);
    expect(matchesPattern(pattern, adminEvent("AdminGetUser"))).toBe(false);
    expect(matchesPattern(pattern, { ...adminEvent("AdminDeleteUser"), source: "aws.iam" })).toBe(false);
  });
});

describe("matchesPattern (the local tap's EventBridge matcher)", () => {
  test("arrays are OR, fields are AND, nested objects recurse", () => {
    expect(matchesPattern({ a: ["x", "y"], b: { c: [1] } }, { a: "y", b: { c: 1 } })).toBe(true);
    expect(matchesPattern({ a: ["x", "y"], b: { c: [1] } }, { a: "y", b: { c: 2 } })).toBe(false);
    expect(matchesPattern({ a: ["x"] }, { a: ["z", "x"] })).toBe(true);
  });
  test("exists, prefix and anything-but", () => {
    expect(matchesPattern({ e: [{ exists: false }] }, {})).toBe(true);
    expect(matchesPattern({ e: [{ exists: false }] }, { e: "x" })).toBe(false);
    expect(matchesPattern({ e: [{ exists: true }] }, { e: "x" })).toBe(true);
    expect(matchesPattern({ e: [{ prefix: "Admin" }] }, { e: "AdminDeleteUser" })).toBe(true);
    expect(matchesPattern({ e: [{ "anything-but": ["a"] }] }, { e: "b" })).toBe(true);
    expect(matchesPattern({ e: [{ "anything-but": ["a"] }] }, { e: "a" })).toBe(false);
  });
  test("an operator it does not know is an error, not a silent match", () => {
    expect(() => matchesPattern({ e: [{ numeric: [">", 1] }] }, { e: 2 })).toThrow(/numeric.*not supported/);
  });
});

describe("applyUserEvent: deleting needs two reads that agree", () => {
  // ListUsers lagging behind a live user cannot be produced with the stand-ins: fakes at the AWS boundary.
  const live = { Username: "u-1", UserStatus: "CONFIRMED", Enabled: true, Attributes: [{ Name: "sub", Value: SUB }, { Name: "email", Value: "live@example.com" }] };
  const storedRow = { id: SUB, username: "u-1", email: "live@example.com", userPoolId: FIXTURE_POOL };

  function fakes(adminGetUser: () => unknown) {
    const writes: string[] = [];
    const cognito = {
      send: async (command: any) => {
        const name = command.constructor.name;
        if (name === "ListUsersCommand") return { Users: [] }; // lagging
        if (name === "AdminGetUserCommand") return adminGetUser();
        throw new Error(`unexpected ${name}`);
      },
    };
    const dynamodb = {
      send: async (command: any) => {
        const name = command.constructor.name;
        if (name === "GetItemCommand") return { Item: marshall(storedRow) };
        writes.push(name);
        return {};
      },
    };
    return { ctx: { cognito, dynamodb, userPoolId: FIXTURE_POOL, tableName: "users", onUserDeleted: "erase" as const, attributeMap: {} }, writes };
  }

  test("ListUsers misses a user AdminGetUser still finds: nothing is erased", async () => {
    const { ctx, writes } = fakes(() => ({ Username: live.Username, UserAttributes: live.Attributes, UserStatus: "CONFIRMED", Enabled: true }));
    expect(await applyUserEvent(ctx, { sub: SUB })).toEqual({ outcome: "unchanged", sub: SUB });
    expect(writes).toEqual([]);
  });

  test("both reads say the user is gone: the row is erased", async () => {
    const { ctx, writes } = fakes(() => {
      throw Object.assign(new Error("User does not exist."), { name: "UserNotFoundException" });
    });
    expect(await applyUserEvent(ctx, { sub: SUB })).toEqual({ outcome: "erased", sub: SUB });
    expect(writes).toEqual(["UpdateItemCommand"]);
  });

  test("the username now names another user (reused after the delete): the old sub is gone, its row erased", async () => {
    const { ctx, writes } = fakes(() => ({ Username: "u-1", UserAttributes: [{ Name: "sub", Value: "someone-else" }], UserStatus: "CONFIRMED", Enabled: true }));
    expect(await applyUserEvent(ctx, { sub: SUB })).toEqual({ outcome: "erased", sub: SUB });
    expect(writes).toEqual(["UpdateItemCommand"]);
  });

  test("an event of another pool is not looked at", async () => {
    const { ctx, writes } = fakes(() => {
      throw new Error("must not be called");
    });
    expect(await applyUserEvent(ctx, { sub: SUB, userPoolId: "us-west-2_other" })).toEqual({ outcome: "other-pool", sub: SUB });
    expect(writes).toEqual([]);
  });
});
