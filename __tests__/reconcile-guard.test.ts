/**
 * At most one scheduled reconcile at a time (core/reconcile/guard.ts): among
 * the RUNNING executions, listed over every page, the oldest (then the
 * smallest ARN) goes on and every other one gives way to the oldest before it.
 * Step Functions' ListExecutions is the boundary here: a paged fake of it.
 */
import { ListExecutionsCommand, type ExecutionListItem } from "@aws-sdk/client-sfn";
import fc from "fast-check";
import { earlierRunningExecution, type Execution } from "../core/reconcile/guard";

const MACHINE = "arn:aws:states:us-east-1:000000000000:stateMachine:user-sync-reconcile";
const arn = (name: string) => `arn:aws:states:us-east-1:000000000000:execution:user-sync-reconcile:${name}`;

/** ListExecutions over `running`, `pageSize` a page; records every request. */
function stepFunctions(running: ExecutionListItem[], pageSize: number) {
  const requests: Array<Record<string, unknown>> = [];
  const send = async (command: ListExecutionsCommand) => {
    expect(command).toBeInstanceOf(ListExecutionsCommand);
    requests.push({ ...command.input });
    const offset = command.input.nextToken ? Number(command.input.nextToken) : 0;
    const page = running.slice(offset, offset + pageSize);
    const more = offset + pageSize < running.length;
    // Step Functions leaves `executions` out of an empty answer's JSON.
    return { ...(page.length ? { executions: page } : {}), nextToken: more ? String(offset + pageSize) : undefined };
  };
  return { sfn: { send } as any, requests };
}

const me = (name: string, startMs: number): Execution => ({ executionArn: arn(name), stateMachineArn: MACHINE, startTime: new Date(startMs).toISOString() });
const item = (name: string, startMs: number | undefined): ExecutionListItem => ({ executionArn: arn(name), stateMachineArn: MACHINE, name, status: "RUNNING", startDate: startMs === undefined ? undefined : new Date(startMs) });

test("alone: nobody to give way to; every page is asked for, RUNNING only, of this state machine", async () => {
  const { sfn, requests } = stepFunctions([item("a", 5_000)], 1);
  expect(await earlierRunningExecution(sfn, me("a", 5_000))).toBeUndefined();
  expect(requests).toEqual([{ stateMachineArn: MACHINE, statusFilter: "RUNNING", nextToken: undefined }]);
});

test("an empty answer (no executions field) is no one", async () => {
  const { sfn } = stepFunctions([], 10);
  expect(await earlierRunningExecution(sfn, me("a", 5_000))).toBeUndefined();
});

test("the earlier one may be on the last page; the oldest of several earlier ones is named", async () => {
  const running = [item("me", 9_000), item("later", 9_500), item("early", 7_000), item("earliest", 3_000), item("middle", 8_000)];
  const { sfn, requests } = stepFunctions(running, 2);
  expect(await earlierRunningExecution(sfn, me("me", 9_000))).toBe(arn("earliest"));
  expect(requests.map((r) => r.nextToken)).toEqual([undefined, "2", "4"]);
});

test("a later execution, or one with the same start and a larger ARN, does not stop this one", async () => {
  const { sfn } = stepFunctions([item("b", 5_000), item("c", 5_000), item("z", 6_000)], 60);
  expect(await earlierRunningExecution(sfn, me("b", 5_000))).toBeUndefined();
  expect(await earlierRunningExecution(sfn, me("c", 5_000))).toBe(arn("b"));
  expect(await earlierRunningExecution(sfn, me("z", 6_000))).toBe(arn("b"));
});

test("an execution listed without a start date counts as the oldest (it cannot be shown to be later)", async () => {
  const { sfn } = stepFunctions([item("me", 5_000), item("undated", undefined), item("early", 1_000)], 60);
  expect(await earlierRunningExecution(sfn, me("me", 5_000))).toBe(arn("undated"));
});

test("property: whatever the starts, ties and pages, exactly one running execution goes on, and each other one names the oldest before it", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.uniqueArray(fc.record({ name: fc.stringMatching(/^[a-z0-9]{1,6}$/), start: fc.integer({ min: 0, max: 5 }) }), { selector: (e) => e.name, minLength: 1, maxLength: 8 }),
      fc.integer({ min: 1, max: 4 }),
      async (executions, pageSize) => {
        const running = executions.map((e) => item(e.name, e.start * 1000));
        const verdicts = await Promise.all(executions.map((e) => earlierRunningExecution(stepFunctions(running, pageSize).sfn, me(e.name, e.start * 1000))));
        const goOn = executions.filter((_, i) => verdicts[i] === undefined);
        expect(goOn).toHaveLength(1);
        const [winner] = goOn;
        for (const [i, e] of executions.entries()) {
          if (e === winner) continue;
          const earlier = executions.filter((x) => x.start < e.start || (x.start === e.start && arn(x.name) < arn(e.name)));
          const oldest = Math.min(...earlier.map((x) => x.start));
          expect(earlier.filter((x) => x.start === oldest).map((x) => arn(x.name))).toContain(verdicts[i]);
        }
      },
    ),
    { numRuns: 300, seed: 4 },
  );
});
