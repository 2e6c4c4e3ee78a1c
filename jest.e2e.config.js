/** `npm run test:e2e`: end-to-end files (CLI processes, terraform, the package, sandboxes per scenario). */
const base = require("./jest.config");

/** @type {import('jest').Config} */
module.exports = { ...base, testMatch: ["<rootDir>/__tests__/e2e/*.test.ts"], testTimeout: 180_000 };
