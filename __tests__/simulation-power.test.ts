/**
 * The simulation's own power: a deliberately broken writer (a sabotaged
 * command) is caught by the invariant it breaks, shrunk to a short readable
 * history and replayed from its seed and path. Not in the mutation set: each
 * of these runs up to thousands of histories until the failure shows.
 */
import { DeleteItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { describeFailure, simulate } from "../tools/simulate/simulate";
import type { Sabotage } from "../tools/simulate/world";

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
