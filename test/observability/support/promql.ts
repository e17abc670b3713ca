/**
 * Every PromQL expression the platform deploys (dashboard panels and variables, recording and alerting
 * rules), read with the same readers the Pulumi components use, plus helpers to name the metrics an
 * expression reads and to turn a Grafana query into one Prometheus can run.
 */
import { isAlertingRule, readDashboards, readRuleFiles } from "../../../infra/observability/files.js";

export interface Expression {
  /** Where it comes from, for failure messages: "inference-overview.json: Request rate by track (A)". */
  readonly source: string;
  readonly expr: string;
  readonly kind: "panel" | "variable" | "record" | "alert";
  /** For recording rules: the series name it records. */
  readonly record?: string;
}

interface PanelJson {
  readonly title?: string;
  readonly type?: string;
  readonly targets?: readonly { readonly refId?: string; readonly expr?: string }[];
}

interface VariableJson {
  readonly name: string;
  readonly type: string;
  readonly definition?: string;
}

export function dashboardExpressions(): Expression[] {
  return readDashboards().flatMap((file) => {
    const panels = (file.model.panels ?? []) as PanelJson[];
    const variables = ((file.model.templating as { list?: VariableJson[] } | undefined)?.list ??
      []) as VariableJson[];
    return [
      ...panels.flatMap((panel) =>
        (panel.targets ?? []).map((target) => ({
          source: `${file.name}.json: ${panel.title ?? "?"} (${target.refId ?? "?"})`,
          expr: target.expr ?? "",
          kind: "panel" as const,
        })),
      ),
      ...variables
        .filter((variable) => variable.type === "query")
        .map((variable) => ({
          source: `${file.name}.json: variable $${variable.name}`,
          expr: variable.definition ?? "",
          kind: "variable" as const,
        })),
    ];
  });
}

export function ruleExpressions(): Expression[] {
  return readRuleFiles().flatMap((file) =>
    file.groups.flatMap((group) =>
      group.rules.map((rule) =>
        isAlertingRule(rule)
          ? { source: `${file.name}.yaml: alert ${rule.alert}`, expr: rule.expr, kind: "alert" as const }
          : {
              source: `${file.name}.yaml: record ${rule.record}`,
              expr: rule.expr,
              kind: "record" as const,
              record: rule.record,
            },
      ),
    ),
  );
}

export function allExpressions(): Expression[] {
  return [...dashboardExpressions(), ...ruleExpressions()];
}

/** Drops string literals, so label values ("genai_x" in a matcher) are never mistaken for metric names. */
function withoutStrings(expr: string): string {
  return expr.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""');
}

/** The genai_* metric names an expression reads, as written (histogram suffixes kept). */
export function genaiMetricNames(expr: string): string[] {
  return [...new Set(withoutStrings(expr).match(/\bgenai_[a-zA-Z0-9_]+\b/g) ?? [])];
}

/** Identifiers with one of `prefixes` (e.g. "DCGM_", "kube_") that an expression reads. */
export function metricsWithPrefix(expr: string, prefixes: readonly string[]): string[] {
  const identifiers = withoutStrings(expr).match(/\b[a-zA-Z_:][a-zA-Z0-9_:]*\b/g) ?? [];
  return [...new Set(identifiers.filter((id) => prefixes.some((prefix) => id.startsWith(prefix))))];
}

const HISTOGRAM_SUFFIXES = ["_bucket", "_sum", "_count"] as const;

/** A parsed Prometheus text exposition: metric family name -> type. */
export function metricFamilies(exposition: string): Map<string, string> {
  const families = new Map<string, string>();
  for (const match of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm))
    families.set(match[1] ?? "", match[2] ?? "");
  return families;
}

/**
 * Checks `name` (as written in PromQL) against the exposed families: a plain family name, or a histogram's
 * `_bucket`/`_sum`/`_count` series. Returns a problem, or undefined when it is exported.
 */
export function checkMetricName(name: string, families: ReadonlyMap<string, string>): string | undefined {
  if (families.has(name)) return undefined;
  for (const suffix of HISTOGRAM_SUFFIXES) {
    if (!name.endsWith(suffix)) continue;
    const base = name.slice(0, -suffix.length);
    const type = families.get(base);
    if (type === "histogram" || type === "summary") return undefined;
    if (type) return `${name}: ${base} is a ${type}, it has no ${suffix} series`;
  }
  return `${name}: not exported by the server`;
}

/**
 * A dashboard query as Prometheus can run it: every template variable matches everything (".*"), the
 * rate window and range become `window`, and `label_values(selector, label)` becomes its selector.
 */
export function runnableQuery(expr: string, window: string): string {
  const labelValues = /^label_values\((.*),\s*[a-zA-Z_][a-zA-Z0-9_]*\)$/.exec(expr.trim());
  const query = labelValues ? (labelValues[1] ?? "") : expr;
  return query
    .replace(/\$__rate_interval|\$__interval|\$__range/g, window)
    .replace(/\$\{?[a-zA-Z_][a-zA-Z0-9_]*\}?/g, ".*");
}
