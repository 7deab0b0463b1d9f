#!/usr/bin/env node
// Validates a GitHub Actions workflow file with @action-validator/core (the JSON schema GitHub's own workflows are
// checked against, plus its extra checks: job dependencies, `uses:` shape, globs...).
//
//   node tests/browser/validate-workflow.mjs FILE
//
// Prints every error and exits 1 if there is any; exits 2 when the file cannot be read or the module is missing
// (run `npm ci` in tests/browser); prints "valid" and exits 0 otherwise. Used by tests/integration/dashboard_workflow_test.cpp
// on the workflow the dashboard offers for download.

import { readFileSync } from "node:fs";

const file = process.argv[2];
if (!file) {
  console.error("usage: node validate-workflow.mjs FILE");
  process.exit(2);
}

let validator;
try {
  const mod = await import("@action-validator/core");
  validator = typeof mod.validateWorkflow === "function" ? mod : mod.default;
} catch (e) {
  console.error(`cannot load @action-validator/core (npm ci in tests/browser): ${e.message}`);
  process.exit(2);
}
if (!validator || typeof validator.validateWorkflow !== "function") {
  console.error("@action-validator/core has no validateWorkflow()");
  process.exit(2);
}

let source;
try {
  source = readFileSync(file, "utf8");
} catch (e) {
  console.error(`cannot read ${file}: ${e.message}`);
  process.exit(2);
}

const state = validator.validateWorkflow(source);
const errors = state && Array.isArray(state.errors) ? state.errors : null;
if (errors === null) {
  console.error(`unexpected result from validateWorkflow: ${JSON.stringify(state)}`);
  process.exit(2);
}
for (const e of errors) {
  const where = e.path ?? (e.location ? `line ${e.location.line}, column ${e.location.column}` : "");
  console.log(`${e.code}: ${e.title}${where ? ` at ${where}` : ""}${e.detail ? `: ${e.detail}` : ""}`);
}
if (errors.length > 0) {
  console.log(`${errors.length} error(s) in ${file}`);
  process.exit(1);
}
console.log("valid");
