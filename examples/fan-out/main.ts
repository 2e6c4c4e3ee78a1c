// A second consumer of the user rows: the table's stream feeds a function of yours
// (a search index, a CRM, a second table). The trigger keeps its one conditional write.
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { LambdaEventSourceMapping } from "@cdktf/provider-aws/lib/lambda-event-source-mapping";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { App, TerraformStack } from "cdktf";
import { UserSync } from "user-sync";

const app = new App();
const stack = new TerraformStack(app, "fan-out");
new AwsProvider(stack, "aws", { region: "us-east-1" });
const users = new UserSync(stack, "users", { stage: "prod", table: { streamView: "NEW_AND_OLD_IMAGES" } });

// Your function and its role exist already; grant the role the stream, nothing more.
new IamRolePolicy(stack, "indexer-reads-users", {
  role: "acme-search-indexer-role",
  policy: new DataAwsIamPolicyDocument(stack, "indexer-reads-users-doc", { statement: users.table.grantStreamRead() }).json,
});
new LambdaEventSourceMapping(stack, "indexer", {
  functionName: "acme-search-indexer",
  eventSourceArn: users.table.streamArn!,
  startingPosition: "TRIM_HORIZON",
  // A failing record is retried, then split out, instead of blocking the shard for 24 hours.
  maximumRetryAttempts: 5,
  bisectBatchOnFunctionError: true,
});
app.synth();
