/**
 * The pinned charts' archives (infra/cluster/charts.ts), unpacked once per run, and what the checks need from
 * them: the values.yaml tree (subcharts under their names), values.schema.json, and every CustomResourceDefinition
 * a chart carries (crds/, CRD templates, Istio's files/), plus the shared CRD folder beside the charts.
 *
 * Archives come from GENAI_CHARTS_DIR, else the first of <repo>/shared/charts, <repo>/../shared/charts and
 * <repo>/../../shared/charts that exists (the offline mirror; /work/shared/charts/README.md says how it was made).
 * A pin without its archive fails naming the chart and version.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments, parse as parseYaml } from "yaml";
import { CHARTS, type ChartSpec } from "../../../infra/cluster/charts.js";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export type Values = Record<string, unknown>;
export type ChartKey = keyof typeof CHARTS;

export function isObject(value: unknown): value is Values {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The folder holding `<chart>-<version>.tgz` for every pin; throws listing where it looked. */
export function chartsDir(): string {
  const candidates = process.env.GENAI_CHARTS_DIR
    ? [process.env.GENAI_CHARTS_DIR]
    : ["shared/charts", "../shared/charts", "../../shared/charts"].map((d) => path.resolve(REPO_ROOT, d));
  const found = candidates.find((d) => existsSync(d));
  if (!found)
    throw new Error(`no chart archives: none of ${candidates.join(", ")} exists (set GENAI_CHARTS_DIR)`);
  return found;
}

/** `<chart>-<version>.tgz` of `spec` in `dir`, or the names of the pins whose archive is missing. */
export function missingArchives(dir: string): string[] {
  return Object.values(CHARTS as Record<string, ChartSpec>)
    .filter((spec) => !existsSync(archivePath(dir, spec)))
    .map((spec) => `${spec.chart} ${spec.version} (${archivePath(dir, spec)})`);
}

export const archivePath = (dir: string, spec: ChartSpec) =>
  path.join(dir, `${spec.chart}-${spec.version}.tgz`);

let unpackRoot: string | undefined;
const unpacked = new Map<string, string>();

/** The chart's directory, unpacked from its archive into a per-run temp folder. */
export function chartDir(spec: ChartSpec): string {
  const key = `${spec.chart}-${spec.version}`;
  const known = unpacked.get(key);
  if (known) return known;
  const archive = archivePath(chartsDir(), spec);
  if (!existsSync(archive))
    throw new Error(`chart ${spec.chart} ${spec.version}: archive ${archive} is missing`);
  unpackRoot ??= mkdtempSync(path.join(tmpdir(), "genai-charts-"));
  const into = path.join(unpackRoot, key);
  mkdirSync(into, { recursive: true });
  execFileSync("tar", ["-xzf", archive, "-C", into]);
  const [top] = readdirSync(into);
  if (!top) throw new Error(`chart ${key}: archive ${archive} is empty`);
  const dir = path.join(into, top);
  unpacked.set(key, dir);
  return dir;
}

interface Dependency {
  name: string;
  alias?: string;
}

/** The values tree Helm starts from: values.yaml, each subchart's defaults (under its name) merged in. */
export function defaultValues(dir: string): Values {
  const file = (readYaml(path.join(dir, "values.yaml")) ?? {}) as Values;
  // Istio's charts keep their defaults under this key and merge it over the top level in their templates.
  const { _internal_defaults_do_not_set: internal, ...rest } = file;
  const own = coalesce(internal, rest);
  const meta = readYaml(path.join(dir, "Chart.yaml")) as { dependencies?: Dependency[] };
  const subcharts = existsSync(path.join(dir, "charts")) ? readdirSync(path.join(dir, "charts")) : [];
  for (const sub of subcharts) {
    const subDir = path.join(dir, "charts", sub);
    if (!statSync(subDir).isDirectory()) continue;
    const subName = (readYaml(path.join(subDir, "Chart.yaml")) as { name: string }).name;
    const key = meta.dependencies?.find((d) => d.name === subName)?.alias ?? subName;
    own[key] = coalesce(defaultValues(subDir), own[key]);
  }
  return own;
}

/**
 * Does a template of the chart (or of a subchart, for a path below the subchart's key) read `.Values.<path>`?
 * For keys values.yaml only mentions in a comment.
 */
export function templatesRead(dir: string): (valuesPath: string) => boolean {
  const text = templateFiles(dir)
    .map((f) => readFileSync(f, "utf8"))
    .join("\n");
  return (valuesPath) => {
    const rest = valuesPath.split(".").slice(1).join(".");
    return [valuesPath, rest].some((p) => p && new RegExp(`\\.Values\\.${escape(p)}(?![\\w-])`).test(text));
  };
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function templateFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...templateFiles(full));
    else if (full.includes(`${path.sep}templates${path.sep}`)) out.push(full);
  }
  return out;
}

/** values.schema.json of the chart and of each subchart (keyed by the values path it applies to, "" for the chart). */
export function valueSchemas(dir: string, at = ""): { at: string; schema: Values }[] {
  const found: { at: string; schema: Values }[] = [];
  const file = path.join(dir, "values.schema.json");
  if (existsSync(file)) found.push({ at, schema: JSON.parse(readFileSync(file, "utf8")) as Values });
  const charts = path.join(dir, "charts");
  if (!existsSync(charts)) return found;
  for (const sub of readdirSync(charts)) {
    const subDir = path.join(charts, sub);
    if (!statSync(subDir).isDirectory()) continue;
    const name = (readYaml(path.join(subDir, "Chart.yaml")) as { name: string }).name;
    found.push(...valueSchemas(subDir, at ? `${at}.${name}` : name));
  }
  return found;
}

/** Helm's coalescing: `override` over `base`, maps merged key by key, null deleting a key. */
export function coalesce(base: unknown, override: unknown): Values {
  const result: Values = isObject(base) ? { ...base } : {};
  if (!isObject(override)) return result;
  for (const [key, value] of Object.entries(override)) {
    if (value === null) delete result[key];
    else if (isObject(value) && isObject(result[key])) result[key] = coalesce(result[key], value);
    else result[key] = value;
  }
  return result;
}

/** A CRD's schema for one served version. */
export interface CrdVersion {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly source: string;
  readonly schema: Values;
}

/**
 * Every CRD in the pinned charts (crds/ folders, CRD templates with their `{{ }}` lines dropped, Istio's files/)
 * and in the shared CRD folder, keyed `group/version/Kind`. The first definition found wins.
 */
export function crdIndex(): Map<string, CrdVersion> {
  const index = new Map<string, CrdVersion>();
  const add = (file: string, label: string) => {
    const text = readFileSync(file, "utf8");
    if (!text.includes("CustomResourceDefinition")) return;
    const cleaned = text
      .split("\n")
      .filter((l) => !l.includes("{{"))
      .join("\n");
    for (const doc of parseAllDocuments(cleaned)) {
      const crd = doc.toJS() as CrdDoc | null;
      if (crd?.kind !== "CustomResourceDefinition") continue;
      for (const v of crd.spec.versions ?? []) {
        const schema = v.schema?.openAPIV3Schema;
        const key = `${crd.spec.group}/${v.name}/${crd.spec.names.kind}`;
        if (!schema || index.has(key)) continue;
        index.set(key, {
          group: crd.spec.group,
          version: v.name,
          kind: crd.spec.names.kind,
          source: label,
          schema,
        });
      }
    }
  };
  for (const spec of Object.values(CHARTS as Record<string, ChartSpec>)) {
    const dir = chartDir(spec);
    for (const file of yamlFiles(dir))
      add(file, `${spec.chart} ${spec.version}: ${path.relative(dir, file)}`);
  }
  const shared = path.resolve(chartsDir(), "../crds");
  if (existsSync(shared))
    for (const file of yamlFiles(shared)) add(file, `shared crds: ${path.basename(file)}`);
  return index;
}

interface CrdDoc {
  kind: string;
  spec: {
    group: string;
    names: { kind: string };
    versions?: { name: string; schema?: { openAPIV3Schema?: Values } }[];
  };
}

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...yamlFiles(full));
    else if (/\.ya?ml$/.test(entry.name)) out.push(full);
  }
  return out;
}

function readYaml(file: string): unknown {
  return existsSync(file) ? parseYaml(readFileSync(file, "utf8")) : undefined;
}
