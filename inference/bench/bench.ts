// npm run bench: for concurrency 1, 2, 4, 8 measures TTFT, inter-token latency, output tokens/s and requests/s
// (a) driving node-llama-cpp directly in this process (one context, one sequence per worker: the baseline) and
// (b) through the server over HTTP with SSE, same model, context and thread settings. Prints both and the
// ratio server/direct, and writes docs/bench.svg. Not a CI pass/fail.
import { LlamaChat, getLlama, resolveChatWrapper } from "node-llama-cpp";
import { writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { postJson, sseEvents } from "../../test/inference/support/http.js";
import { REPO_ROOT, startTestServer } from "../../test/inference/support/server.js";
import { renderChart } from "./chart.js";
import { ms, percentile, table } from "./stats.js";

const LEVELS = (process.env.BENCH_CONCURRENCY ?? "1,2,4,8").split(",").map(Number);
const MAX_TOKENS = Number(process.env.BENCH_MAX_TOKENS ?? 48);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3); // requests per worker per level
const THREADS = Number(process.env.THREADS ?? 1);
const CONTEXT = 1024;
const SEQUENCES = Math.max(...LEVELS);
const MODEL_PATH =
  process.env.MODEL ??
  join(homedir(), ".cache", "genai-platform", "models", "SmolLM2-135M-Instruct.Q4_1.gguf");
const PROMPT = "Write a long story about a lighthouse keeper.";

export interface Run {
  ttft: number[];
  itl: number[];
  tokens: number;
  requests: number;
  seconds: number;
}

export interface LevelResult {
  concurrency: number;
  direct: Run;
  server: Run;
}

/** Runs `worker` on `concurrency` lanes, ROUNDS times each, and aggregates the timings. */
async function runLevel(
  concurrency: number,
  worker: (lane: number, run: Run) => Promise<void>,
): Promise<Run> {
  const run: Run = { ttft: [], itl: [], tokens: 0, requests: 0, seconds: 0 };
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, lane) => {
      for (let r = 0; r < ROUNDS; r++) await worker(lane, run);
    }),
  );
  run.seconds = (performance.now() - started) / 1000;
  return run;
}

/** Records one token arrival into the run. */
function timer(run: Run) {
  const start = performance.now();
  let last: number | undefined;
  return (tokens: number) => {
    const now = performance.now();
    if (last === undefined) run.ttft.push((now - start) / 1000);
    else run.itl.push((now - last) / 1000);
    last = now;
    run.tokens += tokens;
  };
}

/** The baseline: the same model and context settings, driven in this process with no HTTP in between. */
async function setupDirect() {
  const llama = await getLlama({ gpu: "auto" });
  const model = await llama.loadModel({ modelPath: MODEL_PATH });
  const context = await model.createContext({ sequences: SEQUENCES, contextSize: CONTEXT, threads: THREADS });
  const sequences = Array.from({ length: SEQUENCES }, () => context.getSequence());
  const chatWrapper = resolveChatWrapper(model);
  return {
    level: (c: number) =>
      runLevel(c, async (lane, run) => {
        const chat = new LlamaChat({
          contextSequence: sequences[lane] as (typeof sequences)[number],
          chatWrapper,
        });
        const tick = timer(run);
        await chat.generateResponse(
          [
            { type: "user", text: PROMPT },
            { type: "model", response: [] },
          ],
          {
            maxTokens: MAX_TOKENS,
            onToken: (t) => tick(t.length),
          },
        );
        chat.dispose();
        run.requests++;
      }),
    close: async () => {
      await context.dispose();
      await model.dispose();
      await llama.dispose();
    },
  };
}

/** The server as a child process, driven over HTTP with SSE streaming. */
async function setupServer() {
  const server = await startTestServer({
    SEQUENCES: String(SEQUENCES),
    CONTEXT_SIZE: String(CONTEXT),
    THREADS: String(THREADS),
    MODEL: MODEL_PATH,
  });
  return {
    level: (c: number) =>
      runLevel(c, async (_lane, run) => {
        const tick = timer(run);
        const res = await postJson(
          `${server.url}/v1/chat/completions`,
          {
            model: "SmolLM2-135M-Instruct.Q4_1",
            messages: [{ role: "user", content: PROMPT }],
            max_tokens: MAX_TOKENS,
            stream: true,
            stream_options: { include_usage: true },
          },
          { key: server.apiKey },
        );
        if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
        for await (const data of sseEvents(res)) {
          // Timing from the text chunks (the role-only first chunk carries none); the token count from usage.
          if (data.includes('"content":"') && !data.includes('"content":""')) tick(0);
          const usage = /"completion_tokens":(\d+)/.exec(data);
          if (usage) run.tokens += Number(usage[1]);
        }
        run.requests++;
      }),
    close: () => server.close(),
  };
}

const tokPerS = (r: Run) => r.tokens / r.seconds;

async function main() {
  console.log(
    `bench: concurrency ${LEVELS.join(",")}, ${ROUNDS} requests per worker, max_tokens ${MAX_TOKENS}, threads ${THREADS}`,
  );
  // Both are loaded up front and run level by level, alternating, so a busy neighbour on a shared machine
  // skews both sides alike; only one of them is generating at any time.
  const server = await setupServer();
  const direct = await setupDirect();
  const results: LevelResult[] = [];
  for (const c of LEVELS) {
    const d = await direct.level(c);
    const s = await server.level(c);
    results.push({ concurrency: c, direct: d, server: s });
  }
  await direct.close();
  await server.close();
  const rows: (string | number)[][] = [
    ["conc", "mode", "TTFT p50 ms", "TTFT p99 ms", "ITL p50 ms", "ITL p99 ms", "tok/s", "req/s"],
  ];
  for (const r of results) {
    for (const [mode, run] of [
      ["direct", r.direct],
      ["server", r.server],
    ] as const) {
      rows.push([
        r.concurrency,
        mode,
        ms(percentile(run.ttft, 50)),
        ms(percentile(run.ttft, 99)),
        ms(percentile(run.itl, 50)),
        ms(percentile(run.itl, 99)),
        tokPerS(run).toFixed(1),
        (run.requests / run.seconds).toFixed(2),
      ]);
    }
  }
  console.log(table(rows));
  console.log();
  const ratios: (string | number)[][] = [["conc", "tok/s server/direct", "TTFT p50 overhead ms"]];
  for (const r of results) {
    ratios.push([
      r.concurrency,
      (tokPerS(r.server) / tokPerS(r.direct)).toFixed(3),
      ms(percentile(r.server.ttft, 50) - percentile(r.direct.ttft, 50)),
    ]);
  }
  console.log(table(ratios));
  const svgPath = resolve(REPO_ROOT, "docs/bench.svg");
  writeFileSync(
    svgPath,
    renderChart(
      results.map((r) => ({
        concurrency: r.concurrency,
        direct: tokPerS(r.direct),
        server: tokPerS(r.server),
      })),
    ),
  );
  console.log(`chart: ${svgPath}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
