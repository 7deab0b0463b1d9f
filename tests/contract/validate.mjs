#!/usr/bin/env node
// Checks the API exchanges the C++ tests logged against the OpenAPI document the service publishes.
//
//   node tests/contract/validate.mjs LOGFILE
//
// LOGFILE holds one JSON object per line, {"method", "path" (no query), "status", "content_type", "body"}, written by
// tests/support/test_app.cpp when RSOLV_CONTRACT_LOG names it. Each exchange is resolved to its path template, method
// and status in data/openapi.json; the status must be documented (exactly, as "4XX", or as "default"), the content
// type must be one the response declares, and the body must validate against its schema (Ajv, JSON Schema 2020-12,
// formats checked). A path no template matches must be a 404 and a method the path lacks a 405; both bodies must be
// the document's Error schema, which it promises for every error. Prints each failure, which documented responses no
// test exercised, and `N passed, M failed` alone on the last line. Exits 1 on any failure or an empty log.

import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SPEC_FILE = path.resolve(HERE, "../../data/openapi.json");
const DOC_ID = "https://rsolv.invalid/openapi.json";
const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

function finish(passed, failed) {
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed > 0 || passed + failed === 0 ? 1 : 0);
}

const logFile = process.argv[2];
if (!logFile) {
  console.log("usage: node validate.mjs LOGFILE");
  finish(0, 0);
}

const doc = JSON.parse(readFileSync(SPEC_FILE, "utf8"));

// ---- $ref handling: the schemas under #/components/schemas become $defs of one registered schema -----------------

/** Follows a local JSON pointer ("#/a/b~1c") in the document. */
function pointer(ref) {
  if (!ref.startsWith("#/")) throw new Error(`only local $refs are supported: ${ref}`);
  return ref
    .slice(2)
    .split("/")
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce((node, key) => {
      if (node === undefined || !(key in node)) throw new Error(`$ref ${ref} points at nothing`);
      return node[key];
    }, doc);
}

/** An OpenAPI object (response, parameter) with its $ref chain followed. */
function deref(node) {
  const seen = new Set();
  while (node && typeof node.$ref === "string") {
    if (seen.has(node.$ref)) throw new Error(`$ref cycle at ${node.$ref}`);
    seen.add(node.$ref);
    node = pointer(node.$ref);
  }
  return node;
}

/** A copy of a schema whose "#/components/schemas/X" refs point at `${prefix}X`. */
function rewriteRefs(schema, prefix) {
  if (Array.isArray(schema)) return schema.map((s) => rewriteRefs(s, prefix));
  if (schema === null || typeof schema !== "object") return schema;
  const out = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === "$ref" && typeof v === "string") {
      const m = /^#\/components\/schemas\/([^/]+)$/.exec(v);
      if (!m) throw new Error(`a schema $ref outside #/components/schemas is not supported: ${v}`);
      out[k] = prefix + m[1];
    } else {
      out[k] = rewriteRefs(v, prefix);
    }
  }
  return out;
}

const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
addFormats(ajv);
ajv.addSchema({ $id: DOC_ID, $defs: rewriteRefs(doc.components?.schemas ?? {}, "#/$defs/") });

const validators = new Map();
function validatorFor(key, schema) {
  if (!validators.has(key)) validators.set(key, ajv.compile(rewriteRefs(schema, `${DOC_ID}#/$defs/`)));
  return validators.get(key);
}
const errorSchema = { $ref: "#/components/schemas/Error" };

// ---- path templates ------------------------------------------------------------------------------------------------

const templates = Object.keys(doc.paths ?? {})
  .map((template) => {
    const source = template
      .split(/(\{[^}]+\})/)
      .map((part) => (/^\{[^}]+\}$/.test(part) ? "([^/]+)" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
      .join("");
    return { template, regex: new RegExp(`^${source}$`), params: (template.match(/\{/g) ?? []).length };
  })
  // A literal path wins over a templated one that also matches it.
  .sort((a, b) => a.params - b.params);

function findTemplate(p) {
  return templates.find((t) => t.regex.test(p))?.template;
}

// ---- checking one exchange ---------------------------------------------------------------------------------------

function mediaTypeOf(contentType) {
  return String(contentType ?? "").split(";")[0].trim().toLowerCase();
}

function isJson(mediaType) {
  return mediaType === "application/json" || mediaType.endsWith("+json");
}

/** Checks a body against a schema; returns a failure reason or null. */
function checkBody(ex, schemaKey, schema) {
  let body;
  try {
    body = JSON.parse(ex.body);
  } catch (e) {
    return `the body is not JSON (${e.message}): ${String(ex.body).slice(0, 200)}`;
  }
  const validate = validatorFor(schemaKey, schema);
  if (validate(body)) return null;
  const errors = validate.errors.map((e) => `${e.instancePath || "/"} ${e.message}${e.params ? " " + JSON.stringify(e.params) : ""}`);
  return `the body does not match ${schemaKey}: ${errors.join("; ")}; body: ${String(ex.body).slice(0, 300)}`;
}

const exercised = new Set();

/** Returns null when the exchange keeps the contract, else why not. */
function check(ex) {
  for (const field of ["method", "path", "status"])
    if (ex[field] === undefined) return `the log line has no "${field}"`;
  const method = String(ex.method).toLowerCase();
  const status = String(ex.status);
  const mediaType = mediaTypeOf(ex.content_type);
  const template = findTemplate(ex.path);

  if (!template || !doc.paths[template][method]) {
    // Not an operation of the document: only the dispatcher's own errors can answer it, in the Error shape.
    const expected = template ? "405" : "404";
    const what = template ? `${ex.method} is not an operation of ${template}` : `no path template matches ${ex.path}`;
    if (status !== expected) return `${what}, yet the status is ${status} (only ${expected} fits)`;
    if (!isJson(mediaType)) return `${what}: a ${status} served as "${ex.content_type}", not JSON`;
    return checkBody(ex, "#/components/schemas/Error", errorSchema);
  }

  const operation = doc.paths[template][method];
  const responses = operation.responses ?? {};
  const statusKey = [status, `${status[0]}XX`, "default"].find((k) => k in responses);
  if (!statusKey) {
    return `status ${status} is not documented for ${ex.method} ${template} (documented: ${Object.keys(responses).join(", ")})`;
  }
  exercised.add(`${method.toUpperCase()} ${template} ${statusKey}`);
  const response = deref(responses[statusKey]);
  const content = response.content;
  if (!content || Object.keys(content).length === 0) {
    return ex.body ? `${ex.method} ${template} ${statusKey} documents no body, yet one came` : null;
  }
  const declared =
    content[mediaType] !== undefined
      ? mediaType
      : Object.keys(content).find((k) => k === "*/*" || (k.endsWith("/*") && mediaType.startsWith(k.slice(0, -1))));
  if (declared === undefined) {
    return `${ex.method} ${template} ${statusKey}: content type "${ex.content_type}" is not one of ${Object.keys(content).join(", ")}`;
  }
  const schema = content[declared].schema;
  if (!schema) return null;
  if (!isJson(mediaType)) return `${ex.method} ${template} ${statusKey}: cannot check a "${mediaType}" body`;
  const where = `#/paths/${template.replace(/~/g, "~0").replace(/\//g, "~1")}/${method}/responses/${statusKey}`;
  return checkBody(ex, schema.$ref ?? where, schema);
}

// ---- main -----------------------------------------------------------------------------------------------------------

if (!existsSync(logFile)) {
  console.log(`FAIL ${logFile} does not exist`);
  finish(0, 0);
}
const lines = readFileSync(logFile, "utf8").split("\n").filter((l) => l.trim() !== "");
let passed = 0;
let failed = 0;
const failures = new Map();  // reason line -> count
lines.forEach((line, i) => {
  let reason;
  let label = `line ${i + 1}`;
  try {
    const ex = JSON.parse(line);
    label = `${ex.method} ${ex.path} -> ${ex.status}`;
    reason = check(ex);
  } catch (e) {
    reason = `cannot check: ${e.message}`;
  }
  if (reason === null) {
    ++passed;
  } else {
    ++failed;
    const key = `FAIL ${label}: ${reason}`;
    failures.set(key, (failures.get(key) ?? 0) + 1);
  }
});

for (const [key, count] of failures) console.log(count > 1 ? `${key} (x${count})` : key);

const documented = [];
for (const [template, item] of Object.entries(doc.paths ?? {}))
  for (const method of METHODS)
    for (const status of Object.keys(item[method]?.responses ?? {}))
      documented.push(`${method.toUpperCase()} ${template} ${status}`);
const missing = documented.filter((d) => !exercised.has(d));
console.log(
  `contract: ${lines.length} exchanges; ${documented.length - missing.length} of ${documented.length} documented responses exercised`,
);
if (lines.length === 0) console.log(`FAIL ${logFile} holds no API exchange: did the tests run with RSOLV_CONTRACT_LOG?`);
else if (missing.length) console.log(`not exercised: ${missing.join(", ")}`);
finish(passed, failed);
