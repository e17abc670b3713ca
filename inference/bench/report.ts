// Turns the measured rounds into per-(prompt kind, concurrency, engine) figures, the ratios of our server to
// llama-server (and to node-llama-cpp direct), and the printed/markdown tables. Pure: unit-tested.
import type { Completion, DecodeCounters } from "./engine.js";
import type { EngineId, PromptKind } from "./settings.js";
import { percentile, table } from "./stats.js";

/** One engine's part of one round: `concurrency` clients, each sending its requests back to back. */
export interface RoundSample {
  kind: PromptKind;
  concurrency: number;
  engine: EngineId;
  round: number;
  /** Wall time of the round, first request sent to last answer received. */
  seconds: number;
  completions: Completion[];
  /** Requests that failed (an HTTP error or BENCH_REQUEST_TIMEOUT_MS passed): counted, not measured. @default 0 */
  failed?: number;
  /** How much the engine's decode counters moved during the round; undefined when it has none. */
  decode: DecodeCounters | undefined;
}

export interface ResultRow {
  kind: PromptKind;
  concurrency: number;
  engine: EngineId;
  requests: number;
  /** Requests that failed; their tokens are not counted. */
  failed: number;
  tokens: number;
  seconds: number;
  /** Aggregate output tokens per second: all tokens over all rounds' wall time. */
  tokPerS: number;
  ttftP50: number;
  ttftP99: number;
  itlP50: number;
  /** Sequences per decode step over the rounds; null when the engine does not count them. */
  seqPerStep: number | null;
}

export interface RatioRow {
  kind: PromptKind;
  concurrency: number;
  /** server / llama-server; above 1 is better for throughput, below 1 better for latency. */
  tokPerS: number | null;
  ttftP50: number | null;
  ttftP99: number | null;
  itlP50: number | null;
  /** server / node-llama-cpp direct throughput: what the HTTP layer and scheduling cost. */
  tokPerSVsDirect: number | null;
}

export function counterDelta(
  before: DecodeCounters | undefined,
  after: DecodeCounters | undefined,
): DecodeCounters | undefined {
  if (before === undefined || after === undefined) return undefined;
  return { steps: after.steps - before.steps, sequences: after.sequences - before.sequences };
}

export function aggregate(samples: readonly RoundSample[]): ResultRow[] {
  const groups = new Map<string, RoundSample[]>();
  for (const s of samples) {
    const key = `${s.kind}|${s.concurrency}|${s.engine}`;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  return [...groups.values()].map((g) => {
    const first = g[0] as RoundSample;
    const completions = g.flatMap((s) => s.completions);
    const tokens = completions.reduce((a, c) => a + c.tokens, 0);
    const seconds = g.reduce((a, s) => a + s.seconds, 0);
    const decodes = g.map((s) => s.decode);
    const steps = decodes.reduce((a, d) => a + (d?.steps ?? 0), 0);
    const seqs = decodes.reduce((a, d) => a + (d?.sequences ?? 0), 0);
    return {
      kind: first.kind,
      concurrency: first.concurrency,
      engine: first.engine,
      requests: completions.length,
      failed: g.reduce((a, s) => a + (s.failed ?? 0), 0),
      tokens,
      seconds,
      tokPerS: seconds > 0 ? tokens / seconds : Number.NaN,
      ttftP50: percentile(
        completions.map((c) => c.ttft),
        50,
      ),
      ttftP99: percentile(
        completions.map((c) => c.ttft),
        99,
      ),
      itlP50: percentile(
        completions.flatMap((c) => c.itl),
        50,
      ),
      seqPerStep: decodes.every((d) => d !== undefined) && steps > 0 ? seqs / steps : null,
    };
  });
}

function ratio(a: number | undefined, b: number | undefined): number | null {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0)
    return null;
  return a / b;
}

export function ratios(rows: readonly ResultRow[]): RatioRow[] {
  const pick = (kind: PromptKind, c: number, e: EngineId) =>
    rows.find((r) => r.kind === kind && r.concurrency === c && r.engine === e);
  const seen = new Set<string>();
  const out: RatioRow[] = [];
  for (const r of rows) {
    const key = `${r.kind}|${r.concurrency}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const ours = pick(r.kind, r.concurrency, "server");
    const theirs = pick(r.kind, r.concurrency, "llama-server");
    const direct = pick(r.kind, r.concurrency, "direct");
    out.push({
      kind: r.kind,
      concurrency: r.concurrency,
      tokPerS: ratio(ours?.tokPerS, theirs?.tokPerS),
      ttftP50: ratio(ours?.ttftP50, theirs?.ttftP50),
      ttftP99: ratio(ours?.ttftP99, theirs?.ttftP99),
      itlP50: ratio(ours?.itlP50, theirs?.itlP50),
      tokPerSVsDirect: ratio(ours?.tokPerS, direct?.tokPerS),
    });
  }
  return out;
}

const msText = (s: number) => (Number.isFinite(s) ? (s * 1000).toFixed(1) : "-");
const numText = (v: number | null, digits: number) =>
  v === null || !Number.isFinite(v) ? "n/a" : v.toFixed(digits);

export const RESULT_HEADER = [
  "prompts",
  "conc",
  "engine",
  "requests",
  "failed",
  "tok/s",
  "TTFT p50 ms",
  "TTFT p99 ms",
  "ITL p50 ms",
  "seq/step",
];
export const RATIO_HEADER = [
  "prompts",
  "conc",
  "tok/s srv/llama",
  "TTFT p50 srv/llama",
  "TTFT p99 srv/llama",
  "ITL p50 srv/llama",
  "tok/s srv/direct",
];

export function resultCells(rows: readonly ResultRow[]): string[][] {
  return rows.map((r) => [
    r.kind,
    String(r.concurrency),
    r.engine,
    String(r.requests),
    String(r.failed),
    numText(r.tokPerS, 1),
    msText(r.ttftP50),
    msText(r.ttftP99),
    msText(r.itlP50),
    numText(r.seqPerStep, 2),
  ]);
}

export function ratioCells(rows: readonly RatioRow[]): string[][] {
  return rows.map((r) => [
    r.kind,
    String(r.concurrency),
    numText(r.tokPerS, 2),
    numText(r.ttftP50, 2),
    numText(r.ttftP99, 2),
    numText(r.itlP50, 2),
    numText(r.tokPerSVsDirect, 2),
  ]);
}

/** The two tables as aligned plain text, for the terminal. */
export function textReport(rows: readonly ResultRow[], ratioRows: readonly RatioRow[]): string {
  return `${table([RESULT_HEADER, ...resultCells(rows)])}\n\n${table([RATIO_HEADER, ...ratioCells(ratioRows)])}`;
}

/** A GitHub-flavoured markdown table (for docs/inference.md). */
export function markdownTable(header: readonly string[], cells: readonly (readonly string[])[]): string {
  const all = [header, ...cells];
  const widths = header.map((_, i) => Math.max(3, ...all.map((r) => (r[i] ?? "").length)));
  const line = (r: readonly string[]) => `| ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)].join("\n");
}
