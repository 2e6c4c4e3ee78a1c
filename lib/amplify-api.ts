import { Construct } from "constructs";
import type { AppSyncModelNames } from "../core/appsync-writer";
import type { RowWrite } from "../core/user-events/deletion";
import type { PolicyStatement } from "./service-role";

/** Whoever rows are written to hands out the grants for each write: the Users table, or the app's AppSync API. */
export interface RowWriteTarget {
  /** Statements allowing exactly these writes of rows. */
  grantWrites(...writes: RowWrite[]): PolicyStatement[];
}

export interface AmplifyApiProps {
  /** The API's id (the `apis/<id>` of its ARN). */
  readonly apiId: string;
  /** The model's GraphQL names (Amplify's defaults, or the amplifyModelNames setting). */
  readonly model: AppSyncModelNames;
  /** Where the API lives, to build its field ARNs without an API-calling data source. */
  readonly location: { readonly partition: string; readonly region: string; readonly account: string };
}

/**
 * The app's AppSync API, when rows are written through it (the amplifyApi
 * setting). The stack creates nothing here: the app owns the API. It hands
 * out `appsync:GraphQL` on exactly the model's fields each write uses
 * (AppSync authorizes IAM callers per field:
 * `arn:aws:appsync:<region>:<account>:apis/<id>/types/<type>/fields/<field>`).
 */
export class AmplifyApi extends Construct implements RowWriteTarget {
  readonly apiArn: string;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: AmplifyApiProps,
  ) {
    super(scope, id);
    const { partition, region, account } = props.location;
    this.apiArn = `arn:${partition}:appsync:${region}:${account}:apis/${props.apiId}`;
  }

  /** The ARN of one field of a root type. */
  fieldArn(type: "Query" | "Mutation", field: string): string {
    return `${this.apiArn}/types/${type}/fields/${field}`;
  }

  /**
   * A create is one mutation; an update or delete reads the row first (its
   * `_version`), so it also gets the model's get query.
   */
  grantWrites(...writes: RowWrite[]): PolicyStatement[] {
    if (writes.length === 0) return [];
    const { model } = this.props;
    const fields = new Set<string>();
    for (const write of writes) {
      if (write !== "create") fields.add(this.fieldArn("Query", model.get));
      fields.add(this.fieldArn("Mutation", model[write]));
    }
    return [{ sid: "WriteUserRowsThroughAppSync", effect: "Allow", actions: ["appsync:GraphQL"], resources: [...fields].sort() }];
  }
}
