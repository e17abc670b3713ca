// Load on one real server, and the load as the endpoint picker reads it from the server's /metrics.
import { METRICS } from "../../../inference/src/metrics/names.js";
import { scrape, sum } from "../../inference/support/metrics.js";

/**
 * `n` long streaming chat requests to `base` (with SEQUENCES=1 one runs and the rest queue), read as they come so
 * the server keeps writing. Bounded: aborted by stop(), and after 170 s in any case.
 */
export function loadServer(
  base: string,
  apiKey: string,
  model: string,
  n: number,
): { stop(): Promise<void> } {
  const abort = new AbortController();
  const streams = Array.from({ length: n }, async (_, i) => {
    const res = await fetch(`${base}/v1/chat/completions`, {
      method: "POST",
      signal: abort.signal,
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({
        model,
        messages: [{ role: "user", content: `Count from 1 to 1000, one number per line. (${i})` }],
        max_tokens: 700,
        stream: true,
      }),
    });
    for await (const chunk of res.body ?? []) void chunk;
  });
  const settled = Promise.allSettled(streams);
  const timer = setTimeout(() => abort.abort(), 170_000);
  return {
    async stop() {
      clearTimeout(timer);
      abort.abort();
      await settled;
    },
  };
}

/** Queue depth and share of slots in use, the two series the platform's picker flags name. */
export async function serverLoad(base: string): Promise<{ waiting: number; slots: number }> {
  const samples = await scrape(base);
  return { waiting: sum(samples, METRICS.requestsWaiting), slots: sum(samples, METRICS.kvCacheUsage) };
}
