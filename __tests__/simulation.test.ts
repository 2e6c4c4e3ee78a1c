/**
 * The simulation (tools/simulate): random histories of users, deliveries,
 * faults and reconciles against the real code of core/, checked against the
 * six invariants after every step and at quiescence. A fixed seed here;
 * `npm run simulate -- --runs N` for long runs with a random one.
 */
import { DeleteItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { describeFailure, simulate } from "../tools/simulate/simulate";
import type { Sabotage } from "../tools/simulate/world";

/** 500 in npm test; fewer when Stryker runs this file once per mutant (jest.mutate.config.js). */
const RUNS: number = (globalThis as { SIMULATION_RUNS?: number }).SIMULATION_RUNS ?? 500;

test(`${RUNS} histories with a fixed seed keep the six invariants`, async () => {
  const result = await simulate({ runs: RUNS, seed: 2026 });
  if (result.failure) throw new Error(describeFailure(result));
  expect(result.runs).toBe(RUNS);
});

test("a broken writer is caught, shrunk to a short readable history, and replayed from its seed and path", async () => {
  // The user-events function deletes the row it meant to refresh.
  const sabotage: Sabotage = (actor, command) =>
    actor === "events" && command.constructor.name === "UpdateItemCommand" && !String(command.input.UpdateExpression).includes("deletedAt")
      ? new DeleteItemCommand({ TableName: command.input.TableName, Key: command.input.Key })
      : command;
  const found = await simulate({ runs: 2_000, seed: 99, sabotage });
  expect(found.failure).toBeDefined();
  const failure = found.failure!;
  expect(failure.message).toMatch(/invariant [1236]/);
  expect(failure.steps.length).toBeGreaterThan(0);
  expect(failure.steps.length).toBeLessThanOrEqual(12);
  expect(failure.replay).toBe(`npm run simulate -- --seed 99 --path ${failure.path} --replay '${failure.replayPath}'`);
  expect(describeFailure(found)).toContain(failure.steps[0]);

  const replayed = await simulate({ runs: 1, seed: 99, path: failure.path, replay: failure.replayPath, sabotage });
  expect(replayed.failure?.message).toBe(failure.message);
  expect(replayed.failure?.steps).toEqual(failure.steps);
});

/** A refresh with its input changed: what a writer that forgot one rule would send. */
const refreshSabotage =
  (change: (input: any) => void): Sabotage =>
  (actor, command) => {
    if (actor === "app" || command.constructor.name !== "UpdateItemCommand" || String(command.input.UpdateExpression).includes("deletedAt =")) return command;
    const input = structuredClone(command.input);
    change(input);
    return new UpdateItemCommand(input);
  };

test.each([
  [
    "a refresh without the older-data condition (a lagging ListUsers then writes an old email back)",
    refreshSabotage((input) => (input.ConditionExpression = String(input.ConditionExpression).replace(" AND (attribute_not_exists(#src) OR #src <= :src)", ""))),
    /invariant 6: .*took the row back to older Cognito data/,
  ],
  [
    "a refresh under conflict detection that adds 2 to _version",
    refreshSabotage((input) => input.ExpressionAttributeValues[":one"] && (input.ExpressionAttributeValues[":one"] = { N: "2" })),
    /invariant 6: .*AppSync adds exactly 1 per write/,
  ],
  [
    "a refresh that writes Cognito's values but keeps the old last-modified stamp",
    refreshSabotage((input) => {
      if (!input.ExpressionAttributeNames["#src"]) return;
      input.ExpressionAttributeValues[":src"] = { S: "2000-01-01T00:00:00.000Z" };
      input.ConditionExpression = String(input.ConditionExpression).replace(" AND (attribute_not_exists(#src) OR #src <= :src)", "");
    }),
    /invariant 6: /,
  ],
])("invariant 6 catches %s", async (_, sabotage, message) => {
  const found = await simulate({ runs: 3_000, seed: 7, sabotage });
  expect(found.failure?.message).toMatch(message);
});
