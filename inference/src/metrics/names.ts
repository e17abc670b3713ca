// The metric vocabulary of DESIGN.md section 5: a contract with the dashboards, alerts and the HPA.
// Renaming anything here breaks them; tests import these lists to check the running server.

export const METRICS = {
  requestsTotal: "genai_requests_total",
  requestDuration: "genai_request_duration_seconds",
  inferenceDuration: "genai_inference_duration_seconds",
  queueWait: "genai_queue_wait_seconds",
  timeToFirstToken: "genai_time_to_first_token_seconds",
  interTokenLatency: "genai_inter_token_latency_seconds",
  promptTokens: "genai_prompt_tokens_total",
  generationTokens: "genai_generation_tokens_total",
  requestsRunning: "genai_requests_running",
  requestsWaiting: "genai_requests_waiting",
  sequences: "genai_sequences",
  tenantTokens: "genai_tenant_tokens_total",
  rateLimited: "genai_rate_limited_total",
  modelInfo: "genai_model_info",
  kvCacheUsage: "genai_kv_cache_usage_ratio",
  decodeSteps: "genai_decode_steps_total",
  decodeSequences: "genai_decode_sequences_total",
  decodeTokens: "genai_decode_tokens_total",
  promptTokensCached: "genai_prompt_tokens_cached_total",
} as const;

/** Every genai_ metric name the server exports. */
export const METRIC_NAMES: readonly string[] = Object.values(METRICS);

/** The labels each metric carries (besides `le` on histograms). */
export const METRIC_LABELS: Readonly<Record<(typeof METRICS)[keyof typeof METRICS], readonly string[]>> = {
  genai_requests_total: ["model", "route", "status"],
  genai_request_duration_seconds: ["model", "route", "status"],
  genai_inference_duration_seconds: ["model", "route"],
  genai_queue_wait_seconds: ["model"],
  genai_time_to_first_token_seconds: ["model", "route"],
  genai_inter_token_latency_seconds: ["model", "route"],
  genai_prompt_tokens_total: ["model", "route"],
  genai_generation_tokens_total: ["model", "route"],
  genai_requests_running: ["model"],
  genai_requests_waiting: ["model"],
  genai_sequences: ["model"],
  genai_tenant_tokens_total: ["model", "tenant", "type"],
  genai_rate_limited_total: ["model", "tenant"],
  genai_model_info: ["model", "quantization", "context_size", "gpu"],
  genai_kv_cache_usage_ratio: ["model"],
  genai_decode_steps_total: ["model"],
  genai_decode_sequences_total: ["model"],
  genai_decode_tokens_total: ["model"],
  genai_prompt_tokens_cached_total: ["model"],
};

/** Values of the `type` label of genai_tenant_tokens_total. */
export const TOKEN_TYPES = ["prompt", "generation"] as const;

/** Values of the `route` label: the generation and model-listing routes (probes and /metrics are not counted). */
export const ROUTES = [
  "/v1/chat/completions",
  "/v1/completions",
  "/v1/models",
  "/generate",
  "/batch_generate",
  "/v1/embeddings",
] as const;

/**
 * What the gateway's endpoint picker (Inference Extension EPP) scrapes from each pod, as its flags spell it:
 * queue depth and the 0..1 share of the KV cache (here: of the sequences) in use.
 */
export const EPP_METRICS = {
  totalQueuedRequests: METRICS.requestsWaiting,
  kvCacheUsagePercentage: METRICS.kvCacheUsage,
} as const;

/** Optional vLLM-compatible names (VLLM_METRICS=true), label `model_name`, for KEDA / inference-extension setups. */
export const VLLM_METRICS = {
  requestsRunning: "vllm:num_requests_running",
  requestsWaiting: "vllm:num_requests_waiting",
  timeToFirstToken: "vllm:time_to_first_token_seconds",
  interTokenLatency: "vllm:time_per_output_token_seconds",
  requestDuration: "vllm:e2e_request_latency_seconds",
  queueWait: "vllm:request_queue_time_seconds",
  promptTokens: "vllm:prompt_tokens_total",
  generationTokens: "vllm:generation_tokens_total",
} as const;

export const VLLM_METRIC_NAMES: readonly string[] = Object.values(VLLM_METRICS);

// vLLM's bucket boundaries (vllm/engine/metrics.py), so dashboards written for vLLM read the same.
export const TTFT_BUCKETS = [
  0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0,
  80.0, 160.0, 640.0, 2560.0,
];
export const ITL_BUCKETS = [
  0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0,
];
export const REQUEST_LATENCY_BUCKETS = [
  0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0,
  960.0, 1920.0, 7680.0,
];
