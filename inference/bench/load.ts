// npm run load: drives three times the server's capacity for 60 s (LOAD_SECONDS) against the real server on the
// default model and checks that every request is answered: 200, or 429/503 carrying Retry-After; none lost or
// hung. Reports the p99 latency of admitted requests and the server's memory before and after.
import { postJson } from "../../test/inference/support/http.js";
import { scrape, sum } from "../../test/inference/support/metrics.js";
import { startTestServer } from "../../test/inference/support/server.js";
import { mib, percentile, sleep, table } from "./stats.js";

const SECONDS = Number(process.env.LOAD_SECONDS ?? 60);
const SEQUENCES = Number(process.env.LOAD_SEQUENCES ?? 4);
const QUEUE = Number(process.env.LOAD_QUEUE ?? 4);
const HANG_MS = 120_000;

async function memory(url: string): Promise<number> {
  return sum(await scrape(url), "process_resident_memory_bytes");
}

async function main() {
  const server = await startTestServer({
    SEQUENCES: String(SEQUENCES),
    QUEUE_SIZE: String(QUEUE),
    THREADS: process.env.THREADS ?? "1",
  });
  const models = await fetch(`${server.url}/v1/models`, {
    headers: { authorization: `Bearer ${server.apiKey}` },
  });
  const model = ((await models.json()) as { data: { id: string }[] }).data[0]?.id ?? "";
  const rssBefore = await memory(server.url);
  const clients = 3 * (SEQUENCES + QUEUE);
  console.log(
    `load: ${clients} clients (3 x (${SEQUENCES} sequences + ${QUEUE} queue places)) for ${SECONDS} s`,
  );

  const statuses = new Map<string, number>();
  const admitted: number[] = [];
  let missingRetryAfter = 0;
  let hung = 0;
  let lost = 0;
  const end = Date.now() + SECONDS * 1000;
  const client = async (i: number) => {
    while (Date.now() < end) {
      const started = performance.now();
      try {
        const res = await postJson(
          `${server.url}/v1/chat/completions`,
          {
            model,
            messages: [{ role: "user", content: `Tell me fact number ${i} about space.` }],
            max_tokens: 32,
          },
          { key: server.apiKey, signal: AbortSignal.timeout(HANG_MS) },
        );
        await res.arrayBuffer();
        statuses.set(String(res.status), (statuses.get(String(res.status)) ?? 0) + 1);
        if (res.status === 200) admitted.push((performance.now() - started) / 1000);
        else if (res.status === 429 || res.status === 503) {
          if (!res.headers.get("retry-after")) missingRetryAfter++;
          await sleep(100 + Math.random() * 200); // keep the pressure on, but don't spin
        } else lost++;
      } catch (err) {
        if ((err as Error).name === "TimeoutError") hung++;
        else lost++;
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, (_, i) => client(i)));
  await sleep(500);
  const samples = await scrape(server.url);
  const rssAfter = sum(samples, "process_resident_memory_bytes");
  const running = sum(samples, "genai_requests_running");
  const waiting = sum(samples, "genai_requests_waiting");
  await server.close();

  const total = [...statuses.values()].reduce((a, b) => a + b, 0);
  console.log(
    table([
      [
        "requests",
        "200",
        "429",
        "503",
        "other/lost",
        "hung",
        "no Retry-After",
        "p50 s",
        "p99 s",
        "RSS before",
        "RSS after",
      ],
      [
        total,
        statuses.get("200") ?? 0,
        statuses.get("429") ?? 0,
        statuses.get("503") ?? 0,
        lost,
        hung,
        missingRetryAfter,
        percentile(admitted, 50).toFixed(2),
        percentile(admitted, 99).toFixed(2),
        mib(rssBefore),
        mib(rssAfter),
      ],
    ]),
  );
  const ok = lost === 0 && hung === 0 && missingRetryAfter === 0 && running === 0 && waiting === 0;
  console.log(ok ? "load: PASS (every request answered)" : "load: FAIL");
  process.exit(ok ? 0 : 1);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
