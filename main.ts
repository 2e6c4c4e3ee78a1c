import { App } from "cdktf";
import { resourceNames } from "./lib/names";
import { ConfigError, loadConfig } from "./lib/settings";
import { UserSyncStack } from "./lib/user-sync-stack";

try {
  const config = loadConfig();
  const app = new App();
  new UserSyncStack(app, resourceNames(config).stack, { config });
  app.synth();
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(err.message);
  process.exit(1);
}
