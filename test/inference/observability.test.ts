// After real traffic: the metric vocabulary (inference/src/metrics/names.ts, docs/inference.md#metrics) with its labels and vLLM buckets, the
// optional vLLM names, GenAI-convention spans at an OTLP receiver (continuing the caller's traceparent), and
// JSON logs carrying request id, tenant, trace id and token counts but not the prompt.
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  METRIC_LABELS,
  METRIC_NAMES,
  TTFT_BUCKETS,
  VLLM_METRIC_NAMES,
} from "../../inference/src/metrics/names.js";
import { eventually, postJson } from "./support/http.js";
import { find, scrape, sum, type Sample } from "./support/metrics.js";
import { startOtlpReceiver, type ReceivedSpan } from "./support/otlp.js";
import { startTestServer, type TestServer } from "./support/server.js";

let server: TestServer;
let otlp: Awaited<ReturnType<typeof startOtlpReceiver>>;
let samples: Sample[];
const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const SECRET_PROMPT = "purple-elephant-secret-prompt";

beforeAll(async () => {
  otlp = await startOtlpReceiver();
  server = await startTestServer({
    OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
    OTEL_BSP_SCHEDULE_DELAY: "100",
    OTEL_SERVICE_NAME: "genai-inference-test",
    // The platform sets the track this way (infra/workload/serverEnv.ts); spans must carry it.
    OTEL_RESOURCE_ATTRIBUTES: "deployment.track=canary",
    VLLM_METRICS: "true",
  });
  const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: server.apiKey, maxRetries: 0 });
  const model = (await client.models.list()).data[0]?.id ?? "";
  await client.chat.completions.create(
    { model, messages: [{ role: "user", content: SECRET_PROMPT }], max_tokens: 8 },
    { headers: { traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01`, "x-request-id": "req-observability-1" } },
  );
  const stream = await client.completions.create({ model, prompt: "Hello", max_tokens: 8, stream: true });
  for await (const _ of stream) void _;
  await postJson(`${server.url}/generate`, { prompt: "Hi", max_length: 4 }, { key: server.apiKey });
  await postJson(`${server.url}/generate`, { prompt: "Hi" }); // 401
  await postJson(`${server.url}/generate`, { prompt: 1 }, { key: server.apiKey }); // 400
  // Requests are counted when the server sees the connection close, a moment after the client has the answer.
  await eventually(async () => sum((samples = await scrape(server.url)), "genai_requests_total") >= 6, 5000);
});
afterAll(async () => {
  await server?.close();
  await otlp?.close();
});

describe("metrics", () => {
  it("exports every name of the vocabulary", () => {
    const exported = new Set(samples.map((s) => s.name.replace(/_(bucket|sum|count)$/, "")));
    for (const name of METRIC_NAMES) expect(exported, name).toContain(name);
  });

  it("uses exactly the documented labels", () => {
    for (const name of METRIC_NAMES) {
      const series = samples.filter((s) => s.name === name || s.name === `${name}_count`);
      expect(series.length, name).toBeGreaterThan(0);
      for (const s of series)
        expect(Object.keys(s.labels).sort(), name).toEqual(
          [...(METRIC_LABELS[name as keyof typeof METRIC_LABELS] ?? [])].sort(),
        );
    }
  });

  it("counts requests by route and status, including 400 and 401", () => {
    expect(sum(samples, "genai_requests_total", { route: "/v1/chat/completions", status: "200" })).toBe(1);
    expect(sum(samples, "genai_requests_total", { route: "/v1/completions", status: "200" })).toBe(1);
    expect(sum(samples, "genai_requests_total", { route: "/generate", status: "200" })).toBe(1);
    expect(sum(samples, "genai_requests_total", { route: "/generate", status: "401" })).toBe(1);
    expect(sum(samples, "genai_requests_total", { route: "/generate", status: "400" })).toBe(1);
    expect(sum(samples, "genai_requests_total", { route: "/v1/models", status: "200" })).toBe(1);
    expect(find(samples, "genai_requests_total", { route: "/metrics" })).toHaveLength(0);
  });

  it("starts the per-tenant series at 0 for every configured API-key tenant", () => {
    expect(find(samples, "genai_rate_limited_total", { tenant: "test" })[0]?.value).toBe(0);
  });

  it("records tokens per route and per tenant", () => {
    const generated = sum(samples, "genai_generation_tokens_total");
    expect(generated).toBeGreaterThan(0);
    expect(generated).toBeLessThanOrEqual(8 + 8 + 4);
    expect(sum(samples, "genai_tenant_tokens_total", { tenant: "test", type: "generation" })).toBe(generated);
    expect(sum(samples, "genai_tenant_tokens_total", { tenant: "test", type: "prompt" })).toBe(
      sum(samples, "genai_prompt_tokens_total"),
    );
  });

  it("observes latency histograms with vLLM's buckets", () => {
    const ttftLe = find(samples, "genai_time_to_first_token_seconds_bucket", {
      route: "/v1/completions",
    }).map((s) => s.labels.le);
    expect(ttftLe).toEqual([...TTFT_BUCKETS.map(String), "+Inf"]);
    expect(sum(samples, "genai_time_to_first_token_seconds_count")).toBe(3);
    expect(sum(samples, "genai_inter_token_latency_seconds_count")).toBeGreaterThan(3);
    expect(sum(samples, "genai_queue_wait_seconds_count")).toBe(3);
    expect(sum(samples, "genai_inference_duration_seconds_count")).toBe(3);
  });

  it("describes capacity and the model", () => {
    expect(sum(samples, "genai_sequences")).toBe(4);
    expect(sum(samples, "genai_requests_running")).toBe(0);
    expect(sum(samples, "genai_requests_waiting")).toBe(0);
    const [info] = find(samples, "genai_model_info");
    expect(info?.value).toBe(1);
    expect(info?.labels).toEqual({
      model: "SmolLM2-135M-Instruct.Q4_1",
      quantization: "Q4_1",
      context_size: "1024",
      gpu: "none",
    });
  });

  it("also exports the vLLM-compatible names when VLLM_METRICS=true", () => {
    const exported = new Set(samples.map((s) => s.name.replace(/_(bucket|sum|count)$/, "")));
    for (const name of VLLM_METRIC_NAMES) expect(exported, name).toContain(name);
    expect(sum(samples, "vllm:generation_tokens_total")).toBe(sum(samples, "genai_generation_tokens_total"));
  });
});

describe("traces", () => {
  const genSpan = () =>
    otlp.spans.find((s) => s.traceId === TRACE_ID && s.attributes["gen_ai.operation.name"] === "chat");

  it("exports a GenAI span that continues the caller's traceparent", async () => {
    expect(await eventually(() => genSpan() !== undefined, 10_000)).toBe(true);
    const span = genSpan() as ReceivedSpan;
    expect(span.serviceName).toBe("genai-inference-test");
    expect(span.resource["deployment.track"]).toBe("canary");
    expect(span.name).toBe("chat SmolLM2-135M-Instruct.Q4_1");
    expect(span.attributes).toMatchObject({
      "gen_ai.request.model": "SmolLM2-135M-Instruct.Q4_1",
      "gen_ai.response.model": "SmolLM2-135M-Instruct.Q4_1",
      "gen_ai.request.max_tokens": 8,
      "gen_ai.response.finish_reasons": [expect.stringMatching(/^(stop|length)$/)],
    });
    expect(span.attributes["gen_ai.usage.input_tokens"]).toBeGreaterThan(0);
    expect(span.attributes["gen_ai.usage.output_tokens"]).toBeGreaterThan(0);
    // Its parent is the HTTP server span, whose parent is the caller's span from traceparent.
    const http = otlp.spans.find((s) => s.spanId === span.parentSpanId);
    expect(http?.name).toBe("POST /v1/chat/completions");
    expect(http?.parentSpanId).toBe("00f067aa0ba902b7");
    expect(http?.attributes["http.response.status_code"]).toBe(200);
  });
});

describe("logs", () => {
  it("log the generation as JSON with request id, tenant, trace id and token counts, never the prompt", () => {
    const lines = server.logs
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const line = lines.find((l) => l.msg === "generation finished" && l.reqId === "req-observability-1");
    expect(line).toMatchObject({ tenant: "test", trace_id: TRACE_ID, route: "/v1/chat/completions" });
    expect(line?.prompt_tokens).toBeGreaterThan(0);
    expect(line?.completion_tokens).toBeGreaterThan(0);
    expect(typeof line?.inference_ms).toBe("number");
    expect(server.logs.join("\n")).not.toContain(SECRET_PROMPT);
  });
});
