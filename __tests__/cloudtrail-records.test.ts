/**
 * Every cited real Cognito CloudTrail record through what the stack deploys:
 * the synthesized EventBridge rule (not a copy of its pattern) and the
 * function's parser must agree on each, for the default stack and with
 * rowsAtInvite.
 */
import { NotAUserEvent, parseUserEvent } from "../core/user-events/cloudtrail";
import { matchesPattern } from "../tools/local/stand-ins/event-pattern";
import { delivered, REAL_RECORDS } from "./fixtures/cloudtrail-records";
import { synthStack } from "./helpers/synth";

const STACKS: Array<[string, Record<string, string>]> = [
  ["default stack", {}],
  ["rowsAtInvite", { USER_SYNC_ROWS_AT_INVITE: "true" }],
];

describe.each(STACKS)("real records through the synthesized rule and the parser (%s)", (_, env) => {
  const pattern = JSON.parse(synthStack(env).one("aws_cloudwatch_event_rule").event_pattern);

  test.each(REAL_RECORDS.map((r) => [r.name, r] as const))("%s", (_name, r) => {
    const event = delivered(r.record);
    expect(matchesPattern(pattern, event)).toBe(r.matches);
    if (r.matches) {
      expect(parseUserEvent(event)).toMatchObject({ eventName: r.record.eventName, ...r.reads });
    } else {
      // What the rule does not deliver, the function would not act on either.
      expect(() => parseUserEvent(event)).toThrow(NotAUserEvent);
    }
  });

  test("every record names its source", () => {
    for (const r of REAL_RECORDS) expect([r.name, r.source.length > 20]).toEqual([r.name, true]);
  });

  test("a delivered record's errorCode decides for rule and parser alike: absent or empty is success", () => {
    const confirm = REAL_RECORDS.find((r) => r.matches)!.record;
    for (const [errorCode, succeeded] of [[undefined, true], ["", true], ["CodeMismatchException", false]] as const) {
      const event = delivered({ ...confirm, ...(errorCode === undefined ? {} : { errorCode }) });
      expect([errorCode, matchesPattern(pattern, event)]).toEqual([errorCode, succeeded]);
      if (succeeded) expect(parseUserEvent(event).sub).toBe("704b1e47-34fe-40e9-8c41-504997494531");
      else expect(() => parseUserEvent(event)).toThrow(NotAUserEvent);
    }
  });
});
