/** Tenants and cost: token use per tenant, rate limiting, and GPU-seconds spent per 1k tokens. */
import type { DashboardSpec, PanelSpec } from "./grafana.js";
import { inferenceSelector, RATE_WINDOW, selector, sumRate } from "./promql.js";
import { INFERENCE_VARIABLE_SET } from "./variables.js";

// Tenant counters are labelled by tenant (and type), not by model: filter by namespace and track only.
const tenantSel = selector(["namespace", "track"]);
const sel = inferenceSelector();

/**
 * GPUs requested by the inference pods (kube-state-metrics), per track. Requests, not utilisation: an
 * allocated GPU costs the same whether it is busy or idle.
 */
const allocatedGpus = `sum by (track) (kube_pod_container_resource_requests{resource="nvidia_com_gpu"} * on (namespace, pod) group_left (track) max by (namespace, pod, track) (genai_model_info${sel}))`;
const tokensPerSecond = `(${sumRate("genai_prompt_tokens_total", sel, ["track"], RATE_WINDOW)} + ${sumRate("genai_generation_tokens_total", sel, ["track"], RATE_WINDOW)})`;

const tenants: PanelSpec[] = [
  {
    title: "Tokens per second by tenant",
    description: "Prompt and generation tokens per second for each tenant (API key or JWT subject).",
    unit: "short",
    queries: [
      {
        expr: sumRate("genai_tenant_tokens_total", tenantSel, ["tenant", "type"], RATE_WINDOW),
        legend: "{{tenant}} {{type}}",
      },
    ],
  },
  {
    title: "Tokens by tenant (time range)",
    description:
      "Total tokens each tenant used over the selected time range: the basis of a chargeback report.",
    kind: "bargauge",
    unit: "short",
    queries: [
      {
        expr: `sum by (tenant) (increase(genai_tenant_tokens_total${tenantSel}[$__range]))`,
        legend: "{{tenant}}",
      },
    ],
  },
  {
    title: "Rate-limited requests by tenant",
    description: "Requests rejected by the per-tenant rate limits (requests/min or tokens/min), per second.",
    unit: "reqps",
    queries: [
      { expr: sumRate("genai_rate_limited_total", tenantSel, ["tenant"], RATE_WINDOW), legend: "{{tenant}}" },
    ],
  },
  {
    title: "Rate-limited requests (time range)",
    description:
      "Rejections per tenant over the selected time range. A tenant always limited needs a higher quota or a talk.",
    kind: "bargauge",
    unit: "short",
    queries: [
      {
        expr: `sum by (tenant) (increase(genai_rate_limited_total${tenantSel}[$__range]))`,
        legend: "{{tenant}}",
      },
    ],
    thresholds: [1, 100],
  },
];

const cost: PanelSpec[] = [
  {
    title: "GPU-seconds per 1k tokens",
    description:
      "Allocated GPUs (GPU-seconds per second) divided by tokens per second (prompt + output), x1000, per track. Lower is cheaper; compare canary with stable. Empty on CPU-only clusters.",
    unit: "s",
    queries: [{ expr: `${allocatedGpus} / (${tokensPerSecond} / 1000)`, legend: "{{track}}" }],
  },
  {
    title: "Allocated GPUs per track",
    description: "nvidia.com/gpu requested by the inference pods (kube-state-metrics).",
    unit: "short",
    queries: [{ expr: allocatedGpus, legend: "{{track}}" }],
    width: 6,
  },
  {
    title: "Tokens per second per track",
    description: "Prompt + output tokens per second: the denominator of the cost panel.",
    unit: "short",
    queries: [{ expr: tokensPerSecond, legend: "{{track}}" }],
    width: 6,
  },
];

export const tenantsCostDashboard: DashboardSpec = {
  uid: "genai-tenants-cost",
  title: "GenAI / Tenants and cost",
  description: "Token use and rate limiting per tenant, and GPU-seconds per 1k tokens per track.",
  tags: ["genai", "cost"],
  variables: INFERENCE_VARIABLE_SET,
  from: "now-24h",
  sections: [
    { title: "Tenants", panels: tenants },
    { title: "Cost", panels: cost },
  ],
};
