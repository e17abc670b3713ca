// What the benchmark needs from each engine under test: one streamed completion at a time (called
// concurrently), and the engine's own count of decode steps, to tell how many sequences share a step.
import type { Prompt } from "./prompts.js";
import type { EngineId } from "./settings.js";

/** One request's timings, in seconds from the moment it was sent. */
export interface Completion {
  /** Time to the first generated text. */
  ttft: number;
  /** Gaps between consecutive text arrivals. */
  itl: number[];
  /** Generated tokens (the engine's own count). */
  tokens: number;
}

/** Cumulative counters: decode steps (llama_decode calls) and sequences summed over those steps. */
export interface DecodeCounters {
  steps: number;
  sequences: number;
}

export interface BenchEngine {
  readonly id: EngineId;
  /** What it is and how it was started, for the JSON report. */
  readonly description: string;
  complete(prompt: Prompt, maxTokens: number, signal: AbortSignal): Promise<Completion>;
  /** undefined when the engine does not count decode steps. */
  decodeCounters(): Promise<DecodeCounters | undefined>;
  close(): Promise<void>;
}

/** Records text arrivals into a Completion: the first sets TTFT, each later one adds a gap. */
export function arrivalClock(now: () => number = () => performance.now()) {
  const start = now();
  let last: number | undefined;
  const result: Completion = { ttft: Number.NaN, itl: [], tokens: 0 };
  return {
    result,
    arrived(): void {
      const t = now();
      if (last === undefined) result.ttft = (t - start) / 1000;
      else result.itl.push((t - last) / 1000);
      last = t;
    },
  };
}
