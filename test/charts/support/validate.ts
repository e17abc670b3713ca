/**
 * The checks themselves: our values against a chart's values tree (keys it does not have), against its
 * values.schema.json, and custom resources against their CRD's openAPIV3Schema, with the API server's rules.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { type CrdVersion, isObject, type Values } from "./charts.js";

/**
 * Values paths below which a chart reads a free-form map or keys its values.yaml only mentions in comments; each
 * entry says which. Matching is by prefix on the dotted path.
 */
export interface AllowedPath {
  readonly path: string;
  readonly why: string;
}

/**
 * Each key of `ours` that the chart does not have, as a dotted path: not in its `defaults` tree and not read by its
 * templates (`reads`, for keys values.yaml only mentions in a comment).
 */
export function unknownKeys(
  ours: unknown,
  defaults: unknown,
  allowed: readonly AllowedPath[],
  reads: (path: string) => boolean,
  at = "",
): string[] {
  if (!isObject(ours)) return [];
  const problems: string[] = [];
  for (const [key, value] of Object.entries(ours)) {
    const where = at ? `${at}.${key}` : key;
    if (allowed.some((a) => where === a.path || where.startsWith(`${a.path}.`))) continue;
    if (!isObject(defaults)) continue;
    if (!(key in defaults)) {
      if (!reads(where)) problems.push(where);
      continue;
    }
    const chartDefault = defaults[key];
    // An empty map in values.yaml is a free-form map the templates copy through (labels, annotations, specs).
    if (isObject(value) && isObject(chartDefault) && Object.keys(chartDefault).length > 0)
      problems.push(...unknownKeys(value, chartDefault, allowed, reads, where));
  }
  return problems;
}

/**
 * CRD patterns are Go (RE2) regular expressions; the one construct they use that JavaScript lacks is a leading
 * `(?i)` (after an optional `^`) (case-insensitive), which becomes the `i` flag.
 */
const goRegExp = Object.assign(
  (pattern: string, flags: string) => {
    const m = /^(\^?)\(\?i\)/.exec(pattern);
    return m ? new RegExp(m[1] + pattern.slice(m[0].length), `${flags}i`) : new RegExp(pattern, flags);
  },
  { code: "goRegExp" },
);
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, code: { regExp: goRegExp } });

export function formatErrors(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? ""}${paramsText(e)}`);
}

function paramsText(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  if (p.additionalProperty) return `: ${String(p.additionalProperty)}`;
  if (p.allowedValues) return `: ${JSON.stringify(p.allowedValues)}`;
  return "";
}

/** A chart's values.schema.json, compiled ($schema dropped: Helm's validator accepts drafts Ajv names differently). */
export function compileValuesSchema(schema: Values): ValidateFunction {
  const { $schema: _ignored, ...rest } = schema;
  return ajv.compile(rest);
}

/** Checks an object the way the API server does: on its defaulted form (see {@link apiServerDefaults}). */
export interface CrdValidate {
  (object: unknown): boolean;
  errors: ErrorObject[] | null | undefined;
}

function defaultingValidator(schema: unknown, compiled: ValidateFunction): CrdValidate {
  const validate = ((object: unknown) => {
    const ok = compiled(apiServerDefaults(schema, object));
    validate.errors = compiled.errors;
    return ok;
  }) as CrdValidate;
  validate.errors = null;
  return validate;
}

const validators = new Map<string, CrdValidate>();

/** The CRD version's schema as the API server applies it to a strictly validated apply (unknown fields refused). */
export function crdValidator(crd: CrdVersion): CrdValidate {
  const key = `${crd.group}/${crd.version}/${crd.kind}`;
  let validate = validators.get(key);
  if (!validate) {
    validate = defaultingValidator(crd.schema, ajv.compile(structural(crd.schema, true)));
    validators.set(key, validate);
  }
  return validate;
}

/**
 * What the API server validates instead of the object as sent: a null in a field that is not `nullable` is pruned,
 * then every absent field with a `default` in the schema gets it (structural-schema defaulting). A chart that leaves
 * `operator.defaultRuntime` unset or renders `migManager.config.name: null` is accepted that way, so the check must
 * not refuse it. Returns a copy; `value` is not changed.
 */
export function apiServerDefaults(schema: unknown, value: unknown): unknown {
  if (!isObject(schema)) return value;
  if (Array.isArray(value)) return value.map((v) => apiServerDefaults(schema.items, v));
  if (!isObject(value)) return value;
  const properties = isObject(schema.properties) ? schema.properties : {};
  const out: Values = {};
  for (const [key, v] of Object.entries(value)) {
    const field = properties[key] ?? schema.additionalProperties;
    if (v === null && !(isObject(field) && field.nullable === true)) continue;
    out[key] = apiServerDefaults(field, v);
  }
  for (const [key, field] of Object.entries(properties))
    if (out[key] === undefined && isObject(field) && field.default !== undefined)
      out[key] = apiServerDefaults(field, structuredClone(field.default));
  return out;
}

/** Like {@link crdValidator}, for the field at `fieldPath` (e.g. ["spec", "migManager"]) of the CRD's objects. */
export function crdFieldValidator(crd: CrdVersion, fieldPath: readonly string[]): CrdValidate {
  let schema: unknown = crd.schema;
  for (const field of fieldPath) {
    const properties = isObject(schema) ? schema.properties : undefined;
    schema = isObject(properties) ? properties[field] : undefined;
    if (!schema) throw new Error(`${crd.kind}: the CRD has no field ${fieldPath.join(".")}`);
  }
  return defaultingValidator(schema, ajv.compile(structural(schema)));
}

/**
 * Kubernetes structural-schema rules in JSON-schema terms: an object with `properties` takes no other fields unless
 * `x-kubernetes-preserve-unknown-fields`; `x-kubernetes-int-or-string` is an integer or a string; the root's
 * apiVersion/kind/metadata are the API server's, not the schema's.
 */
function structural(schema: unknown, root = false): Values {
  if (!isObject(schema)) return {};
  const out: Values = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === "properties" && isObject(value))
      out.properties = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, structural(v)]));
    else if (key === "items" || key === "additionalProperties")
      out[key] = isObject(value) ? structural(value) : value;
    else if (key === "allOf" || key === "anyOf" || key === "oneOf")
      out[key] = Array.isArray(value) ? value.map((v) => structural(v)) : value;
    else if (key === "not") out[key] = structural(value);
    else out[key] = value;
  }
  if (schema["x-kubernetes-int-or-string"] === true) {
    delete out.type;
    out.anyOf = [{ type: "integer" }, { type: "string" }];
  }
  if (root && isObject(out.properties)) {
    out.properties = {
      ...out.properties,
      apiVersion: { type: "string" },
      kind: { type: "string" },
      metadata: { type: "object" },
    };
  }
  const preserve = schema["x-kubernetes-preserve-unknown-fields"] === true;
  if (isObject(out.properties) && !preserve && out.additionalProperties === undefined)
    out.additionalProperties = false;
  return out;
}
