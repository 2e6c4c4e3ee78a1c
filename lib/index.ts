/**
 * The package's entry point: user-sync as a construct for your own CDKTF
 * stack, its settings, and the stack this repository deploys.
 *
 *   import { UserSync } from "user-sync";
 *   new UserSync(this, "users", { stage: "prod", userPool: { existing: "eu-west-1_AbC123" } });
 */
export { UserSync, type UserSyncProps } from "./user-sync";
export { UserSyncStack, type UserSyncStackProps } from "./user-sync-stack";
export { UserSyncOutputs, type UserSyncOutputsProps } from "./outputs";
export { STACK_OUTPUTS, type StackOutputName } from "./names";
export { ConfigError, loadConfig, parseSettings, type LoadConfigOptions } from "./settings/load";
export type { BackendSettings, PackagingMode, RemoteBackendConfig, TableSettings, UserPoolSettings, UserSyncConfig, UserSyncSettings } from "./settings/props";
export { resourceNames } from "./names";
export { UsersTable, type TableAccess } from "./users-table";
export type { PolicyStatement } from "./service-role";
export type { KeyLayout } from "../core/row-key";
