// Engine (a): our server (inference/src/main.ts) as a child process, started the way the test suites start
// it, with the benchmark's slots, context, batch and thread settings.
import { find, scrape, sum } from "../../test/inference/support/metrics.js";
import { startTestServer } from "../../test/inference/support/server.js";
import type { BenchEngine } from "./engine.js";
import { streamChat } from "./openai-stream.js";
import type { BenchSettings } from "./settings.js";

/** Added by the engine work: one sample per llama_decode step, and the sequences that step carried. */
export const DECODE_STEPS = "genai_decode_steps_total";
export const DECODE_SEQUENCES = "genai_decode_sequences_total";

export async function startServerEngine(s: BenchSettings): Promise<BenchEngine> {
  const env = {
    MODEL: s.model,
    SEQUENCES: String(s.sequences),
    CONTEXT_SIZE: String(s.contextPerSequence),
    BATCH_SIZE: String(s.batchSize),
    THREADS: String(s.threads),
    // Room for every client of the highest level, so no request is refused: llama-server queues without bound.
    QUEUE_SIZE: String(Math.max(64, ...s.levels)),
    MAX_TOKENS_CAP: String(Math.max(2048, s.maxTokens)),
    REQUEST_TIMEOUT_MS: String(s.requestTimeoutMs),
  };
  const server = await startTestServer(env);
  const models = await fetch(`${server.url}/v1/models`, {
    headers: { authorization: `Bearer ${server.apiKey}` },
  });
  const model = ((await models.json()) as { data: { id: string }[] }).data[0]?.id ?? "";
  const headers = { authorization: `Bearer ${server.apiKey}` };
  return {
    id: "server",
    description: `inference/src/main.ts (pid ${server.child.pid}) with ${Object.entries(env)
      .map(([k, v]) => `${k}=${v}`)
      .join(" ")}`,
    complete: (prompt, maxTokens, signal) =>
      streamChat(server.url, { apiKey: server.apiKey, model, prompt, maxTokens, signal }),
    async decodeCounters() {
      const samples = await scrape(server.url, headers);
      if (find(samples, DECODE_STEPS).length === 0) return undefined;
      return { steps: sum(samples, DECODE_STEPS), sequences: sum(samples, DECODE_SEQUENCES) };
    },
    close: () => server.close(),
  };
}
