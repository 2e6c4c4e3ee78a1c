/**
 * Settings, for this repository's tools and tests. The package's public entry
 * (lib/index.ts) imports from load.ts and props.ts only, so no zod type
 * reaches the declarations a team compiles against.
 */
export { ConfigError, keyLayoutOf, loadConfig, parseSettings, unknownVariables, type LoadConfigOptions } from "./load";
export type { PackagingMode, RemoteBackendConfig, UserSyncConfig, UserSyncSettings } from "./props";
export { LOG_RETENTION_DAYS, SETTINGS, settingsSchema, type SettingInfo } from "./schema";
export { renderProps, settingsTable } from "./docs";
export { COGNITO_SES_REGIONS, partitionOf } from "./checks";
