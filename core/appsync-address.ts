/**
 * Where the app's AppSync API is: the `amplifyApi` setting names it by id or
 * by its GraphQL URL; the functions need the URL and region, the stack's IAM
 * needs the id (field ARNs are `…:apis/<id>/types/<type>/fields/<field>`).
 */

/** AppSync API ids: 26 lowercase letters and digits (e.g. `tgjkgsqz6fbxzj3x5tqwupoefa`). */
const API_ID = /^[a-z0-9]{26}$/;
/** The default endpoint AppSync gives every API. */
const API_URL = /^https:\/\/([a-z0-9]{26})\.appsync-api\.([a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d)\.amazonaws\.com(?:\.cn)?\/graphql$/;

export interface AppSyncApiAddress {
  readonly apiId: string;
  readonly region: string;
  readonly url: string;
}

/** What is wrong with an `amplifyApi` value (undefined: nothing). */
export function appSyncApiProblem(value: string): string | undefined {
  if (API_ID.test(value) || API_URL.test(value)) return undefined;
  return "is not an AppSync API id (26 lowercase letters and digits) or its GraphQL URL https://<id>.appsync-api.<region>.amazonaws.com/graphql; a custom domain hides the id that IAM needs: give the id";
}

/** The API's id, region and URL; an id alone is in `defaultRegion`. Throws on a value appSyncApiProblem refuses. */
export function appSyncApiAddress(value: string, defaultRegion: string): AppSyncApiAddress {
  const url = API_URL.exec(value);
  if (url) return { apiId: url[1], region: url[2], url: value };
  if (!API_ID.test(value)) throw new Error(`amplifyApi ${appSyncApiProblem(value)}`);
  const suffix = defaultRegion.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  return { apiId: value, region: defaultRegion, url: `https://${value}.appsync-api.${defaultRegion}.${suffix}/graphql` };
}

/** The region of a GraphQL URL on AppSync's own domain; undefined for another host (a local AppSync). */
export const regionOfUrl = (url: string): string | undefined => API_URL.exec(url)?.[2];
