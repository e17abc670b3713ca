/**
 * Reads the dashboards and Prometheus rule files of the package at program time, validating their shape
 * so a broken file fails `pulumi preview` with its path instead of producing a ConfigMap Grafana ignores.
 * The tests use the same readers, so what they check is exactly what gets deployed.
 */
import { readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import { z } from "zod";

/**
 * The package's `dashboards/` directory: this module is infra/observability/files.ts, or dist/observability/files.js
 * in the published package (which ships dashboards/*.json and dashboards/rules/*.yaml); both sit two levels below the
 * root. `import.meta.url` is only in this package's own ESM output, never in its declarations.
 */
export const DASHBOARDS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "dashboards");
/** The package's `dashboards/rules/` directory. */
export const RULES_DIR = join(DASHBOARDS_DIR, "rules");

export class ObservabilityFileError extends Error {
  constructor(path: string, problem: string) {
    super(`${path}: ${problem}`);
    this.name = "ObservabilityFileError";
  }
}

export interface DashboardFile {
  /** File name without `.json`, e.g. "inference-overview": a valid ConfigMap key/name suffix. */
  readonly name: string;
  readonly path: string;
  readonly uid: string;
  readonly title: string;
  /** The file's text, passed to Grafana unchanged. */
  readonly json: string;
  readonly model: Record<string, unknown>;
}

const dashboardShape = z.looseObject({
  uid: z.string().regex(/^[a-zA-Z0-9_-]{1,40}$/, "uid: 1-40 letters, digits, - or _ (Grafana's limit)"),
  title: z.string().min(1),
  schemaVersion: z.number().int(),
  panels: z.array(z.looseObject({ id: z.number().int(), type: z.string() })),
});

function listFiles(dir: string, suffix: string): string[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith(suffix))
    .sort()
    .map((file) => join(dir, file));
}

function issues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`).join("; ");
}

/** Every `*.json` dashboard in `dir` (default: the package's), sorted by file name. */
export function readDashboards(dir: string = DASHBOARDS_DIR): DashboardFile[] {
  return listFiles(dir, ".json").map((path) => {
    const json = readFileSync(path, "utf8");
    let model: unknown;
    try {
      model = JSON.parse(json);
    } catch (error) {
      throw new ObservabilityFileError(path, `not valid JSON (${(error as Error).message})`);
    }
    const parsed = dashboardShape.safeParse(model);
    if (!parsed.success)
      throw new ObservabilityFileError(path, `not a Grafana dashboard: ${issues(parsed.error)}`);
    const name = basename(path, ".json");
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name)) {
      throw new ObservabilityFileError(
        path,
        "file name must be lower-case letters, digits and '-' (it names a ConfigMap)",
      );
    }
    return { name, path, uid: parsed.data.uid, title: parsed.data.title, json, model: parsed.data };
  });
}

/** Prometheus' duration syntax, as the PrometheusRule CRD validates `for` and `keep_firing_for`. */
const duration = z
  .string()
  .regex(
    /^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$/,
    "not a duration",
  );

const ruleShape = z.union([
  z.strictObject({
    record: z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, "record: not a metric name"),
    expr: z.string().min(1),
    labels: z.record(z.string(), z.string()).optional(),
  }),
  z.strictObject({
    alert: z.string().min(1),
    expr: z.string().min(1),
    for: duration.optional(),
    keep_firing_for: duration.optional(),
    labels: z.record(z.string(), z.string()).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  }),
]);

const ruleFileShape = z.strictObject({
  groups: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        interval: duration.optional(),
        rules: z.array(ruleShape).min(1),
      }),
    )
    .min(1),
});

export type Rule = z.infer<typeof ruleShape>;
export type AlertingRule = Extract<Rule, { alert: string }>;
export type RuleGroup = z.infer<typeof ruleFileShape>["groups"][number];

export interface RuleFile {
  /** File name without `.yaml`, e.g. "genai-slo". */
  readonly name: string;
  readonly path: string;
  readonly groups: readonly RuleGroup[];
}

/** Every `*.yaml` rule file in `dir` (default: dashboards/rules), in Prometheus' `groups:` format. */
export function readRuleFiles(dir: string = RULES_DIR): RuleFile[] {
  return listFiles(dir, ".yaml").map((path) => {
    let content: unknown;
    try {
      content = parseYaml(readFileSync(path, "utf8"));
    } catch (error) {
      throw new ObservabilityFileError(path, `not valid YAML (${(error as Error).message})`);
    }
    const parsed = ruleFileShape.safeParse(content);
    if (!parsed.success)
      throw new ObservabilityFileError(path, `not a Prometheus rule file: ${issues(parsed.error)}`);
    return { name: basename(path, ".yaml"), path, groups: parsed.data.groups };
  });
}

export function isAlertingRule(rule: Rule): rule is AlertingRule {
  return "alert" in rule;
}
