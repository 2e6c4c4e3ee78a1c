/**
 * The Terraform outputs of one UserSync, under the names the CLI reads
 * (lib/names.ts STACK_OUTPUTS): this repository's stack adds them, and a team
 * adds them to its own stack with one line, so `npx user-sync reconcile`
 * (and attach, detach, restore) need no ids copied by hand.
 */
import { TerraformOutput } from "cdktf";
import { Construct } from "constructs";
import type { StackOutputName } from "./names";
import type { UserSync } from "./user-sync";

export interface UserSyncOutputsProps {
  /** The UserSync whose names and ids to expose. */
  readonly userSync: UserSync;
}

export class UserSyncOutputs extends Construct {
  constructor(scope: Construct, id: string, props: UserSyncOutputsProps) {
    super(scope, id);
    const sync = props.userSync;
    const values: Record<StackOutputName, string | undefined> = {
      region: sync.config.region,
      user_pool_id: sync.userPoolId,
      user_pool_arn: sync.userPoolArn,
      user_pool_client_id: sync.userPoolClientId,
      users_table_name: sync.table.tableName,
      users_table_arn: sync.table.tableArn,
      users_table_stream_arn: sync.table.streamArn,
      function_name: sync.postConfirmation.function.functionName,
      reconcile_state_machine_arn: sync.reconcile.stateMachine.arn,
      reconcile_scratch_table_name: sync.reconcile.scratch.table.name,
      user_events_function_name: sync.userEvents?.function.function.functionName,
      user_events_dead_letter_queue_url: sync.userEvents?.deadLetterQueue.url,
    };
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) continue;
      // Exactly these names in the outputs file, wherever the construct sits in the tree.
      new TerraformOutput(this, name, { value }).overrideLogicalId(name);
    }
  }
}
