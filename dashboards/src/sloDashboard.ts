/** SLO dashboard: availability and latency SLIs, error budget consumption and burn rates, per track. */
import type { DashboardSpec, PanelSpec, Section } from "./grafana.js";
import { inferenceSelector, RATE_WINDOW, selector, sumRate } from "./promql.js";
import { BURN_RATE_WINDOWS, errorBudget, SLO_PERIOD, sloSeries, SLOS, type Slo } from "./slo.js";
import { INFERENCE_VARIABLE_SET } from "./variables.js";

// The recorded SLI series carry namespace, service and track (not model): filter on what they have.
const sel = selector(["namespace", "track"]);
const legend = "{{service}} {{track}}";

function sloSection(slo: Slo): Section {
  const budget = errorBudget(slo);
  const objective = `${(slo.objective * 100).toFixed(1)}%`;
  const panels: PanelSpec[] = [
    {
      title: `${slo.title}: budget consumed (${SLO_PERIOD})`,
      description: `Share of the ${SLO_PERIOD} error budget (${budget} of requests) already spent. 100% = SLO missed. ${slo.description}`,
      kind: "stat",
      unit: "percentunit",
      queries: [{ expr: `${sloSeries.ratio(slo, SLO_PERIOD)}${sel} / ${budget}`, legend }],
      thresholds: [0.75, 1],
      width: 6,
    },
    {
      title: `${slo.title} SLI (objective ${objective})`,
      description: `Good share of requests over 1h and 1d windows. ${slo.description}`,
      unit: "percentunit",
      queries: [
        { expr: `1 - ${sloSeries.ratio(slo, "1h")}${sel}`, legend: `${legend} 1h` },
        { expr: `1 - ${sloSeries.ratio(slo, "1d")}${sel}`, legend: `${legend} 1d` },
      ],
      max: 1,
      width: 9,
    },
    {
      title: `${slo.title}: error budget burn rate`,
      description:
        "Error ratio divided by the budget: 1 spends the budget exactly over the period. The alerts fire at " +
        BURN_RATE_WINDOWS.map((w) => `${w.factor}x over ${w.long} (and ${w.short})`).join(", ") +
        ".",
      unit: "short",
      queries: BURN_RATE_WINDOWS.map((w) => ({
        expr: `${sloSeries.ratio(slo, w.long)}${sel} / ${budget}`,
        legend: `${legend} ${w.long}`,
      })),
      thresholds: [1, 14.4],
      width: 9,
    },
  ];
  return { title: `${slo.title} SLO`, panels };
}

const traffic: Section = {
  title: "Traffic behind the SLIs",
  panels: [
    {
      title: "Requests by model and status",
      description: "The events the availability SLI counts, per model and status.",
      unit: "reqps",
      queries: [
        {
          expr: sumRate(
            "genai_requests_total",
            inferenceSelector(),
            ["model", "track", "status"],
            RATE_WINDOW,
          ),
          legend: "{{model}} {{track}} {{status}}",
        },
      ],
      width: 24,
    },
  ],
};

export const sloDashboard: DashboardSpec = {
  uid: "genai-slo",
  title: "GenAI / SLO",
  description:
    "Availability and TTFT latency SLOs of the inference service: SLIs, error budget and burn rates per track.",
  tags: ["genai", "slo"],
  variables: INFERENCE_VARIABLE_SET,
  from: "now-7d",
  sections: [...SLOS.map(sloSection), traffic],
};
