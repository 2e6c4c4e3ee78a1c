/**
 * The architecture's rules, in one place (checked by __tests__/architecture.test.ts
 * with dependency-cruiser): dependencies run one way (tools -> lib -> core <- functions),
 * the runtime never loads deploy-time code, one feature of core never reaches
 * into another, and nothing imports in a circle.
 */
const RUNTIME_MUST_NOT_LOAD = ["^lib/", "^tools/", "^__tests__/", "^main\\.ts$", "node_modules/(cdktf|constructs|esbuild|zod|@cdktf)/"];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "An import cycle: the modules cannot be understood (or loaded) one at a time.",
      from: {},
      to: { circular: true },
    },
    {
      name: "core-is-runtime-only",
      severity: "error",
      comment: "core/ runs inside the functions: no deploy-time code (lib, tools, cdktf, constructs, esbuild, zod), no function entry points.",
      from: { path: "^core/" },
      to: { path: [...RUNTIME_MUST_NOT_LOAD, "^functions/"] },
    },
    {
      name: "functions-are-thin",
      severity: "error",
      comment: "A function's handler.ts reads its settings and calls core/: no deploy-time code, no other function.",
      from: { path: "^functions/([^/]+)/" },
      to: { path: [...RUNTIME_MUST_NOT_LOAD, "^functions/"], pathNot: "^functions/$1/" },
    },
    {
      name: "lib-does-not-import-functions-or-tools",
      severity: "error",
      comment: "lib/ bundles functions by path and never imports their code; tools use lib, not the other way round.",
      from: { path: "^lib/" },
      to: { path: ["^functions/", "^tools/", "^__tests__/", "^main\\.ts$"] },
    },
    {
      name: "core-features-stay-apart",
      severity: "error",
      comment: "One feature folder of core (reconcile, user-events, ...) does not reach into another; what they share lives in core/ itself.",
      from: { path: "^core/([^/]+)/" },
      to: { path: "^core/[^/]+/", pathNot: "^core/$1/" },
    },
    {
      name: "core-shared-modules-know-no-feature",
      severity: "error",
      comment: "Modules directly in core/ (the logger, the row mapping, ...) are shared by the features and depend on none of them.",
      from: { path: "^core/[^/]+\\.ts$" },
      to: { path: "^core/[^/]+/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)node_modules/|\\.d\\.ts$" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    // Type-only imports count too: a cycle of types is still a cycle to read.
    moduleSystems: ["cjs", "es6"],
  },
};
