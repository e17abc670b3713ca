// npm run bench: our server (a) against llama.cpp's llama-server (b) and node-llama-cpp in-process (c), on the
// same GGUF with the same threads, slots x context and batch, temperature 0, streaming. Per concurrency level
// (1, 2, 4, 8, 16) and prompt set (a shared long system prompt; unique prompts) it runs BENCH_ROUNDS rounds,
// each engine in turn within a round (a, b, c, a, b, c, ...), so a busy neighbour on a shared machine skews
// all of them alike. Reports aggregate output tok/s, TTFT p50/p99, ITL p50, sequences per decode step, and the
// ratios server / llama-server; writes docs/bench/serving.json and serving.svg. Not a pass/fail check.
// Knobs: see settings.ts and docs/inference.md ("Benchmark").
import { mkdirSync, writeFileSync } from "node:fs";
import { format, resolveConfig } from "prettier";
import { cpus, loadavg } from "node:os";
import { isAbsolute, relative, resolve } from "node:path";
import { REPO_ROOT } from "../../test/inference/support/server.js";
import { servingChart } from "./chart.js";
import { startDirectEngine } from "./direct-engine.js";
import type { BenchEngine } from "./engine.js";
import { startLlamaServerEngine } from "./llama-server-engine.js";
import { benchPrompt } from "./prompts.js";
import { aggregate, counterDelta, ratios, textReport, type RoundSample } from "./report.js";
import { startServerEngine } from "./server-engine.js";
import { amxVariants } from "./cpu-variant.js";
import { loadSettings, type BenchSettings, type EngineId, type PromptKind } from "./settings.js";

const STARTERS: Record<EngineId, (s: BenchSettings) => Promise<BenchEngine>> = {
  server: startServerEngine,
  "llama-server": startLlamaServerEngine,
  direct: startDirectEngine,
};

const progress = (line: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);

/** One engine's round: `concurrency` clients, each sending `s.requestsPerClient` requests back to back. */
async function runRound(
  engine: BenchEngine,
  s: BenchSettings,
  at: { kind: PromptKind; concurrency: number; round: number; firstSerial: number },
): Promise<RoundSample> {
  const before = await engine.decodeCounters();
  const started = performance.now();
  let failed = 0;
  const lanes = Array.from({ length: at.concurrency }, async (_, lane) => {
    const done = [];
    for (let i = 0; i < s.requestsPerClient; i++) {
      const prompt = benchPrompt(at.kind, at.firstSerial + lane * s.requestsPerClient + i);
      // A failed or timed-out request is counted and the client goes on: one slow answer must not end the run.
      try {
        done.push(await engine.complete(prompt, s.maxTokens, AbortSignal.timeout(s.requestTimeoutMs)));
      } catch (err) {
        failed++;
        progress(
          `${engine.id}: request ${at.firstSerial + lane * s.requestsPerClient + i} failed: ${String(err)}`,
        );
      }
    }
    return done;
  });
  const completions = (await Promise.all(lanes)).flat();
  const seconds = (performance.now() - started) / 1000;
  const decode = counterDelta(before, await engine.decodeCounters());
  return { ...at, engine: engine.id, seconds, completions, failed, decode };
}

/** The command that reproduces this run (the knobs that were set), for the JSON and the docs. */
function command(): string {
  const knobs = Object.entries(process.env)
    .filter(([k]) => k.startsWith("BENCH_") || k === "THREADS" || k === "MODEL" || k === "LLAMA_SERVER")
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`);
  return [...knobs, "npm run bench"].join(" ");
}

/** Writes serving.json and serving.svg from the rounds so far; returns the aggregated rows. */
async function writeResults(
  s: BenchSettings,
  outDir: string,
  engines: readonly BenchEngine[],
  samples: readonly RoundSample[],
  loadBefore: number[],
  status: string,
) {
  const rows = aggregate(samples);
  const ratioRows = ratios(rows);
  const cmd = command();
  mkdirSync(outDir, { recursive: true });
  const json = {
    generatedAt: new Date().toISOString(),
    status,
    command: cmd,
    note: "times in seconds; tokPerS = all output tokens / all rounds' wall time; ratios are server / llama-server",
    settings: { ...s, outDir: relative(REPO_ROOT, outDir) || "." },
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? "unknown",
      loadavgBefore: loadBefore,
      loadavgAfter: loadavg(),
    },
    engines: engines.map((e) => ({ id: e.id, description: e.description })),
    results: rows,
    ratios: ratioRows,
    rounds: samples.map((x) => ({
      kind: x.kind,
      concurrency: x.concurrency,
      engine: x.engine,
      round: x.round,
      seconds: x.seconds,
      requests: x.completions.length,
      tokens: x.completions.reduce((a, c) => a + c.tokens, 0),
      decode: x.decode ?? null,
    })),
  };
  // Formatted as the repository's prettier config wants it, so `npm run format:check` stays green after a run.
  const jsonPath = resolve(outDir, "serving.json");
  const options = (await resolveConfig(jsonPath)) ?? {};
  writeFileSync(jsonPath, await format(JSON.stringify(json), { ...options, parser: "json" }));
  writeFileSync(
    resolve(outDir, "serving.svg"),
    servingChart(
      rows,
      `${s.threads} thread(s), ${s.sequences} x ${s.contextPerSequence} tokens, max_tokens ${s.maxTokens}, ${s.rounds} rounds`,
    ),
  );
  progress(`wrote ${resolve(outDir, "serving.json")} and serving.svg (${status}; ${cmd})`);
  return { rows, ratioRows };
}

async function main() {
  const s = loadSettings();
  const amx = amxVariants(resolve(REPO_ROOT, "node_modules"));
  if (amx.length > 0 && s.engines.some((e) => e !== "llama-server"))
    throw new Error(
      `node-llama-cpp would load its AMX CPU variant (${amx[0]}) while llama-server runs with --no-repack: ` +
        "run inference/scripts/drop-amx-cpu-variant.sh first, so every engine uses the same kernels",
    );
  const outDir = isAbsolute(s.outDir) ? s.outDir : resolve(REPO_ROOT, s.outDir);
  const roundsTotal = s.levels.length * s.rounds * s.kinds.length * s.engines.length;
  progress(
    `${s.engines.join(", ")}; levels ${s.levels.join(",")}; ${s.rounds} rounds x ${s.requestsPerClient} requests per client; ` +
      `max_tokens ${s.maxTokens}; ${s.sequences} sequences x ${s.contextPerSequence} tokens, batch ${s.batchSize}, threads ${s.threads}; ` +
      `${roundsTotal} engine-rounds`,
  );
  const loadBefore = loadavg();
  const engines: BenchEngine[] = [];
  try {
    for (const id of s.engines) {
      progress(`starting ${id}`);
      const engine = await STARTERS[id](s);
      engines.push(engine);
      // One unmeasured request each: the first one pays for lazy set-up (graph allocation, JIT, caches).
      await engine.complete(benchPrompt("shared", 0), 8, AbortSignal.timeout(s.requestTimeoutMs));
      progress(`${id} ready: ${engine.description}`);
    }
    const samples: RoundSample[] = [];
    let serial = 1;
    let n = 0;
    for (const concurrency of s.levels) {
      for (let round = 1; round <= s.rounds; round++) {
        for (const kind of s.kinds) {
          // Every engine of a round gets the same prompts; the next round gets new ones.
          const firstSerial = serial;
          serial += concurrency * s.requestsPerClient;
          for (const engine of engines) {
            const sample = await runRound(engine, s, { kind, concurrency, round, firstSerial });
            samples.push(sample);
            const tokens = sample.completions.reduce((a, c) => a + c.tokens, 0);
            progress(
              `[${++n}/${roundsTotal}] conc ${concurrency} round ${round} ${kind} ${engine.id}: ` +
                `${sample.completions.length} requests, ${tokens} tokens, ${(tokens / sample.seconds).toFixed(1)} tok/s`,
            );
          }
        }
      }
      // After every level, so an interrupted run (or one cut short on a busy machine) leaves its figures.
      if (concurrency !== s.levels[s.levels.length - 1])
        await writeResults(s, outDir, engines, samples, loadBefore, `partial: levels up to ${concurrency}`);
    }
    const { rows, ratioRows } = await writeResults(s, outDir, engines, samples, loadBefore, "complete");
    console.log(textReport(rows, ratioRows));
  } finally {
    for (const e of engines.reverse())
      await e.close().catch((err: unknown) => progress(`closing ${e.id}: ${String(err)}`));
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
