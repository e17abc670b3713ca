/**
 * PromQL fragments shared by the dashboards and the generated SLO rules, so a label or a formula is
 * written once. Metric names are those of inference/src/metrics/names.ts; `track` and `namespace` come from the
 * ServiceMonitor (podTargetLabels), not from the server.
 */

/** Grafana's rate window: at least four scrape intervals, so rate() never sees a single sample. */
export const RATE_WINDOW = "$__rate_interval";

/** The template variables every inference panel filters by. */
export const INFERENCE_VARIABLES = ["namespace", "model", "track"] as const;

/** `{namespace=~"$namespace", ...}` for the given variables plus any extra matchers. */
export function selector(variables: readonly string[], ...extra: string[]): string {
  return `{${[...variables.map((name) => `${name}=~"$${name}"`), ...extra].join(", ")}}`;
}

/** The selector of most inference panels: namespace, model and track. */
export function inferenceSelector(...extra: string[]): string {
  return selector(INFERENCE_VARIABLES, ...extra);
}

function by(labels: readonly string[]): string {
  return labels.length ? ` by (${labels.join(", ")})` : "";
}

/** `sum by (labels) (rate(metric{sel}[window]))`. */
export function sumRate(metric: string, sel: string, labels: readonly string[], window: string): string {
  return `sum${by(labels)} (rate(${metric}${sel}[${window}]))`;
}

/** The q-quantile of a histogram, aggregated over everything but `labels`. */
export function quantile(
  q: number,
  histogram: string,
  sel: string,
  labels: readonly string[],
  window: string,
): string {
  return `histogram_quantile(${q}, ${sumRate(`${histogram}_bucket`, sel, ["le", ...labels], window)})`;
}

/**
 * Share of `metric` samples matching `badMatcher`, per `labels`. The `or 0 * total` arm makes the ratio
 * 0 (not "no data") while there is traffic but no bad request, so panels and burn-rate rules see a value.
 */
export function badRatio(
  metric: string,
  baseMatchers: readonly string[],
  badMatcher: string,
  labels: readonly string[],
  window: string,
): string {
  const base = `{${baseMatchers.join(", ")}}`;
  const bad = `{${[...baseMatchers, badMatcher].join(", ")}}`;
  const total = sumRate(metric, base, labels, window);
  return `(${sumRate(metric, bad, labels, window)} or 0 * ${total}) / ${total}`;
}

/** The 5xx share of finished requests: the availability SLI's error definition. */
export const SERVER_ERROR_MATCHER = 'status=~"5.."';
