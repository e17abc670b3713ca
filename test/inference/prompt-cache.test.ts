// The prompt cache on the real model: with one sequence, a long system prompt that another conversation
// overwrote is loaded back from its saved state instead of being evaluated again, and the answer is the one a
// server without the cache gives.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postJson, sseEvents } from "./support/http.js";
import { scrape, sum } from "./support/metrics.js";
import { startTestServer, type TestServer } from "./support/server.js";

const SYSTEM = Array.from(
  { length: 6 },
  (_, i) =>
    `Rule ${i + 1}: you answer questions about bicycles only, you name the part concerned, you never invent ` +
    `part numbers, and you keep every answer under three sentences.`,
).join(" ");
const OTHER =
  "You are a poetry helper. Reply with one short rhyming couplet about whatever the user mentions and nothing " +
  "else: no greeting, no explanation, no list, no title, and never more than two lines of verse in total.";

let cached: TestServer;
let uncached: TestServer;
beforeAll(async () => {
  const env = { SEQUENCES: "1", THREADS: "1", CONTEXT_SIZE: "1024" };
  [cached, uncached] = await Promise.all([
    startTestServer({ ...env, PROMPT_CACHE_MB: "64" }),
    startTestServer({ ...env, PROMPT_CACHE_MB: "0" }),
  ]);
}, 300_000);
afterAll(async () => {
  await Promise.all([cached?.close(), uncached?.close()]);
});

const chat = (server: TestServer, system: string, question: string, maxTokens: number, stream = false) =>
  postJson(
    `${server.url}/v1/chat/completions`,
    {
      model: "SmolLM2-135M-Instruct.Q4_1",
      messages: [
        { role: "system", content: system },
        { role: "user", content: question },
      ],
      max_tokens: maxTokens,
      temperature: 0,
      stream,
    },
    { key: server.apiKey },
  );

/** One chat; returns its answer and how many prompt tokens the server took from a cache meanwhile. */
async function ask(server: TestServer, system: string, question: string) {
  const before = sum(await scrape(server.url), "genai_prompt_tokens_cached_total");
  const res = await chat(server, system, question, 12);
  expect(res.status).toBe(200);
  const body = (await res.json()) as {
    choices: { message: { content: string } }[];
    usage: { prompt_tokens: number };
  };
  const cachedTokens = sum(await scrape(server.url), "genai_prompt_tokens_cached_total") - before;
  return {
    answer: body.choices[0]?.message.content ?? "",
    promptTokens: body.usage.prompt_tokens,
    cachedTokens,
  };
}

describe("prompt cache on the real model", () => {
  it("loads an overwritten system prompt's state back instead of evaluating it again", async () => {
    for (const server of [cached, uncached]) {
      await ask(server, SYSTEM, "How often should I oil the chain?");
      await ask(server, OTHER, "lemons");
    }
    const withCache = await ask(cached, SYSTEM, "What does a derailleur do?");
    const without = await ask(uncached, SYSTEM, "What does a derailleur do?");
    // The system prompt is most of the prompt: the cache covers it, the lone sequence (holding OTHER) does not.
    expect(withCache.promptTokens).toBe(without.promptTokens);
    expect(withCache.cachedTokens).toBeGreaterThan(withCache.promptTokens * 0.6);
    expect(without.cachedTokens).toBeLessThan(10);
    expect(withCache.answer.length).toBeGreaterThan(0);
    expect(withCache.answer).toBe(without.answer);
  });

  it("gives a second conversation on a system prompt that a busy sequence holds the state saved when the first ended", async () => {
    const server = await startTestServer({
      SEQUENCES: "2",
      THREADS: "1",
      CONTEXT_SIZE: "1024",
      PROMPT_CACHE_MB: "64",
    });
    try {
      await ask(server, SYSTEM, "How often should I oil the chain?");
      // The sequence holding SYSTEM is busy with a long stream; the next SYSTEM conversation gets the empty one.
      const busy = await chat(server, SYSTEM, "Describe every part of a bicycle in detail.", 400, true);
      expect(busy.status).toBe(200);
      const events = sseEvents(busy);
      await events.next();
      const second = await ask(server, SYSTEM, "What does a derailleur do?");
      expect(second.cachedTokens).toBeGreaterThan(second.promptTokens * 0.6);
      for await (const e of events) void e;
    } finally {
      await server.close();
    }
  });
});
