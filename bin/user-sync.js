#!/usr/bin/env node
"use strict";
// Node 20 is past end of life and the SDK says so on every command; the README says which Node to use and why.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const { existsSync } = require("node:fs");
const { join } = require("node:path");
// In a checkout the CLI is TypeScript run in this process by tsx (no build step, and no wrapper
// process that re-signals children); the npm package ships it prebuilt (build/cli.js).
const source = join(__dirname, "../tools/cli.ts");
const cli = existsSync(source) ? import("tsx").then(() => require(source)) : Promise.resolve(require("../build/cli.js"));
cli
  .then((m) => m.main(process.argv))
  .then((code) => {
    process.exitCode = code;
  });
