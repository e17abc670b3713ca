// Several models behind one endpoint, server side: /v1/models lists the whole catalog on every pod, an
// embeddings-mode server answers POST /v1/embeddings on the real model through the official `openai` client,
// each kind refuses the other's routes, and the endpoint picker's signals (queue, slot usage) are exported.
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postJson, sseEvents } from "./support/http.js";
import { find, parseMetrics, sum } from "./support/metrics.js";
import { startTestServer, type TestServer } from "./support/server.js";

const CHAT = "smol-chat";
const EMBED = "smol-embed";
const CATALOG = JSON.stringify([
  { id: CHAT, type: "chat" },
  { id: EMBED, type: "embeddings" },
  { id: "other-team-model", type: "chat", owned_by: "team-b" },
]);

let embedServer: TestServer;
let chatServer: TestServer;
let embed: OpenAI;
let chat: OpenAI;

beforeAll(async () => {
  [embedServer, chatServer] = await Promise.all([
    startTestServer({
      MODEL_TYPE: "embeddings",
      MODEL_NAME: EMBED,
      MODEL_CATALOG: CATALOG,
      SEQUENCES: "2",
      CONTEXT_SIZE: "256",
      EMBEDDINGS_MAX_INPUTS: "4",
      EMBEDDINGS_MAX_CHARS: "3000",
    }),
    startTestServer({ MODEL_NAME: CHAT, MODEL_CATALOG: CATALOG }),
  ]);
  embed = new OpenAI({ baseURL: `${embedServer.url}/v1`, apiKey: embedServer.apiKey, maxRetries: 0 });
  chat = new OpenAI({ baseURL: `${chatServer.url}/v1`, apiKey: chatServer.apiKey, maxRetries: 0 });
});
afterAll(async () => {
  await Promise.all([embedServer?.close(), chatServer?.close()]);
});

const norm = (v: readonly number[]) => Math.sqrt(v.reduce((a, x) => a + x * x, 0));
const cosine = (a: readonly number[], b: readonly number[]) =>
  a.reduce((s, x, i) => s + x * (b[i] as number), 0) / (norm(a) * norm(b));

async function scrape(server: TestServer) {
  return parseMetrics(await (await fetch(`${server.url}/metrics`)).text());
}

describe("model catalog", () => {
  it("lists every model of the endpoint on each pod, its own model first", async () => {
    const fromEmbed = (await embed.models.list()).data.map((m) => m.id);
    const fromChat = (await chat.models.list()).data.map((m) => m.id);
    expect(fromEmbed).toEqual([EMBED, CHAT, "other-team-model"]);
    expect(fromChat).toEqual([CHAT, EMBED, "other-team-model"]);
    const other = (await chat.models.list()).data.find((m) => m.id === "other-team-model");
    expect(other).toMatchObject({ object: "model", owned_by: "team-b", type: "chat" });
  });

  it("refuses a malformed MODEL_CATALOG at start-up, naming the variable", async () => {
    await expect(startTestServer({ MODEL_CATALOG: '[{"id":"a"},{"id":"a"}]' })).rejects.toThrow(
      /invalid MODEL_CATALOG=.*a unique "id" \(a appears twice\)/,
    );
  });
});

describe("POST /v1/embeddings (official openai client)", () => {
  it("embeds one string: unit-length vector of the model's width, usage counted", async () => {
    // The client asks for base64 by default and decodes it itself.
    const res = await embed.embeddings.create({ model: EMBED, input: "The cat sat on the mat." });
    expect(res.object).toBe("list");
    expect(res.model).toBe(EMBED);
    expect(res.data).toHaveLength(1);
    const vector = res.data[0]?.embedding ?? [];
    expect(vector).toHaveLength(576); // SmolLM2-135M's hidden size
    expect(norm(vector)).toBeCloseTo(1, 4);
    expect(res.usage.prompt_tokens).toBeGreaterThan(5);
    expect(res.usage.total_tokens).toBe(res.usage.prompt_tokens);
  });

  it("embeds a list in order; float and base64 carry the same vector; similar texts are closer", async () => {
    const input = ["The cat sat on the mat.", "A cat is sitting on a rug.", "Quarterly revenue grew 12%."];
    const floats = await embed.embeddings.create({ model: EMBED, input, encoding_format: "float" });
    const b64 = await embed.embeddings.create({ model: EMBED, input, encoding_format: "base64" });
    expect(floats.data.map((d) => d.index)).toEqual([0, 1, 2]);
    const [cat, rug, revenue] = floats.data.map((d) => d.embedding) as [number[], number[], number[]];
    // Asked for explicitly, base64 reaches the caller as sent: little-endian float32.
    const raw = Buffer.from(b64.data[1]?.embedding as unknown as string, "base64");
    const decoded = Array.from(new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4));
    expect(decoded).toEqual(rug.map((x) => Math.fround(x)));
    expect(cosine(cat, rug)).toBeGreaterThan(cosine(cat, revenue));
  });

  it("accepts token lists, one or several, and refuses ids outside the vocabulary", async () => {
    const one = await embed.embeddings.create({
      model: EMBED,
      input: [504, 2365, 3502],
      encoding_format: "float",
    });
    const many = await embed.embeddings.create({
      model: EMBED,
      input: [[504, 2365, 3502], [9012]],
      encoding_format: "float",
    });
    expect(many.data).toHaveLength(2);
    expect(many.data[0]?.embedding).toEqual(one.data[0]?.embedding);
    await expect(embed.embeddings.create({ model: EMBED, input: [1, 10_000_000] })).rejects.toMatchObject({
      status: 400,
      param: "input",
      message: expect.stringMatching(/Token id 10000000 is outside this model's vocabulary \(0 to 49151\)/),
    });
  });

  it("bounds the work before doing it: input count, total size, one context, dimensions", async () => {
    const bad = (body: Record<string, unknown>) =>
      postJson(
        `${embedServer.url}/v1/embeddings`,
        { model: EMBED, ...body },
        { key: embedServer.apiKey },
      ).then(async (r) => ({
        status: r.status,
        error: ((await r.json()) as { error: Record<string, unknown> }).error,
      }));
    expect(await bad({ input: ["a", "b", "c", "d", "e"] })).toMatchObject({
      status: 400,
      error: { code: "too_many_inputs", param: "input" },
    });
    expect(await bad({ input: ["x".repeat(2000), "y".repeat(1001)] })).toMatchObject({
      status: 400,
      error: { code: "input_too_large", message: expect.stringMatching(/3001 characters .* at most 3000/) },
    });
    expect(await bad({ input: "word ".repeat(400) })).toMatchObject({
      status: 400,
      error: {
        code: "context_length_exceeded",
        message: expect.stringMatching(/maximum context length is 256/),
      },
    });
    expect(await bad({ input: "hi", dimensions: 64 })).toMatchObject({
      status: 400,
      error: { param: "dimensions", message: expect.stringMatching(/576-dimensional/) },
    });
    expect(await bad({ input: [] })).toMatchObject({ status: 400 });
    expect(await bad({ input: "hi", encoding_format: "int8" })).toMatchObject({ status: 400 });
    expect(await bad({ input: "hi", model: "nope" })).toMatchObject({
      status: 404,
      error: { code: "model_not_found" },
    });
  });
});

describe("each kind of server refuses the other kind's routes", () => {
  it("chat on an embeddings server: 400 naming the model's kind", async () => {
    await expect(
      embed.chat.completions.create({ model: EMBED, messages: [{ role: "user", content: "hi" }] }),
    ).rejects.toMatchObject({
      status: 400,
      code: "model_not_supported",
      message: expect.stringMatching(/'smol-embed' is an embeddings model/),
    });
  });

  it("embeddings on a chat server: 400 naming the model's kind", async () => {
    await expect(chat.embeddings.create({ model: CHAT, input: "hi" })).rejects.toMatchObject({
      status: 400,
      code: "model_not_supported",
      message: expect.stringMatching(/'smol-chat' is a chat model/),
    });
  });
});

describe("metrics and OpenAPI", () => {
  it("counts embeddings like chat: requests by route and status, durations, prompt tokens", async () => {
    await embed.embeddings.create({ model: EMBED, input: "count me" });
    const samples = await scrape(embedServer);
    const route = { model: EMBED, route: "/v1/embeddings" };
    expect(sum(samples, "genai_requests_total", { ...route, status: "200" })).toBeGreaterThanOrEqual(1);
    expect(sum(samples, "genai_requests_total", { ...route, status: "400" })).toBeGreaterThanOrEqual(1);
    expect(sum(samples, "genai_request_duration_seconds_count", route)).toBeGreaterThanOrEqual(2);
    expect(sum(samples, "genai_inference_duration_seconds_count", route)).toBeGreaterThanOrEqual(1);
    expect(sum(samples, "genai_prompt_tokens_total", route)).toBeGreaterThan(0);
    expect(find(samples, "genai_sequences", { model: EMBED })[0]?.value).toBe(2);
    expect(find(samples, "genai_kv_cache_usage_ratio", { model: EMBED })[0]?.value).toBe(0);
  });

  it("exports slot usage (0..1) for the endpoint picker while a request holds a sequence", async () => {
    const res = await postJson(
      `${chatServer.url}/v1/completions`,
      { model: CHAT, prompt: "Count to one hundred:", max_tokens: 64, stream: true },
      { key: chatServer.apiKey },
    );
    const events = sseEvents(res);
    await events.next(); // admitted: it holds one of the 4 sequences now
    const busy = await scrape(chatServer);
    expect(find(busy, "genai_kv_cache_usage_ratio", { model: CHAT })[0]?.value).toBe(0.25);
    expect(find(busy, "genai_requests_waiting", { model: CHAT })[0]?.value).toBe(0);
    for await (const _ of events) void _;
    const idle = await scrape(chatServer);
    expect(find(idle, "genai_kv_cache_usage_ratio", { model: CHAT })[0]?.value).toBe(0);
  });

  it("documents /v1/embeddings in /openapi.json", async () => {
    const doc = (await (await fetch(`${embedServer.url}/openapi.json`)).json()) as {
      paths: Record<string, { post?: { requestBody?: unknown; security?: unknown } }>;
    };
    expect(doc.paths["/v1/embeddings"]?.post?.requestBody).toBeDefined();
    expect(doc.paths["/v1/embeddings"]?.post?.security).toEqual([{ bearer: [] }]);
  });
});
