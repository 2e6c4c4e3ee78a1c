/**
 * At most one scheduled reconcile at a time, decided by Step Functions
 * itself: among the RUNNING executions of the state machine the oldest (then
 * the smallest ARN) goes on, every other one ends at once. No lock to leak
 * when a run dies: a failed execution is simply no longer RUNNING.
 */
import { ListExecutionsCommand, type ExecutionListItem, type SFNClient } from "@aws-sdk/client-sfn";

export interface Execution {
  /** $$.Execution.Id */
  readonly executionArn: string;
  /** $$.StateMachine.Id */
  readonly stateMachineArn: string;
  /** $$.Execution.StartTime */
  readonly startTime: string;
}

/** The running execution this one must give way to, if any. */
export async function earlierRunningExecution(sfn: Pick<SFNClient, "send">, me: Execution): Promise<string | undefined> {
  const running: ExecutionListItem[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new ListExecutionsCommand({ stateMachineArn: me.stateMachineArn, statusFilter: "RUNNING", nextToken }));
    running.push(...(page.executions ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  const mine = Date.parse(me.startTime);
  const before = running
    .filter((e) => e.executionArn !== me.executionArn)
    .filter((e) => {
      const theirs = e.startDate?.getTime() ?? 0;
      return theirs < mine || (theirs === mine && e.executionArn! < me.executionArn);
    })
    .sort((a, b) => (a.startDate?.getTime() ?? 0) - (b.startDate?.getTime() ?? 0));
  return before[0]?.executionArn;
}
