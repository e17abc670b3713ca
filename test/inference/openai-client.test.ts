// The official `openai` npm client, unchanged, against the real server on the real model.
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./support/server.js";

let server: TestServer;
let client: OpenAI;
let model: string;

beforeAll(async () => {
  server = await startTestServer();
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: server.apiKey, maxRetries: 0 });
  model = (await client.models.list()).data[0]?.id ?? "";
});
afterAll(() => server?.close());

describe("openai client", () => {
  it("lists the one served model", async () => {
    const models = await client.models.list();
    expect(models.data).toHaveLength(1);
    expect(models.data[0]).toMatchObject({ object: "model", id: "SmolLM2-135M-Instruct.Q4_1" });
  });

  it("creates a chat completion with usage", async () => {
    const res = await client.chat.completions.create({
      model,
      messages: [
        { role: "system", content: "You are terse." },
        { role: "user", content: "Name a color." },
      ],
      max_tokens: 12,
      temperature: 0,
    });
    expect(res.object).toBe("chat.completion");
    expect(res.id).toMatch(/^chatcmpl-/);
    const choice = res.choices[0];
    expect(choice?.message.role).toBe("assistant");
    expect(choice?.message.content?.length).toBeGreaterThan(0);
    expect(["stop", "length"]).toContain(choice?.finish_reason);
    expect(res.usage?.prompt_tokens).toBeGreaterThan(5);
    expect(res.usage?.completion_tokens).toBeGreaterThan(0);
    expect(res.usage?.completion_tokens).toBeLessThanOrEqual(12);
    expect(res.usage?.total_tokens).toBe(
      (res.usage?.prompt_tokens ?? 0) + (res.usage?.completion_tokens ?? 0),
    );
  });

  it("honours max_tokens with finish_reason length, and the same seed gives the same text", async () => {
    const ask = () =>
      client.completions.create({
        model,
        prompt: "Once upon a time",
        max_tokens: 6,
        temperature: 0.9,
        seed: 42,
      });
    const [a, b] = [await ask(), await ask()];
    expect(a.choices[0]?.finish_reason).toBe("length");
    expect(a.usage?.completion_tokens).toBe(6);
    expect(a.choices[0]?.text).toBe(b.choices[0]?.text);
  });

  it("stops at a stop sequence", async () => {
    const res = await client.completions.create({
      model,
      prompt: "1, 2, 3, 4, 5,",
      max_tokens: 20,
      temperature: 0,
      stop: [" 8"],
    });
    expect(res.choices[0]?.finish_reason).toBe("stop");
    expect(res.choices[0]?.text).not.toContain(" 8");
  });

  it("streams a chat completion with include_usage", async () => {
    const stream = await client.chat.completions.create({
      model,
      messages: [{ role: "user", content: "Count to five." }],
      max_tokens: 16,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let deltas = 0;
    let finish: string | null | undefined;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      expect(chunk.object).toBe("chat.completion.chunk");
      const c = chunk.choices[0];
      if (c?.delta.content) {
        text += c.delta.content;
        deltas++;
      }
      if (c?.finish_reason) finish = c.finish_reason;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(deltas).toBeGreaterThan(1);
    expect(text.length).toBeGreaterThan(0);
    expect(["stop", "length"]).toContain(finish);
    expect(usage?.completion_tokens).toBeGreaterThan(0);
    expect(usage?.completion_tokens).toBeLessThanOrEqual(16);
  });

  it("streams a text completion", async () => {
    const stream = await client.completions.create({
      model,
      prompt: "The sky is",
      max_tokens: 8,
      stream: true,
    });
    const parts: string[] = [];
    for await (const chunk of stream) parts.push(chunk.choices[0]?.text ?? "");
    expect(parts.join("").length).toBeGreaterThan(0);
  });
});

describe("simple API and documents", () => {
  const post = (path: string, body: unknown) =>
    fetch(`${server.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${server.apiKey}` },
      body: JSON.stringify(body),
    });

  it("POST /generate returns generated_text", async () => {
    const res = await post("/generate", { prompt: "Say hi.", max_length: 8, temperature: 0 });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { generated_text: string; tokens_generated: number; model: string };
    expect(body.generated_text.length).toBeGreaterThan(0);
    expect(body.tokens_generated).toBeGreaterThan(0);
    expect(body.model).toBe(model);
  });

  it("POST /batch_generate answers every prompt in order", async () => {
    const res = await post("/batch_generate", [
      { prompt: "Say A.", max_length: 4 },
      { prompt: "Say B.", max_length: 4 },
      { prompt: "Say C.", max_length: 4 },
    ]);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { results: { generated_text: string }[] };
    expect(body.results).toHaveLength(3);
  });

  it("serves an OpenAPI document naming every API route", async () => {
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
      openapi: string;
      paths: object;
    };
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/v1/chat/completions",
        "/v1/completions",
        "/v1/models",
        "/generate",
        "/batch_generate",
        "/health",
        "/ready",
      ]),
    );
  });

  it("/health and /ready are open", async () => {
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    expect((await fetch(`${server.url}/ready`)).status).toBe(200);
  });
});
