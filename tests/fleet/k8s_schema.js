// Check Kubernetes objects against the Kubernetes OpenAPI schema, offline: types, enums,
// required fields and formats with kubernetes-models (npm; its validators are generated from
// the OpenAPI document), and unknown fields (a misspelt securityContext key would otherwise be
// dropped by the API server in silence) from the same package's type declarations.
//
//   node k8s_schema.js MODELS_DIR < objects.json      (a JSON list of objects)
//
// MODELS_DIR holds node_modules/kubernetes-models. Prints one line per problem; exit 1 if any.
"use strict";
const fs = require("fs");
const path = require("path");

const modules = path.join(process.argv[2], "node_modules");
const models = path.join(modules, "kubernetes-models");
const problems = [];

// apiVersion "apps/v1" -> kubernetes-models/apps/v1/<Kind>; "v1" -> kubernetes-models/v1/<Kind>.
function modelPath(obj) {
  return path.join(models, ...String(obj.apiVersion).split("/"), String(obj.kind));
}

// ---- unknown fields, from the .d.ts of each interface ----------------------------------------

const parsed = new Map(); // .d.ts path -> {props: Map(name -> type text), imports: Map}

function resolveImport(fromFile, spec) {
  const base = spec.startsWith(".") ? path.resolve(path.dirname(fromFile), spec)
                                    : path.join(modules, spec);
  return base.replace(/\.js$/, "") + ".d.ts";
}

function parseDts(file) {
  if (parsed.has(file)) return parsed.get(file);
  const text = fs.readFileSync(file, "utf8");
  const imports = new Map();
  for (const m of text.matchAll(/^import \{ ([^}]+) \} from "([^"]+)";$/gm))
    for (const name of m[1].split(",")) imports.set(name.trim(), resolveImport(file, m[2]));
  // The first interface's properties: `    "name"?: Type;` at four spaces.
  const body = text.slice(text.indexOf("export interface"));
  const props = new Map();
  for (const m of body.split("\n}")[0].matchAll(/^ {4}"([^"]+)"\??: (.*)$/gm))
    props.set(m[1], m[2].replace(/;$/, ""));
  const entry = {props, imports};
  parsed.set(file, entry);
  return entry;
}

// The .d.ts of the interface a property's type names, or null for a leaf (string, map, ...).
function refOf(entry, type) {
  const m = /^(?:Array<)?(I[A-Za-z0-9]+)>?$/.exec(type);
  return m && entry.imports.has(m[1]) ? entry.imports.get(m[1]) : null;
}

function checkFields(value, file, where) {
  if (value === null || typeof value !== "object") return;
  if (Array.isArray(value)) {
    value.forEach((v, i) => checkFields(v, file, `${where}[${i}]`));
    return;
  }
  const entry = parseDts(file);
  for (const [key, v] of Object.entries(value)) {
    if (!entry.props.has(key)) {
      problems.push(`${where}.${key}: unknown field`);
      continue;
    }
    const ref = refOf(entry, entry.props.get(key));
    if (ref && fs.existsSync(ref)) checkFields(v, ref, `${where}.${key}`);
  }
}

// ---- each object ---------------------------------------------------------------------------

const objects = JSON.parse(fs.readFileSync(0, "utf8"));
for (const obj of objects) {
  const name = `${obj.kind}/${obj.metadata && obj.metadata.name}`;
  let Model;
  try {
    Model = require(modelPath(obj))[obj.kind];
  } catch (e) {
    problems.push(`${name}: no schema for apiVersion ${obj.apiVersion} kind ${obj.kind}`);
    continue;
  }
  try {
    new Model(obj).validate();
  } catch (e) {
    problems.push(`${name}: ${e.message}`);
  }
  checkFields(obj, modelPath(obj) + ".d.ts", name);
}
for (const p of problems) console.log(p);
console.error(`k8s_schema: ${objects.length} objects, ${problems.length} problems`);
process.exit(problems.length ? 1 : 0);
