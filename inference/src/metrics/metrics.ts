// The server's Prometheus metrics (prom-client) behind a small facade, so route code records a fact once
// and the optional vLLM-compatible names stay in step with the genai_ ones.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import {
  ITL_BUCKETS,
  METRICS,
  METRIC_LABELS,
  REQUEST_LATENCY_BUCKETS,
  TOKEN_TYPES,
  TTFT_BUCKETS,
  VLLM_METRICS,
} from "./names.js";

export interface ModelInfo {
  model: string;
  quantization: string;
  contextSize: number;
  gpu: string;
}

type Name = (typeof METRICS)[keyof typeof METRICS];
const labels = (name: Name): string[] => [...METRIC_LABELS[name]];

export class Metrics {
  readonly registry = new Registry();
  private model = "unknown";
  private readonly requests: Counter;
  private readonly requestDuration: Histogram;
  private readonly inferenceDuration: Histogram;
  private readonly queueWaitH: Histogram;
  private readonly ttftH: Histogram;
  private readonly itlH: Histogram;
  private readonly promptTokens: Counter;
  private readonly generationTokens: Counter;
  private readonly running: Gauge;
  private readonly waiting: Gauge;
  private readonly sequences: Gauge;
  private readonly tenantTokens: Counter;
  private readonly rateLimitedC: Counter;
  private readonly modelInfo: Gauge;
  private readonly kvCacheUsage: Gauge;
  private capacity = 0;
  private readonly decodeStepsC: Counter;
  private readonly decodeSequencesC: Counter;
  private readonly decodeTokensC: Counter;
  private readonly promptTokensCachedC: Counter;
  private readonly vllm: VllmMetrics | undefined;

  constructor(opts: { vllm: boolean; processMetrics?: boolean }) {
    const registers = [this.registry];
    const counter = (name: Name, help: string) =>
      new Counter({ name, help, labelNames: labels(name), registers });
    const gauge = (name: Name, help: string) =>
      new Gauge({ name, help, labelNames: labels(name), registers });
    const histogram = (name: Name, help: string, buckets: number[]) =>
      new Histogram({ name, help, labelNames: labels(name), buckets, registers });
    this.requests = counter(METRICS.requestsTotal, "Finished requests by route and HTTP status.");
    this.requestDuration = histogram(
      METRICS.requestDuration,
      "End-to-end request time in seconds, queue included.",
      REQUEST_LATENCY_BUCKETS,
    );
    this.inferenceDuration = histogram(
      METRICS.inferenceDuration,
      "Engine time in seconds, queue excluded.",
      REQUEST_LATENCY_BUCKETS,
    );
    this.queueWaitH = histogram(
      METRICS.queueWait,
      "Seconds a request waited for a free sequence.",
      REQUEST_LATENCY_BUCKETS,
    );
    this.ttftH = histogram(METRICS.timeToFirstToken, "Time to first token in seconds.", TTFT_BUCKETS);
    this.itlH = histogram(
      METRICS.interTokenLatency,
      "Seconds between consecutive generated tokens.",
      ITL_BUCKETS,
    );
    this.promptTokens = counter(METRICS.promptTokens, "Prompt tokens processed.");
    this.generationTokens = counter(METRICS.generationTokens, "Tokens generated.");
    this.running = gauge(METRICS.requestsRunning, "Requests holding a sequence (being generated).");
    this.waiting = gauge(METRICS.requestsWaiting, "Requests queued for a free sequence (the HPA signal).");
    this.sequences = gauge(METRICS.sequences, "Sequence (slot) capacity of the context.");
    this.tenantTokens = counter(METRICS.tenantTokens, "Tokens by tenant and type (prompt|generation).");
    this.rateLimitedC = counter(METRICS.rateLimited, "Requests rejected by the per-tenant rate limit.");
    this.modelInfo = gauge(METRICS.modelInfo, "The loaded model (value is always 1).");
    this.kvCacheUsage = gauge(
      METRICS.kvCacheUsage,
      "Share (0..1) of the sequences, each with its own KV cache window, held by a request (endpoint picker signal).",
    );
    // sequences / steps = how many sequences one decode carries (continuous batching at work when it nears the
    // number of running requests); tokens / steps = the batch fill.
    this.decodeStepsC = counter(METRICS.decodeSteps, "Decode steps (batches) the context evaluated.");
    this.decodeSequencesC = counter(METRICS.decodeSequences, "Sequences carried by decode steps, summed.");
    this.decodeTokensC = counter(
      METRICS.decodeTokens,
      "Tokens evaluated by decode steps (prompt and generated).",
    );
    this.promptTokensCachedC = counter(
      METRICS.promptTokensCached,
      "Prompt tokens taken from a sequence's cached prefix instead of being evaluated.",
    );
    this.vllm = opts.vllm ? new VllmMetrics(this.registry) : undefined;
    if (opts.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /**
   * Called once the model is loaded: fixes the `model` label and publishes capacity. The per-tenant series of
   * the known tenants start at 0 so dashboards and alerts see them before the first event.
   */
  setModel(info: ModelInfo, sequences: number, tenants: readonly string[] = []): void {
    this.model = info.model;
    this.modelInfo
      .labels({
        model: info.model,
        quantization: info.quantization,
        context_size: String(info.contextSize),
        gpu: info.gpu,
      })
      .set(1);
    this.sequences.labels({ model: this.model }).set(sequences);
    this.capacity = sequences;
    for (const c of [
      this.decodeStepsC,
      this.decodeSequencesC,
      this.decodeTokensC,
      this.promptTokensCachedC,
    ]) {
      c.labels({ model: this.model }).inc(0);
    }
    this.setRunning(0);
    this.setWaiting(0);
    for (const tenant of new Set(tenants)) {
      this.rateLimitedC.labels({ model: this.model, tenant }).inc(0);
      for (const type of TOKEN_TYPES) this.tenantTokens.labels({ model: this.model, tenant, type }).inc(0);
    }
  }

  get modelName(): string {
    return this.model;
  }

  requestFinished(route: string, status: number, seconds: number): void {
    const l = { model: this.model, route, status: String(status) };
    this.requests.labels(l).inc();
    this.requestDuration.labels(l).observe(seconds);
    this.vllm?.requestDuration.labels({ model_name: this.model }).observe(seconds);
  }

  queueWait(seconds: number): void {
    this.queueWaitH.labels({ model: this.model }).observe(seconds);
    this.vllm?.queueWait.labels({ model_name: this.model }).observe(seconds);
  }

  inference(route: string, seconds: number): void {
    this.inferenceDuration.labels({ model: this.model, route }).observe(seconds);
  }

  ttft(route: string, seconds: number): void {
    this.ttftH.labels({ model: this.model, route }).observe(seconds);
    this.vllm?.ttft.labels({ model_name: this.model }).observe(seconds);
  }

  interToken(route: string, seconds: number): void {
    this.itlH.labels({ model: this.model, route }).observe(seconds);
    this.vllm?.itl.labels({ model_name: this.model }).observe(seconds);
  }

  tokens(route: string, tenant: string, prompt: number, generated: number): void {
    const l = { model: this.model, route };
    this.promptTokens.labels(l).inc(prompt);
    this.generationTokens.labels(l).inc(generated);
    this.tenantTokens.labels({ model: this.model, tenant, type: "prompt" }).inc(prompt);
    this.tenantTokens.labels({ model: this.model, tenant, type: "generation" }).inc(generated);
    this.vllm?.promptTokens.labels({ model_name: this.model }).inc(prompt);
    this.vllm?.generationTokens.labels({ model_name: this.model }).inc(generated);
  }

  setRunning(n: number): void {
    this.running.labels({ model: this.model }).set(n);
    this.kvCacheUsage
      .labels({ model: this.model })
      .set(this.capacity > 0 ? Math.min(1, n / this.capacity) : 0);
    this.vllm?.running.labels({ model_name: this.model }).set(n);
  }

  setWaiting(n: number): void {
    this.waiting.labels({ model: this.model }).set(n);
    this.vllm?.waiting.labels({ model_name: this.model }).set(n);
  }

  /** One decode step of the context: the sequences and tokens it carried. */
  decodeStep(sequences: number, tokens: number): void {
    const l = { model: this.model };
    this.decodeStepsC.labels(l).inc();
    this.decodeSequencesC.labels(l).inc(sequences);
    this.decodeTokensC.labels(l).inc(tokens);
  }

  promptCached(tokens: number): void {
    this.promptTokensCachedC.labels({ model: this.model }).inc(tokens);
  }

  rateLimited(tenant: string): void {
    this.rateLimitedC.labels({ model: this.model, tenant }).inc();
  }
}

class VllmMetrics {
  readonly running: Gauge;
  readonly waiting: Gauge;
  readonly ttft: Histogram;
  readonly itl: Histogram;
  readonly requestDuration: Histogram;
  readonly queueWait: Histogram;
  readonly promptTokens: Counter;
  readonly generationTokens: Counter;

  constructor(registry: Registry) {
    const registers = [registry];
    const labelNames = ["model_name"];
    const h = (name: string, help: string, buckets: number[]) =>
      new Histogram({ name, help, labelNames, buckets, registers });
    this.running = new Gauge({
      name: VLLM_METRICS.requestsRunning,
      help: "vLLM name.",
      labelNames,
      registers,
    });
    this.waiting = new Gauge({
      name: VLLM_METRICS.requestsWaiting,
      help: "vLLM name.",
      labelNames,
      registers,
    });
    this.ttft = h(VLLM_METRICS.timeToFirstToken, "vLLM name.", TTFT_BUCKETS);
    this.itl = h(VLLM_METRICS.interTokenLatency, "vLLM name.", ITL_BUCKETS);
    this.requestDuration = h(VLLM_METRICS.requestDuration, "vLLM name.", REQUEST_LATENCY_BUCKETS);
    this.queueWait = h(VLLM_METRICS.queueWait, "vLLM name.", REQUEST_LATENCY_BUCKETS);
    this.promptTokens = new Counter({
      name: VLLM_METRICS.promptTokens,
      help: "vLLM name.",
      labelNames,
      registers,
    });
    this.generationTokens = new Counter({
      name: VLLM_METRICS.generationTokens,
      help: "vLLM name.",
      labelNames,
      registers,
    });
  }
}
