/**
 * What the Users table, the user pool and the functions are, as plain data:
 * the constructs turn these into Terraform and the local sandbox into API
 * calls, so the two cannot drift (a test compares them).
 */
export * from "./functions";
export * from "./user-pool";
export * from "./users-table";
