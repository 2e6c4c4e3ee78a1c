// Every test file starts hermetic: no AWS account, no developer settings, no developer state.
const { mkdirSync, writeFileSync } = require("node:fs");
const { tmpdir } = require("node:os");
const { join } = require("node:path");

// Tests never reach AWS: fixed dummy credentials and region for every SDK client.
process.env.AWS_ACCESS_KEY_ID = "test";
process.env.AWS_SECRET_ACCESS_KEY = "test";
process.env.AWS_REGION = "us-east-1";
for (const name of ["AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"]) delete process.env[name];
for (const name of Object.keys(process.env)) if (name.startsWith("AWS_ENDPOINT_URL")) delete process.env[name];
// This machine runs Node 20 (Lambda runs 22); the SDK's notice about that is known, not news.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE = "1";

// No USER_SYNC_* setting of the developer's, and no user-sync.config.json from the working
// directory: settings are what a test gives. CLI subprocesses inherit this environment.
// Kept: where this machine's Terraform provider mirror is (a location, not a setting; CI sets it).
const MACHINE = ["USER_SYNC_TF_MIRROR", "USER_SYNC_TF_CLI_CONFIG"];
for (const name of Object.keys(process.env)) if (name.startsWith("USER_SYNC_") && !MACHINE.includes(name)) delete process.env[name];
const dir = join(tmpdir(), "user-sync-tests");
mkdirSync(dir, { recursive: true });
// One per worker process: workers start at once, and one must never read another's half-written file.
const emptyConfig = join(dir, `empty.config-${process.pid}.json`);
writeFileSync(emptyConfig, "{}\n");
process.env.USER_SYNC_CONFIG = emptyConfig;
// An empty working directory: nothing a test or a CLI it starts resolves from the working
// directory (user-sync.config.json, user-sync.outputs.json, backups) is the developer's.
const cwd = join(dir, `cwd-${process.pid}`);
mkdirSync(cwd, { recursive: true });
process.chdir(cwd);
// cdktf writes under a temporary directory, never the project's cdktf.out.
process.env.CDKTF_OUTDIR = join(dir, `cdktf.out-${process.pid}`);
// cdktf's telemetry lookup has no internet here.
process.env.CHECKPOINT_DISABLE = "1";
