/** Inference overview: traffic, errors, latency, tokens and capacity, per track and per model. */
import type { DashboardSpec, PanelSpec, Query } from "./grafana.js";
import {
  badRatio,
  inferenceSelector,
  INFERENCE_VARIABLES,
  quantile,
  RATE_WINDOW,
  sumRate,
} from "./promql.js";
import { INFERENCE_VARIABLE_SET } from "./variables.js";

const sel = inferenceSelector();
const baseMatchers = INFERENCE_VARIABLES.map((name) => `${name}=~"$${name}"`);

/** p50/p95/p99 of a histogram, one series per track. */
function percentiles(histogram: string, labels: readonly string[] = ["track"]): Query[] {
  const legendPrefix = labels.map((label) => `{{${label}}}`).join(" ");
  return [0.5, 0.95, 0.99].map((q) => ({
    expr: quantile(q, histogram, sel, labels, RATE_WINDOW),
    legend: `${legendPrefix} p${Math.round(q * 100)}`,
  }));
}

function latencyPanel(title: string, histogram: string, description: string): PanelSpec {
  return { title, description, unit: "s", queries: percentiles(histogram), width: 8 };
}

const traffic: PanelSpec[] = [
  {
    title: "Request rate by track",
    description: "Finished requests per second, all routes and statuses.",
    unit: "reqps",
    queries: [{ expr: sumRate("genai_requests_total", sel, ["track"], RATE_WINDOW), legend: "{{track}}" }],
    width: 8,
  },
  {
    title: "Server error ratio (5xx) by track",
    description:
      "Share of requests answered 5xx: the availability SLI's bad events. 0 while there is traffic and no error.",
    unit: "percentunit",
    queries: [
      {
        expr: badRatio("genai_requests_total", baseMatchers, 'status=~"5.."', ["track"], RATE_WINDOW),
        legend: "{{track}}",
      },
    ],
    thresholds: [0.005, 0.05],
    width: 8,
  },
  {
    title: "Client error ratio (4xx, incl. 429) by track",
    description:
      "Bad input, auth failures and back-pressure (429: rate limit or full queue). A jump in 429s means capacity or a tenant's limit.",
    unit: "percentunit",
    queries: [
      {
        expr: badRatio("genai_requests_total", baseMatchers, 'status=~"4.."', ["track"], RATE_WINDOW),
        legend: "{{track}}",
      },
    ],
    width: 8,
  },
  {
    title: "Requests by route and status",
    description: "Requests per second by API route and HTTP status.",
    unit: "reqps",
    queries: [
      {
        expr: sumRate("genai_requests_total", sel, ["route", "status"], RATE_WINDOW),
        legend: "{{route}} {{status}}",
      },
    ],
    width: 24,
  },
];

const latency: PanelSpec[] = [
  latencyPanel(
    "End-to-end latency",
    "genai_request_duration_seconds",
    "Request duration including queue wait, p50/p95/p99 per track.",
  ),
  latencyPanel(
    "Time to first token (TTFT)",
    "genai_time_to_first_token_seconds",
    "From arrival to the first generated token (queue included). The latency SLI.",
  ),
  latencyPanel(
    "Inter-token latency (ITL)",
    "genai_inter_token_latency_seconds",
    "Gap between streamed tokens: decode speed as the user sees it.",
  ),
  latencyPanel(
    "Queue wait",
    "genai_queue_wait_seconds",
    "Time a request waited for a free sequence. Rising p95 = saturation before errors.",
  ),
  latencyPanel("Engine time", "genai_inference_duration_seconds", "Inference time without the queue."),
];

const throughput: PanelSpec[] = [
  {
    title: "Tokens per second",
    description: "Output (generation) and input (prompt) tokens per second, per track.",
    unit: "short",
    queries: [
      {
        expr: sumRate("genai_generation_tokens_total", sel, ["track"], RATE_WINDOW),
        legend: "{{track}} output",
      },
      { expr: sumRate("genai_prompt_tokens_total", sel, ["track"], RATE_WINDOW), legend: "{{track}} prompt" },
    ],
    width: 8,
  },
  {
    title: "Running requests vs capacity",
    description:
      "Busy sequences against the sequence (slot) capacity, per track. Running = capacity means new requests queue.",
    unit: "short",
    queries: [
      { expr: `sum by (track) (genai_requests_running${sel})`, legend: "{{track}} running" },
      { expr: `sum by (track) (genai_sequences${sel})`, legend: "{{track}} capacity" },
    ],
    width: 8,
  },
  {
    title: "Queue depth per pod",
    description: "Requests waiting for a sequence: the HPA's scaling signal (genai_requests_waiting).",
    unit: "short",
    queries: [{ expr: `sum by (track, pod) (genai_requests_waiting${sel})`, legend: "{{track}} {{pod}}" }],
    width: 8,
  },
  {
    title: "Slot utilisation",
    description: "Running / capacity across the selection. Sustained 100% with a queue means scale out.",
    kind: "stat",
    unit: "percentunit",
    queries: [{ expr: `sum(genai_requests_running${sel}) / sum(genai_sequences${sel})` }],
    thresholds: [0.8, 1],
    width: 6,
    height: 5,
  },
  {
    title: "Ready pods",
    description: "Pods exporting genai_model_info (model loaded), per track.",
    kind: "stat",
    unit: "short",
    queries: [{ expr: `count by (track) (genai_model_info${sel})`, legend: "{{track}}" }],
    width: 6,
    height: 5,
  },
  {
    title: "Queued requests",
    description: "Total waiting requests across the selection.",
    kind: "stat",
    unit: "short",
    queries: [{ expr: `sum(genai_requests_waiting${sel})` }],
    thresholds: [1, 10],
    width: 6,
    height: 5,
  },
  {
    title: "Output tokens/s",
    description: "Total generation throughput across the selection.",
    kind: "stat",
    unit: "short",
    queries: [{ expr: sumRate("genai_generation_tokens_total", sel, [], RATE_WINDOW) }],
    width: 6,
    height: 5,
  },
];

// Repeated once per selected track: Grafana splits the full-width row between the copies, so stable and
// canary sit side by side.
const sideBySide: PanelSpec[] = [
  {
    title: "Requests by status: $track",
    description: "Requests per second by status for one track.",
    unit: "reqps",
    queries: [{ expr: sumRate("genai_requests_total", sel, ["status"], RATE_WINDOW), legend: "{{status}}" }],
    repeat: "track",
    width: 24,
  },
  {
    title: "Latency p95: $track",
    description: "p95 end-to-end latency, TTFT and ITL for one track.",
    unit: "s",
    queries: [
      { expr: quantile(0.95, "genai_request_duration_seconds", sel, [], RATE_WINDOW), legend: "end-to-end" },
      { expr: quantile(0.95, "genai_time_to_first_token_seconds", sel, [], RATE_WINDOW), legend: "TTFT" },
      { expr: quantile(0.95, "genai_inter_token_latency_seconds", sel, [], RATE_WINDOW), legend: "ITL" },
    ],
    repeat: "track",
    width: 24,
  },
];

const perModel: PanelSpec[] = [
  {
    title: "Request rate by model",
    description: "Requests per second per model and track.",
    unit: "reqps",
    queries: [
      {
        expr: sumRate("genai_requests_total", sel, ["model", "track"], RATE_WINDOW),
        legend: "{{model}} {{track}}",
      },
    ],
    width: 8,
  },
  {
    title: "p95 latency by model",
    description: "p95 end-to-end latency per model and track.",
    unit: "s",
    queries: [
      {
        expr: quantile(0.95, "genai_request_duration_seconds", sel, ["model", "track"], RATE_WINDOW),
        legend: "{{model}} {{track}}",
      },
    ],
    width: 8,
  },
  {
    title: "Output tokens/s by model",
    description: "Generation throughput per model and track.",
    unit: "short",
    queries: [
      {
        expr: sumRate("genai_generation_tokens_total", sel, ["model", "track"], RATE_WINDOW),
        legend: "{{model}} {{track}}",
      },
    ],
    width: 8,
  },
  {
    title: "Input tokens/s by model",
    description: "Prompt tokens per second per model and track: the only token flow of an embeddings model.",
    unit: "short",
    queries: [
      {
        expr: sumRate("genai_prompt_tokens_total", sel, ["model", "track"], RATE_WINDOW),
        legend: "{{model}} {{track}}",
      },
    ],
    width: 8,
  },
  {
    title: "Queue depth by model",
    description: "Waiting requests per model and track: what the HPA of each model's Deployment scales on.",
    unit: "short",
    queries: [
      { expr: `sum by (model, track) (genai_requests_waiting${sel})`, legend: "{{model}} {{track}}" },
    ],
    width: 8,
  },
  {
    title: "Slot usage by model (endpoint picker)",
    description:
      "genai_kv_cache_usage_ratio, the share of sequences in use: the busiest and the idlest pod per model. The gateway's endpoint picker sends each request to the pod with the shortest queue and the lowest usage, so the two lines stay close while it balances well.",
    unit: "percentunit",
    queries: [
      { expr: `max by (model) (genai_kv_cache_usage_ratio${sel})`, legend: "{{model}} busiest pod" },
      { expr: `min by (model) (genai_kv_cache_usage_ratio${sel})`, legend: "{{model}} idlest pod" },
    ],
    width: 8,
  },
  {
    title: "Sequences per decode step by model",
    description:
      "How many sequences one decode step carries (genai_decode_sequences_total / genai_decode_steps_total), beside the running requests: continuous batching works while the two lines stay together; a step well below the running count means requests take turns instead of sharing the batch.",
    unit: "short",
    queries: [
      {
        expr: `${sumRate("genai_decode_sequences_total", sel, ["model"], RATE_WINDOW)} / ${sumRate("genai_decode_steps_total", sel, ["model"], RATE_WINDOW)}`,
        legend: "{{model}} sequences/step",
      },
      {
        expr: `${sumRate("genai_decode_tokens_total", sel, ["model"], RATE_WINDOW)} / ${sumRate("genai_decode_steps_total", sel, ["model"], RATE_WINDOW)}`,
        legend: "{{model}} tokens/step",
      },
      { expr: `sum by (model) (genai_requests_running${sel})`, legend: "{{model}} running" },
    ],
    width: 12,
  },
  {
    title: "Prompt prefix cache hits by model",
    description:
      "Share of prompt tokens taken from a sequence's cached prefix (genai_prompt_tokens_cached_total / genai_prompt_tokens_total) instead of being evaluated: shared system prompts and multi-turn chats should keep it high.",
    unit: "percentunit",
    queries: [
      {
        expr: `${sumRate("genai_prompt_tokens_cached_total", sel, ["model"], RATE_WINDOW)} / ${sumRate("genai_prompt_tokens_total", sel, ["model"], RATE_WINDOW)}`,
        legend: "{{model}}",
      },
    ],
    width: 12,
  },
  {
    title: "Models served",
    description: "genai_model_info per pod: model, quantization, context size and GPU use.",
    kind: "table",
    unit: "short",
    queries: [{ expr: `genai_model_info${sel}`, instant: true }],
    width: 24,
  },
];

export const inferenceOverview: DashboardSpec = {
  uid: "genai-inference-overview",
  title: "GenAI / Inference overview",
  description:
    "Traffic, errors, latency (TTFT, ITL), tokens and capacity of the inference service, per track and model.",
  tags: ["genai", "inference"],
  variables: INFERENCE_VARIABLE_SET,
  sections: [
    { title: "Traffic and errors", panels: traffic },
    { title: "Latency", panels: latency },
    { title: "Throughput and capacity", panels: throughput },
    { title: "Stable vs canary", panels: sideBySide },
    { title: "Per model", panels: perModel },
  ],
};
