/** Where the project and its executable are: tests run in an empty temporary working directory. */
import { join, resolve } from "node:path";

export const ROOT = resolve(__dirname, "../..");
/** `user-sync` as a user runs it from a checkout (node bin/user-sync.js). */
export const BIN = join(ROOT, "bin/user-sync.js");
