import { App } from "cdktf";
import { ConfigError, loadConfig, resourceNames } from "./lib/config";
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
