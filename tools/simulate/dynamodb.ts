/**
 * DynamoDB for the simulation: dynalite's own engine (its validation, its
 * condition and update expressions, its LevelDB in memory) called in process,
 * without HTTP or the SDK's serializer, so a history costs milliseconds. The
 * client takes the SDK's commands and answers as the SDK would, errors
 * included (by name: ConditionalCheckFailedException, ...). What it does not
 * do: capacity, throttling (the simulation injects that), streams.
 */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { dirname, join } from "node:path";

const root = dirname(require.resolve("dynalite/package.json"));
const db = require(join(root, "db"));
const validations = require(join(root, "validations"));

type Callback = (err: { statusCode?: number; body?: { __type?: string; message?: string } } | null, data?: unknown) => void;
const actions = new Map<string, { run: (store: unknown, data: unknown, cb: Callback) => void; validation: { types: unknown; custom?: unknown } }>();

function action(name: string) {
  const key = validations.toLowerFirst(name);
  if (!actions.has(key)) actions.set(key, { run: require(join(root, "actions", key)), validation: require(join(root, "validations", key)) });
  return actions.get(key)!;
}

/** An error as the SDK raises it: its name is the service's error type. */
function sdkError(body: { __type?: string; message?: string; Message?: string } = {}): Error {
  const name = String(body.__type ?? "InternalServerError").split("#").pop()!;
  return Object.assign(new Error(body.message ?? body.Message ?? name), { name, $fault: "client" });
}

export interface InProcessDynamoDB {
  readonly client: Pick<DynamoDBClient, "send">;
  /** Every command sent, by name, in order (for invariants about what was written). */
  close(): Promise<void>;
}

export function inProcessDynamoDB(): InProcessDynamoDB {
  const store = db.create({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const call = (name: string, input: unknown) =>
    new Promise<any>((resolve, reject) => {
      const { run, validation } = action(name);
      let data: unknown;
      try {
        // The wire JSON: undefined members dropped, as the SDK's serializer drops them.
        data = validations.checkTypes(JSON.parse(JSON.stringify(input ?? {})), validation.types);
        validations.checkValidations(data, validation.types, validation.custom, store);
      } catch (err) {
        const e = err as { statusCode?: number; body?: { __type?: string; message?: string } };
        return reject(e.statusCode ? sdkError(e.body) : err);
      }
      run(store, data, (err, out) => (err ? reject(err.statusCode ? sdkError(err.body) : err) : resolve(out ?? {})));
    });
  return {
    client: {
      send: ((command: { constructor: { name: string }; input: unknown }) => call(command.constructor.name.replace(/Command$/, ""), command.input)) as DynamoDBClient["send"],
    },
    close: () => new Promise<void>((resolve) => store.db.close(() => resolve())),
  };
}
