/**
 * The settings a function runs with, written into its environment by the
 * stack (and the sandbox) and read back by the function: one encoder, one
 * decoder, so the two cannot disagree.
 */
import { attributeMapProblems, DEFAULT_ATTRIBUTE_MAP, FUNCTION_ENV } from "./contract";

export interface FunctionSettings {
  /** The Users table. */
  readonly tableName: string;
  /** Cognito attribute -> row field. @default DEFAULT_ATTRIBUTE_MAP */
  readonly attributeMap: Readonly<Record<string, string>>;
  /** Amplify DataStore fields with this `__typename`. @default undefined (off) */
  readonly amplifyTypename?: string;
}

/** The environment variables that carry these settings. */
export function functionEnvironment(settings: FunctionSettings): Record<string, string> {
  const env: Record<string, string> = {
    [FUNCTION_ENV.tableName]: settings.tableName,
    [FUNCTION_ENV.attributeMap]: JSON.stringify(settings.attributeMap),
  };
  if (settings.amplifyTypename) env[FUNCTION_ENV.amplifyTypename] = settings.amplifyTypename;
  return env;
}

/** Reads the settings back; a missing attribute map means the documented default. */
export function readFunctionSettings(env: NodeJS.ProcessEnv): FunctionSettings {
  const tableName = env[FUNCTION_ENV.tableName];
  if (!tableName) {
    throw new Error(`${FUNCTION_ENV.tableName} is not set; it must name the Users table (the stack sets it)`);
  }
  let attributeMap: Readonly<Record<string, string>> = DEFAULT_ATTRIBUTE_MAP;
  const rawMap = env[FUNCTION_ENV.attributeMap];
  if (rawMap) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(rawMap);
    } catch {
      throw new Error(`${FUNCTION_ENV.attributeMap} is not valid JSON; it must be an object of Cognito attribute -> row field`);
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new Error(`${FUNCTION_ENV.attributeMap} must be a JSON object of Cognito attribute -> row field`);
    }
    const problems = attributeMapProblems(parsed as Record<string, string>, FUNCTION_ENV.attributeMap);
    if (problems.length > 0) throw new Error(problems.join("; "));
    attributeMap = parsed as Record<string, string>;
  }
  return { tableName, attributeMap, amplifyTypename: env[FUNCTION_ENV.amplifyTypename] || undefined };
}
