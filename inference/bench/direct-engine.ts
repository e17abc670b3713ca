// Engine (c): node-llama-cpp driven in this process, with no HTTP in between: the same model, one context with
// the same sequences x context, batch and threads. A request waits for a free sequence (like a queued request
// on the servers) and generates on it with LlamaChat, temperature 0 (node-llama-cpp's default).
import { getLlama, LlamaChat, resolveChatWrapper, type LlamaContextSequence } from "node-llama-cpp";
import { arrivalClock, type BenchEngine } from "./engine.js";
import { Pool } from "./pool.js";
import type { BenchSettings } from "./settings.js";

export async function startDirectEngine(s: BenchSettings): Promise<BenchEngine> {
  const llama = await getLlama({ gpu: "auto" });
  const model = await llama.loadModel({ modelPath: s.model });
  const context = await model.createContext({
    sequences: s.sequences,
    contextSize: s.contextPerSequence,
    batchSize: s.batchSize,
    threads: s.threads,
  });
  const pool = new Pool<LlamaContextSequence>(
    Array.from({ length: s.sequences }, () => context.getSequence()),
  );
  // Resolved once: letting every LlamaChat resolve "auto" itself made generation about 4x slower.
  const chatWrapper = resolveChatWrapper(model);
  return {
    id: "direct",
    description: `node-llama-cpp in-process: createContext({ sequences: ${s.sequences}, contextSize: ${s.contextPerSequence}, batchSize: ${s.batchSize}, threads: ${s.threads} })`,
    async complete(prompt, maxTokens, signal) {
      // The clock starts before the wait for a sequence, as a server's TTFT includes its queue.
      const clock = arrivalClock();
      const sequence = await pool.acquire();
      const chat = new LlamaChat({ contextSequence: sequence, chatWrapper });
      try {
        await chat.generateResponse(
          [
            { type: "system", text: prompt.system },
            { type: "user", text: prompt.user },
            { type: "model", response: [] },
          ],
          {
            maxTokens,
            signal,
            onToken: (tokens) => {
              clock.arrived();
              clock.result.tokens += tokens.length;
            },
          },
        );
        return clock.result;
      } finally {
        chat.dispose({ disposeSequence: false });
        pool.release(sequence);
      }
    },
    decodeCounters: () => Promise.resolve(undefined),
    async close() {
      await context.dispose();
      await model.dispose();
      await llama.dispose();
    },
  };
}
