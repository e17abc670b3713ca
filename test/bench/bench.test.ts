// The pure parts of `npm run bench`: settings parsing, the prompt sets, the statistics, the result and ratio
// tables, llama-server's command line, the sequence pool and the SVG chart. The benchmark itself (real engines,
// timings) is not a test: it has no pass/fail threshold.
import { describe, expect, it } from "vitest";
import { renderPanels, servingChart, tickStep } from "../../inference/bench/chart.js";
import { arrivalClock, type Completion } from "../../inference/bench/engine.js";
import { llamaServerArgs } from "../../inference/bench/llama-server-engine.js";
import { Pool } from "../../inference/bench/pool.js";
import { benchPrompt, QUESTIONS, SYSTEM_PROMPT } from "../../inference/bench/prompts.js";
import {
  aggregate,
  counterDelta,
  markdownTable,
  ratioCells,
  ratios,
  textReport,
  type RoundSample,
} from "../../inference/bench/report.js";
import { loadSettings, SettingsError } from "../../inference/bench/settings.js";
import { percentile } from "../../inference/bench/stats.js";

const completion = (ttft: number, itl: number[], tokens: number): Completion => ({ ttft, itl, tokens });

function sample(over: Partial<RoundSample>): RoundSample {
  return {
    kind: "shared",
    concurrency: 2,
    engine: "server",
    round: 1,
    seconds: 1,
    completions: [completion(0.1, [0.01, 0.02], 10)],
    decode: undefined,
    ...over,
  };
}

describe("settings", () => {
  it("defaults to 8 slots x 1024 tokens, batch 512, one thread, levels 1..16, all engines and prompt sets", () => {
    const s = loadSettings({});
    expect(s).toMatchObject({
      levels: [1, 2, 4, 8, 16],
      sequences: 8,
      contextPerSequence: 1024,
      batchSize: 512,
      threads: 1,
      engines: ["server", "llama-server", "direct"],
      kinds: ["shared", "unique"],
      outDir: "docs/bench",
    });
  });

  it("reads the knobs and keeps the engines in their canonical order", () => {
    const s = loadSettings({
      BENCH_LEVELS: "4, 1,4",
      BENCH_ROUNDS: "2",
      BENCH_MAX_TOKENS: "32",
      BENCH_ENGINES: "direct,server",
      BENCH_PROMPTS: "unique",
      THREADS: "2",
    });
    expect(s).toMatchObject({ levels: [4, 1], rounds: 2, maxTokens: 32, threads: 2, kinds: ["unique"] });
    expect(s.engines).toEqual(["server", "direct"]);
  });

  it.each([
    ["BENCH_LEVELS", "1,x"],
    ["BENCH_LEVELS", "0"],
    ["BENCH_ROUNDS", "-1"],
    ["BENCH_MAX_TOKENS", "100000"],
    ["BENCH_ENGINES", "server,vllm"],
    ["THREADS", "1.5"],
  ])("rejects %s=%s naming the variable", (name, value) => {
    expect(() => loadSettings({ [name]: value })).toThrow(SettingsError);
    expect(() => loadSettings({ [name]: value })).toThrow(new RegExp(`invalid ${name}=`));
  });
});

describe("prompts", () => {
  it("shared prompts all carry the same system prompt; questions rotate", () => {
    const a = benchPrompt("shared", 1);
    const b = benchPrompt("shared", 2);
    expect(a.system).toBe(SYSTEM_PROMPT);
    expect(b.system).toBe(SYSTEM_PROMPT);
    expect(a.user).not.toBe(b.user);
    expect(benchPrompt("shared", 1 + QUESTIONS.length).user).toBe(a.user);
  });

  it("unique prompts differ from the first words on, at the same length", () => {
    const systems = Array.from({ length: 50 }, (_, i) => benchPrompt("unique", i).system);
    expect(new Set(systems.map((s) => s.slice(0, 12))).size).toBe(50);
    expect(new Set(systems.map((s) => s.length)).size).toBe(1);
    expect(systems[0]?.endsWith(SYSTEM_PROMPT)).toBe(true);
  });
});

describe("statistics and the report", () => {
  it("percentile is nearest-rank and NaN on no samples", () => {
    expect(percentile([3, 1, 2, 4], 50)).toBe(2);
    expect(percentile([3, 1, 2, 4], 99)).toBe(4);
    expect(percentile([], 50)).toBeNaN();
  });

  it("arrivalClock: the first arrival is TTFT, later ones are gaps", () => {
    const times = [1000, 1200, 1250, 1400];
    const clock = arrivalClock(() => times.shift() as number);
    clock.arrived();
    clock.arrived();
    clock.arrived();
    expect(clock.result.ttft).toBeCloseTo(0.2);
    expect(clock.result.itl.map((x) => Math.round(x * 1000))).toEqual([50, 150]);
  });

  it("aggregates rounds: tokens over summed wall time, percentiles over all requests, sequences per step", () => {
    const rows = aggregate([
      sample({
        seconds: 2,
        completions: [completion(0.1, [0.01], 30), completion(0.3, [0.03], 30)],
        decode: { steps: 10, sequences: 15 },
      }),
      sample({
        round: 2,
        seconds: 1,
        completions: [completion(0.2, [0.02], 30)],
        decode: { steps: 10, sequences: 25 },
      }),
      sample({ engine: "direct", completions: [completion(0.05, [], 10)] }),
    ]);
    expect(rows).toHaveLength(2);
    const server = rows.find((r) => r.engine === "server");
    expect(server).toMatchObject({
      requests: 3,
      tokens: 90,
      seconds: 3,
      tokPerS: 30,
      ttftP50: 0.2,
      ttftP99: 0.3,
      itlP50: 0.02,
      seqPerStep: 2,
    });
    expect(rows.find((r) => r.engine === "direct")?.seqPerStep).toBeNull();
  });

  it("counterDelta is undefined unless both scrapes have counters", () => {
    expect(counterDelta({ steps: 1, sequences: 2 }, { steps: 5, sequences: 10 })).toEqual({
      steps: 4,
      sequences: 8,
    });
    expect(counterDelta(undefined, { steps: 5, sequences: 10 })).toBeUndefined();
  });

  it("ratios are server / llama-server and server / direct, n/a where an engine is missing", () => {
    const rows = aggregate([
      sample({ seconds: 1, completions: [completion(0.2, [0.02], 50)] }),
      sample({ engine: "llama-server", seconds: 1, completions: [completion(0.1, [0.01], 100)] }),
      sample({ engine: "direct", seconds: 1, completions: [completion(0.1, [0.01], 25)] }),
      sample({ concurrency: 4, seconds: 1, completions: [completion(0.2, [0.02], 50)] }),
    ]);
    const r = ratios(rows);
    expect(r[0]).toMatchObject({
      concurrency: 2,
      tokPerS: 0.5,
      ttftP50: 2,
      ttftP99: 2,
      itlP50: 2,
      tokPerSVsDirect: 2,
    });
    expect(r[1]).toMatchObject({ concurrency: 4, tokPerS: null, tokPerSVsDirect: null });
    expect(ratioCells(r)[1]).toEqual(["shared", "4", "n/a", "n/a", "n/a", "n/a", "n/a"]);
    const text = textReport(rows, r);
    expect(text).toContain("tok/s srv/llama");
    expect(text.split("\n")[1]).toMatch(
      /shared\s+2\s+server\s+1\s+0\s+50\.0\s+200\.0\s+200\.0\s+20\.0\s+n\/a/,
    );
  });

  it("counts failed requests per row, apart from the measured ones", () => {
    const rows = aggregate([
      sample({ seconds: 1, completions: [completion(0.2, [0.02], 50)], failed: 1 }),
      sample({ seconds: 1, completions: [], failed: 2 }),
    ]);
    expect(rows[0]).toMatchObject({ requests: 1, failed: 3, tokens: 50 });
  });

  it("markdownTable pads columns and adds the separator row", () => {
    expect(markdownTable(["a", "bb"], [["1", "2"]])).toBe("| a   | bb  |\n| --- | --- |\n| 1   | 2   |");
  });
});

describe("llama-server command line", () => {
  it("matches our server's settings: -np slots, -c = slots x context per slot, batch, threads, metrics", () => {
    const args = llamaServerArgs(loadSettings({ MODEL: "/m.gguf", THREADS: "2" }), 4321);
    const value = (flag: string) => args[args.indexOf(flag) + 1];
    expect(value("-m")).toBe("/m.gguf");
    expect(value("-np")).toBe("8");
    expect(value("-c")).toBe("8192");
    expect([value("-b"), value("-ub")]).toEqual(["512", "512"]);
    expect([value("-t"), value("-tb")]).toEqual(["2", "2"]);
    expect([value("--host"), value("--port")]).toEqual(["127.0.0.1", "4321"]);
    expect(args).toContain("--metrics");
  });
});

describe("sequence pool", () => {
  it("hands out the most recently released item first and queues callers in order", async () => {
    const pool = new Pool(["a", "b"]);
    const first = await pool.acquire();
    expect(first).toBe("b");
    expect(await pool.acquire()).toBe("a");
    const order: string[] = [];
    const w1 = pool.acquire().then((x) => order.push(`1:${x}`));
    const w2 = pool.acquire().then((x) => order.push(`2:${x}`));
    pool.release("a");
    pool.release("b");
    await Promise.all([w1, w2]);
    expect(order).toEqual(["1:a", "2:b"]);
  });
});

describe("chart", () => {
  const rows = aggregate([
    sample({ concurrency: 1, completions: [completion(0.1, [], 40)] }),
    sample({ concurrency: 1, engine: "llama-server", completions: [completion(0.1, [], 50)] }),
    sample({ concurrency: 2, completions: [completion(0.2, [], 60)] }),
    sample({ concurrency: 2, engine: "llama-server", completions: [completion(Number.NaN, [], 0)] }),
  ]);

  it("draws tok/s and TTFT p99 panels with one bar per engine and level, skipping values it does not have", () => {
    const svg = servingChart(rows, "test run");
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
    expect(svg).toContain("output tok/s, shared system prompt");
    expect(svg).toContain("TTFT p99 ms, shared system prompt");
    expect(svg).not.toContain("NaN");
    // 4 tok/s bars (the 0-token round still has a rate of 0) + 3 TTFT bars (one TTFT is NaN), + 2 legend boxes.
    const bars = svg.match(/<rect x="[\d.]+" y="[\d.]+" width="[\d.]+" height="[\d.]+" fill="#/g) ?? [];
    expect(bars).toHaveLength(4 + 3 + 2);
    expect(svg).toContain("our server (HTTP + SSE)");
    expect(svg).not.toContain("node-llama-cpp in-process"); // not measured, not in the legend
  });

  it("escapes text", () => {
    const svg = renderPanels("a < b & c", [{ title: "<t>", categories: [1], xLabel: "x", series: [] }]);
    expect(svg).toContain("a &lt; b &amp; c");
    expect(svg).toContain("&lt;t&gt;");
  });
});

describe("chart ticks", () => {
  it.each([
    [100, 25],
    [91_500, 25_000],
    [31, 10],
    [7.9, 2],
    [4000, 1000],
    [0.3, 0.1],
  ])("tickStep(%d) = %d", (top, step) => {
    expect(tickStep(top)).toBeCloseTo(step);
    expect(tickStep(top) * 4).toBeGreaterThanOrEqual(top);
  });
});
