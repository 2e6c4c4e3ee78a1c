/** The function's settings, read from the environment the stack (or the sandbox) gives it. */
import { attributeMapProblems, FUNCTION_ENV } from "../../lib/config";

export interface FunctionSettings {
  readonly tableName: string;
  readonly attributeMap: Readonly<Record<string, string>>;
  readonly amplifyTypename?: string;
}

export function readFunctionSettings(env: NodeJS.ProcessEnv): FunctionSettings {
  const tableName = env[FUNCTION_ENV.tableName];
  if (!tableName) {
    throw new Error(`${FUNCTION_ENV.tableName} is not set; it must name the Users table (the stack sets it)`);
  }
  let attributeMap: Record<string, string> = {};
  const rawMap = env[FUNCTION_ENV.attributeMap];
  if (rawMap) {
    try {
      attributeMap = JSON.parse(rawMap);
    } catch {
      throw new Error(`${FUNCTION_ENV.attributeMap} is not valid JSON; it must be an object of Cognito attribute -> row field`);
    }
    const problems = attributeMapProblems(attributeMap, FUNCTION_ENV.attributeMap);
    if (problems.length > 0) throw new Error(problems.join("; "));
  }
  return { tableName, attributeMap, amplifyTypename: env[FUNCTION_ENV.amplifyTypename] || undefined };
}
