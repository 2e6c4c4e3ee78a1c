// Your own CDKTF app with user-sync in it: your provider, your backend, your names.
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { App, S3Backend, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { UserSync, UserSyncOutputs } from "user-sync";

class AppStack extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    new AwsProvider(this, "aws", { region: "eu-west-1" });
    new S3Backend(this, { bucket: "acme-terraform-state", key: "app/terraform.tfstate", region: "eu-west-1", encrypt: true });

    // The app's pool and table already exist; user-sync adds the trigger function, its grants and the scheduled reconcile.
    const users = new UserSync(this, "users", {
      namePrefix: "acme",
      stage: "prod",
      region: "eu-west-1",
      userPool: { existing: "eu-west-1_AbC123xyz" },
      table: { existing: "acme-app-prod", partitionKey: "pk", partitionKeyValue: "USER#{sub}", sortKey: "sk", sortKeyValue: "PROFILE", shared: true },
      attributeMap: { given_name: "firstName", family_name: "lastName" },
    });

    // user_pool_id, users_table_name, function_name, region, ...: what `npx user-sync reconcile`, attach,
    // detach and restore read from `npx cdktf deploy --outputs-file user-sync.outputs.json`.
    new UserSyncOutputs(this, "user-sync-outputs", { userSync: users });
  }
}

const app = new App();
new AppStack(app, "acme-app");
app.synth();
