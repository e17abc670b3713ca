/**
 * The inference service level objectives and the Prometheus rules derived from them: SLI recording rules
 * for every burn-rate window and multi-window, multi-burn-rate alerts (Google SRE workbook, chapter 5).
 * The SLO dashboard reads the same objects, so an objective is changed in exactly one place.
 */
import { SERVER_ERROR_MATCHER } from "./promql.js";

/**
 * SLIs are per service, per model and per track: each model behind the endpoint has its own budget (an
 * embeddings model's traffic must not hide a chat model's errors), and stable vs canary are judged separately.
 */
export const SLO_LABELS = ["namespace", "service", "model", "track"] as const;

/** The SLO period the error budget is measured over. */
export const SLO_PERIOD = "30d";

export interface Slo {
  /** Used in rule names: genai:slo_<name>_errors:ratio_rate<window>. */
  readonly name: "availability" | "latency";
  readonly title: string;
  /** Target share of good requests over the SLO period, e.g. 0.995. */
  readonly objective: number;
  readonly description: string;
  /** PromQL: rate of all requests the SLI counts, per SLO_LABELS. */
  total(window: string): string;
  /** PromQL: rate of bad requests, per SLO_LABELS (may be absent when there are none). */
  bad(window: string): string;
}

const bySlo = `sum by (${SLO_LABELS.join(", ")})`;

/** TTFT at or under this is "fast"; it must be one of the server's TTFT bucket bounds (vLLM's). */
export const TTFT_THRESHOLD_SECONDS = "2.5";

export const SLOS: readonly Slo[] = [
  {
    name: "availability",
    title: "Availability",
    objective: 0.995,
    description:
      "Share of finished requests not answered with a 5xx. 429s (rate limit, full queue) are the client's signal to back off and are not counted here; the queue saturation alert covers capacity.",
    total: (w) => `${bySlo} (rate(genai_requests_total[${w}]))`,
    bad: (w) => `${bySlo} (rate(genai_requests_total{${SERVER_ERROR_MATCHER}}[${w}]))`,
  },
  {
    name: "latency",
    title: "Latency (TTFT)",
    objective: 0.99,
    description: `Share of generation requests whose first token arrived within ${TTFT_THRESHOLD_SECONDS}s (queue wait included).`,
    total: (w) => `${bySlo} (rate(genai_time_to_first_token_seconds_count[${w}]))`,
    bad: (w) =>
      `(${bySlo} (rate(genai_time_to_first_token_seconds_count[${w}])) - ${bySlo} (rate(genai_time_to_first_token_seconds_bucket{le="${TTFT_THRESHOLD_SECONDS}"}[${w}])))`,
  },
];

/** The burn-rate alert pairs: long window, short window (1/12 of it), burn-rate factor, severity. */
export const BURN_RATE_WINDOWS = [
  { long: "1h", short: "5m", factor: 14.4, severity: "critical" },
  { long: "6h", short: "30m", factor: 6, severity: "critical" },
  { long: "1d", short: "2h", factor: 3, severity: "warning" },
  { long: "3d", short: "6h", factor: 1, severity: "warning" },
] as const;

/** Every window an SLI ratio is recorded for (alerts and the SLO dashboard). */
export const SLI_WINDOWS = ["5m", "30m", "1h", "2h", "6h", "1d", "3d"] as const;

export function errorBudget(slo: Slo): number {
  // Rounded so 1 - 0.995 prints as 0.005 in PromQL and on the dashboard, not 0.0050000000000000044.
  return Number((1 - slo.objective).toPrecision(6));
}

/** The recorded series names, shared by the rules and the dashboard. */
export const sloSeries = {
  ratio: (slo: Slo, window: string): string => `genai:slo_${slo.name}_errors:ratio_rate${window}`,
  badRate5m: (slo: Slo): string => `genai:slo_${slo.name}_errors:rate5m`,
  totalRate5m: (slo: Slo): string => `genai:slo_${slo.name}_requests:rate5m`,
};

export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
}

export interface AlertingRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

export interface RuleGroup {
  readonly name: string;
  readonly rules: readonly (RecordingRule | AlertingRule)[];
}

function recordingRules(slo: Slo): RecordingRule[] {
  const bad5m = sloSeries.badRate5m(slo);
  const total5m = sloSeries.totalRate5m(slo);
  // The 5m rates feed the 30-day budget: sum_over_time of rates weighs each 5m by its traffic, which an
  // average of ratios would not (and a ratio is NaN while there is no traffic).
  const rules: RecordingRule[] = [
    { record: total5m, expr: slo.total("5m") },
    { record: bad5m, expr: `${slo.bad("5m")} or 0 * ${total5m}` },
    { record: sloSeries.ratio(slo, "5m"), expr: `${bad5m} / ${total5m}` },
  ];
  for (const window of SLI_WINDOWS.filter((w) => w !== "5m")) {
    const total = slo.total(window);
    rules.push({
      record: sloSeries.ratio(slo, window),
      expr: `(${slo.bad(window)} or 0 * ${total}) / ${total}`,
    });
  }
  rules.push({
    record: sloSeries.ratio(slo, SLO_PERIOD),
    expr: `sum_over_time(${bad5m}[${SLO_PERIOD}]) / sum_over_time(${total5m}[${SLO_PERIOD}])`,
  });
  return rules;
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function alertingRules(slo: Slo): AlertingRule[] {
  const budget = errorBudget(slo);
  const condition = (pair: (typeof BURN_RATE_WINDOWS)[number]): string =>
    `(${sloSeries.ratio(slo, pair.long)} > (${pair.factor} * ${budget}) and ${sloSeries.ratio(slo, pair.short)} > (${pair.factor} * ${budget}))`;
  const page = BURN_RATE_WINDOWS.filter((w) => w.severity === "critical");
  const ticket = BURN_RATE_WINDOWS.filter((w) => w.severity === "warning");
  const objective = `${(slo.objective * 100).toFixed(1)}%`;
  const common = (speed: string, windows: readonly (typeof BURN_RATE_WINDOWS)[number][]) => ({
    summary: `${slo.title} error budget of model {{ $labels.model }} of {{ $labels.service }} ({{ $labels.track }}) is burning ${speed}.`,
    // The SLI definition lives in the runbook; the alert says how far off it is.
    description:
      `Objective ${objective} over ${SLO_PERIOD}; bad-request ratio over the long window: {{ $value | humanizePercentage }} ` +
      `(windows ${windows.map((w) => `${w.long}/${w.short} at ${w.factor}x`).join(", ")}).`,
    runbook_url: `docs/runbooks.md#genai${slo.name}budgetburn`,
  });
  return [
    {
      alert: `GenAI${capitalised(slo.name)}BudgetBurnFast`,
      expr: page.map(condition).join(" or "),
      for: "2m",
      labels: { severity: "critical", slo: slo.name },
      annotations: common("fast (budget gone in days)", page),
    },
    {
      alert: `GenAI${capitalised(slo.name)}BudgetBurnSlow`,
      expr: ticket.map(condition).join(" or "),
      for: "15m",
      labels: { severity: "warning", slo: slo.name },
      annotations: common("steadily (budget gone before the period ends)", ticket),
    },
  ];
}

/** The rule groups of dashboards/rules/genai-slo.yaml. */
export function sloRuleGroups(): RuleGroup[] {
  return [
    { name: "genai-slo.recording", rules: SLOS.flatMap(recordingRules) },
    { name: "genai-slo.alerts", rules: SLOS.flatMap(alertingRules) },
  ];
}
