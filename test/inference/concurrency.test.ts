// Engine batching and admission control: concurrent requests share the context's sequences, a full queue
// answers 429 with Retry-After, and a client that goes away frees its sequence at once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, postJson, sseEvents } from "./support/http.js";
import { scrape, sum } from "./support/metrics.js";
import { startTestServer, type TestServer } from "./support/server.js";

let server: TestServer;
let model: string;

beforeAll(async () => {
  // Two sequences and room for one waiter make "full" easy to reach.
  server = await startTestServer({ SEQUENCES: "2", QUEUE_SIZE: "1", QUEUE_TIMEOUT_MS: "3000" });
  const res = await fetch(`${server.url}/v1/models`, {
    headers: { authorization: `Bearer ${server.apiKey}` },
  });
  model = ((await res.json()) as { data: { id: string }[] }).data[0]?.id ?? "";
});
afterAll(() => server?.close());

const chat = (maxTokens: number, stream: boolean, signal?: AbortSignal) =>
  postJson(
    `${server.url}/v1/chat/completions`,
    {
      model,
      messages: [{ role: "user", content: "Write a long story about a dragon and a knight." }],
      max_tokens: maxTokens,
      stream,
    },
    { key: server.apiKey, ...(signal ? { signal } : {}) },
  );

const gauge = async (name: string) => sum(await scrape(server.url), name);

/** Opens a stream and resolves once its first content chunk arrived. */
async function openStream(maxTokens: number, signal: AbortSignal) {
  const res = await chat(maxTokens, true, signal);
  expect(res.status).toBe(200);
  const events = sseEvents(res);
  // next() rather than `for await … break`: breaking would close the generator and with it the connection.
  for (;;) {
    const { value, done } = await events.next();
    if (done) throw new Error("stream ended before any content");
    if (value.includes('"content"') && !value.includes('"role"')) return events;
  }
}

async function drain(events: AsyncGenerator<string>): Promise<string[]> {
  const rest: string[] = [];
  for await (const e of events) rest.push(e);
  return rest;
}

describe("concurrency", () => {
  it("runs concurrent requests at the same time (running gauge > 1)", async () => {
    const ctl = new AbortController();
    const a = await openStream(40, ctl.signal);
    const b = await openStream(40, ctl.signal);
    // Both streams are mid-generation: both sequences are busy together.
    expect(await gauge("genai_requests_running")).toBe(2);
    const [ra, rb] = await Promise.all([drain(a), drain(b)]);
    expect(ra.at(-1)).toBe("[DONE]");
    expect(rb.at(-1)).toBe("[DONE]");
    expect(await eventually(async () => (await gauge("genai_requests_running")) === 0, 2000)).toBe(true);
  });

  it("answers 429 with Retry-After when every sequence is busy and the queue is full", async () => {
    const ctl = new AbortController();
    const busy = [await openStream(400, ctl.signal), await openStream(400, ctl.signal)];
    const queued = chat(4, false, ctl.signal).catch(() => undefined);
    expect(await eventually(async () => (await gauge("genai_requests_waiting")) === 1, 5000)).toBe(true);

    const res = await chat(4, false);
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    const body = (await res.json()) as { error: { type: string; code: string } };
    expect(body.error).toMatchObject({ type: "rate_limit_error", code: "queue_full" });

    ctl.abort();
    await queued;
    void busy;
    expect(await eventually(async () => (await gauge("genai_requests_running")) === 0, 3000)).toBe(true);
    expect(await gauge("genai_requests_waiting")).toBe(0);
  });

  it("answers 503 queue_timeout with Retry-After when no sequence frees up within QUEUE_TIMEOUT_MS", async () => {
    const ctl = new AbortController();
    await openStream(1000, ctl.signal);
    await openStream(1000, ctl.signal);
    const started = Date.now();
    const res = await chat(4, false);
    const waitedMs = Date.now() - started;
    ctl.abort();
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("1");
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("queue_timeout");
    expect(waitedMs).toBeGreaterThanOrEqual(2900);
    expect(await eventually(async () => (await gauge("genai_requests_running")) === 0, 3000)).toBe(true);
  });

  it("fails a /batch_generate that does not fit with 429 and stops its other prompts at once", async () => {
    const item = { prompt: "Write a long story about a dragon.", max_length: 400 };
    const res = await postJson(`${server.url}/batch_generate`, [item, item, item, item], {
      key: server.apiKey,
    });
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).not.toBeNull();
    expect(await eventually(async () => (await gauge("genai_requests_running")) === 0, 2000)).toBe(true);
    expect(await gauge("genai_requests_waiting")).toBe(0);
  });

  it("frees the sequence as soon as a streaming client disconnects", async () => {
    const ctl = new AbortController();
    await openStream(1000, ctl.signal);
    expect(await gauge("genai_requests_running")).toBe(1);
    const abortedAt = Date.now();
    ctl.abort();
    expect(await eventually(async () => (await gauge("genai_requests_running")) === 0, 1000)).toBe(true);
    const freedAfterMs = Date.now() - abortedAt;
    expect(freedAfterMs).toBeLessThan(1000);
    // The abandoned request is counted with status 499 once the server has seen the close.
    const samples = await scrape(server.url);
    expect(
      sum(samples, "genai_requests_total", { route: "/v1/chat/completions", status: "499" }),
    ).toBeGreaterThan(0);
  });
});
