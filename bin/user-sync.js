#!/usr/bin/env node
"use strict";
// The CLI is TypeScript run in this process by tsx (no build step, and no wrapper process that re-signals children).
// Node 20 is past end of life and the SDK says so on every command; the README says which Node to use and why.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
import("tsx")
  .then(() => require("../tools/cli.ts").main(process.argv))
  .then((code) => {
    process.exitCode = code;
  });
