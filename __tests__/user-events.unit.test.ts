/** Reading CloudTrail events (fixtures cite AWS's samples) and the rule's pattern. */
import { marshall } from "@aws-sdk/util-dynamodb";
import { applyUserEvent } from "../core/user-events/apply";
import { deletedRow, deletionWrites } from "../core/user-events/deletion";
import { CHALLENGE_EVENT_NAMES, HIDDEN, parseUserEvent, USER_EVENT_NAMES, userEventsPattern } from "../core/user-events/cloudtrail";
import { matchesPattern } from "../tools/local/stand-ins/event-pattern";
import { adminEvent, challengeEvent, FIXTURE_POOL, HOSTED_UI_CONFIRM, SUB, tokenEvent } from "./fixtures/cloudtrail-events";

describe("parseUserEvent", () => {
  test("an admin call: the sub and the pool; the hidden username is not taken for a name", () => {
    expect(parseUserEvent(adminEvent("AdminDeleteUser"))).toEqual({ eventName: "AdminDeleteUser", eventId: "c75eb7a5-eb8c-43d1-8331-f4412e756e69", sub: SUB, userPoolId: FIXTURE_POOL, username: undefined, rowFirst: false, deletes: true });
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

  test("a hosted-UI confirmation (a service event): the sub and the pool from its one-element arrays, row-first", () => {
    expect(parseUserEvent(HOSTED_UI_CONFIRM)).toMatchObject({ eventName: "Confirm_POST", sub: SUB, userPoolId: FIXTURE_POOL, rowFirst: true });
  });

  test("a successful call may carry an empty errorCode", () => {
    expect(parseUserEvent(adminEvent("AdminConfirmSignUp", { errorCode: "", errorMessage: "" }))).toMatchObject({ sub: SUB, rowFirst: true });
  });

  test("an invitation accepted (NEW_PASSWORD_REQUIRED) is read, by either call; any other challenge is a sign-in, not ours", () => {
    expect(parseUserEvent(challengeEvent("RespondToAuthChallenge", "NEW_PASSWORD_REQUIRED"))).toMatchObject({ sub: SUB, userPoolId: undefined, rowFirst: true });
    expect(parseUserEvent(challengeEvent("AdminRespondToAuthChallenge", "NEW_PASSWORD_REQUIRED"))).toMatchObject({ sub: SUB, userPoolId: FIXTURE_POOL, rowFirst: true });
    for (const other of ["SMS_MFA", "EMAIL_OTP", "PASSWORD_VERIFIER", "CUSTOM_CHALLENGE", "SOFTWARE_TOKEN_MFA"]) {
      expect(() => parseUserEvent(challengeEvent("RespondToAuthChallenge", other))).toThrow(/a sign-in, not an accepted invitation/);
    }
  });

  test.each([
    ["a failed call", adminEvent("AdminDeleteUser", { errorCode: "UserNotFoundException", errorMessage: "User does not exist." }), /failed \(UserNotFoundException\)/],
    ["another service", { ...adminEvent("AdminDeleteUser"), source: "aws.iam" }, /not a Cognito call via CloudTrail/],
    ["a scheduled event", { source: "aws.events", "detail-type": "Scheduled Event", detail: {} }, /not a Cognito call via CloudTrail/],
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
  // Made inside each test: built at describe time it would run outside any test, where a mutation run cannot see which tests cover it.
  let pattern: ReturnType<typeof userEventsPattern>;
  beforeEach(() => {
    pattern = userEventsPattern();
  });
  const plainCalls = USER_EVENT_NAMES.filter((n) => !(CHALLENGE_EVENT_NAMES as readonly string[]).includes(n) && n !== "AdminCreateUser");
  test("matches every listed call, admin or token-authorized, with no errorCode or an empty one", () => {
    for (const name of plainCalls) {
      expect([name, matchesPattern(pattern, adminEvent(name))]).toEqual([name, true]);
      expect([name, matchesPattern(pattern, tokenEvent(name))]).toEqual([name, true]);
      expect([name, matchesPattern(pattern, adminEvent(name, { errorCode: "" }))]).toEqual([name, true]);
    }
  });
  test("challenge answers only when they accept an invitation (MFA and passwordless sign-ins never invoke the function)", () => {
    for (const name of CHALLENGE_EVENT_NAMES) {
      expect(matchesPattern(pattern, challengeEvent(name, "NEW_PASSWORD_REQUIRED"))).toBe(true);
      for (const other of ["SMS_MFA", "EMAIL_OTP", "PASSWORD_VERIFIER", "CUSTOM_CHALLENGE", "SELECT_CHALLENGE"]) expect([name, other, matchesPattern(pattern, challengeEvent(name, other))]).toEqual([name, other, false]);
    }
  });
  test("invitations (AdminCreateUser) only with rowsAtInvite", () => {
    expect(matchesPattern(pattern, adminEvent("AdminCreateUser"))).toBe(false);
    expect(matchesPattern(userEventsPattern({ rowsAtInvite: true }), adminEvent("AdminCreateUser"))).toBe(true);
  });
  test("hosted-UI confirmations match; failed calls, reads and other services do not", () => {
    expect(matchesPattern(pattern, HOSTED_UI_CONFIRM)).toBe(true);
    expect(matchesPattern(pattern, adminEvent("AdminDeleteUser", { errorCode: "AccessDenied" }))).toBe(false);
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
  test("$or: any of its patterns at that level", () => {
    const p = { d: { $or: [{ a: ["x"] }, { b: ["y"], c: ["z"] }] } };
    expect(matchesPattern(p, { d: { a: "x" } })).toBe(true);
    expect(matchesPattern(p, { d: { b: "y", c: "z" } })).toBe(true);
    expect(matchesPattern(p, { d: { b: "y" } })).toBe(false);
    expect(() => matchesPattern({ $or: [{ a: ["x"] }] }, {})).toThrow(/at least two/);
  });
  test("an operator it does not know is an error, not a silent match", () => {
    expect(() => matchesPattern({ e: [{ numeric: [">", 1] }] }, { e: 2 })).toThrow(/numeric.*not supported/);
  });
});

describe("applyUserEvent: deleting needs two reads that agree", () => {
  // ListUsers lagging behind a live user cannot be produced with the stand-ins: fakes at the AWS boundary.
  const live = { Username: "u-1", UserStatus: "CONFIRMED", Enabled: true, Attributes: [{ Name: "sub", Value: SUB }, { Name: "email", Value: "live@example.com" }] };
  const storedRow = { id: SUB, username: "u-1", email: "live@example.com", userPoolId: FIXTURE_POOL };

  function fakes(adminGetUser: () => unknown, row: Record<string, unknown> = storedRow) {
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
        if (name === "GetItemCommand") return { Item: marshall(row) };
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

  test("under conflict detection the default erase is the tombstone; a redelivered delete finds it and writes nothing more", async () => {
    const gone = () => {
      throw Object.assign(new Error("User does not exist."), { name: "UserNotFoundException" });
    };
    const amplify = { typename: "User", ownerFormat: "{sub}::{username}", conflictDetection: true };
    const first = fakes(gone);
    expect(await applyUserEvent({ ...first.ctx, amplify }, { sub: SUB })).toEqual({ outcome: "deleted", sub: SUB });
    expect(first.writes).toEqual(["UpdateItemCommand"]);
    const again = fakes(gone, { id: SUB, userPoolId: FIXTURE_POOL, deletedAt: "2026-01-01T00:00:00.000Z", _deleted: true, _version: 3 });
    expect(await applyUserEvent({ ...again.ctx, amplify }, { sub: SUB })).toEqual({ outcome: "deleted", sub: SUB });
    expect(again.writes).toEqual([]);
    // Soft-deleted by someone else, personal data still there: the erasure still runs.
    const foreign = fakes(gone, { ...storedRow, _deleted: true, _version: 3 });
    expect(await applyUserEvent({ ...foreign.ctx, amplify }, { sub: SUB })).toEqual({ outcome: "deleted", sub: SUB });
    expect(foreign.writes).toEqual(["UpdateItemCommand"]);
  });

  test("an event of another pool is not looked at", async () => {
    const { ctx, writes } = fakes(() => {
      throw new Error("must not be called");
    });
    expect(await applyUserEvent(ctx, { sub: SUB, userPoolId: "us-west-2_other" })).toEqual({ outcome: "other-pool", sub: SUB });
    expect(writes).toEqual([]);
  });
});

describe("applyUserEvent: row-first for creation and sign-in events (Cognito's shared quotas only for a missing row)", () => {
  const user = { Username: "u-1", UserStatus: "CONFIRMED", Enabled: true, Attributes: [{ Name: "sub", Value: SUB }, { Name: "email", Value: "u@example.com" }] };

  function world(stored: Record<string, unknown> | undefined, rowsAtInvite = false) {
    const calls = { cognito: [] as string[], dynamodb: [] as string[] };
    const cognito = {
      send: async (command: any) => {
        calls.cognito.push(command.constructor.name);
        return command.constructor.name === "ListUsersCommand" ? { Users: [user] } : { Username: user.Username, UserAttributes: user.Attributes, UserStatus: user.UserStatus, Enabled: true };
      },
    };
    const dynamodb = {
      send: async (command: any) => {
        calls.dynamodb.push(command.constructor.name);
        return command.constructor.name === "GetItemCommand" ? { Item: stored ? marshall(stored) : undefined } : {};
      },
    };
    return { ctx: { cognito, dynamodb, userPoolId: FIXTURE_POOL, tableName: "users", onUserDeleted: "erase" as const, attributeMap: {}, rowsAtInvite }, calls };
  }
  const row = { id: SUB, username: "u-1", email: "u@example.com", userPoolId: FIXTURE_POOL };

  test("the row is there: one consistent read, no Cognito call", async () => {
    const { ctx, calls } = world(row);
    expect(await applyUserEvent(ctx, { sub: SUB, rowFirst: true })).toEqual({ outcome: "present", sub: SUB });
    expect(calls).toEqual({ cognito: [], dynamodb: ["GetItemCommand"] });
  });

  test.each([
    ["no row", undefined, false],
    ["a tombstone", { ...row, deletedAt: "2026-01-01T00:00:00.000Z" }, false],
    ["another pool's row", { ...row, userPoolId: "us-west-2_other" }, false],
    ["a row still marked invited", { ...row, invited: true }, true],
  ])("%s: Cognito is asked", async (_, stored, rowsAtInvite) => {
    const { ctx, calls } = world(stored as Record<string, unknown> | undefined, rowsAtInvite);
    const { outcome } = await applyUserEvent(ctx, { sub: SUB, rowFirst: true });
    expect(outcome).not.toBe("present");
    expect(calls.cognito).toContain("ListUsersCommand");
  });

  test("a change event is never row-first: the row follows Cognito", async () => {
    const { ctx, calls } = world(row);
    await applyUserEvent(ctx, { sub: SUB });
    expect(calls.cognito).toEqual(["ListUsersCommand"]);
  });
});

describe("what a deleted user's row becomes (deletedRow: the function applies it, the stack grants by it)", () => {
  test.each([
    ["keep", false, "keep"],
    ["keep", true, "keep"],
    ["erase", false, "erase"],
    // Under conflict detection both end as AppSync's soft delete (personal fields gone first), so
    // DataStore clients drop the user instead of keeping a live record with empty fields.
    ["erase", true, "tombstone"],
    ["delete", false, "delete"],
    ["delete", true, "tombstone"],
  ] as const)("onUserDeleted %s, conflict detection %s: %s", (onUserDeleted, conflictDetection, expected) => {
    expect(deletedRow(onUserDeleted, conflictDetection)).toBe(expected);
  });

  test.each([
    ["keep", "table", []],
    ["keep", "api", []],
    ["erase", "table", ["update"]],
    ["erase", "api", ["update"]],
    // The table's tombstone is one UpdateItem; the API's is updateUser (the erasure), then deleteUser.
    ["tombstone", "table", ["update"]],
    ["tombstone", "api", ["update", "delete"]],
    ["delete", "table", ["delete"]],
    ["delete", "api", ["update", "delete"]],
  ] as const)("%s through the %s needs exactly %j", (action, writer, writes) => {
    expect(deletionWrites(action, writer)).toEqual(writes);
  });
});
