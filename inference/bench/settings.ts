// The benchmark's knobs (environment variables), parsed and checked in one place so a typo fails at once with
// the variable's name and what it accepts, not half-way through a 20-minute run.
import { homedir } from "node:os";
import { join } from "node:path";

export const ENGINE_IDS = ["server", "llama-server", "direct"] as const;
export type EngineId = (typeof ENGINE_IDS)[number];
export const PROMPT_KINDS = ["shared", "unique"] as const;
export type PromptKind = (typeof PROMPT_KINDS)[number];

export interface BenchSettings {
  /** Concurrent clients per level (BENCH_LEVELS). */
  levels: number[];
  /** Rounds per level; every round runs each engine once, in turn (BENCH_ROUNDS). */
  rounds: number;
  /** Requests each client sends back to back in one round (BENCH_REQUESTS). */
  requestsPerClient: number;
  maxTokens: number;
  engines: EngineId[];
  kinds: PromptKind[];
  /** Parallel sequences (our SEQUENCES, llama-server -np). */
  sequences: number;
  /** Tokens per sequence (our CONTEXT_SIZE; llama-server -c is sequences x this). */
  contextPerSequence: number;
  batchSize: number;
  threads: number;
  model: string;
  /** Where serving.json and serving.svg go. */
  outDir: string;
  /** A llama-server binary to use instead of scripts/llama-server/build.sh's cached one. */
  llamaServer: string | undefined;
  /** Longest a single request may take before the run fails (bounds every loop). */
  requestTimeoutMs: number;
}

type Env = Record<string, string | undefined>;

export class SettingsError extends Error {
  constructor(variable: string, value: string, expected: string) {
    super(`invalid ${variable}=${JSON.stringify(value)}: expected ${expected}`);
    this.name = "SettingsError";
  }
}

function int(env: Env, name: string, def: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === "") return def;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > max)
    throw new SettingsError(name, raw, `an integer from ${min} to ${max}`);
  return n;
}

function intList(env: Env, name: string, def: number[], min: number, max: number): number[] {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === "") return def;
  const parts = raw.split(",").map((p) => p.trim());
  const values = parts.map(Number);
  if (parts.some((p) => !/^\d+$/.test(p)) || values.some((n) => n < min || n > max))
    throw new SettingsError(name, raw, `a comma-separated list of integers from ${min} to ${max}`);
  return [...new Set(values)];
}

function subset<T extends string>(env: Env, name: string, all: readonly T[]): T[] {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === "") return [...all];
  const parts = raw.split(",").map((p) => p.trim());
  if (parts.some((p) => !(all as readonly string[]).includes(p)))
    throw new SettingsError(name, raw, `a comma-separated subset of ${all.join(", ")}`);
  // Keep the canonical order, so the tables and the chart always list the engines the same way.
  return all.filter((v) => parts.includes(v));
}

export function loadSettings(env: Env = process.env): BenchSettings {
  const contextPerSequence = int(env, "BENCH_CONTEXT", 1024, 256, 32_768);
  return {
    levels: intList(env, "BENCH_LEVELS", [1, 2, 4, 8, 16], 1, 64),
    rounds: int(env, "BENCH_ROUNDS", 3, 1, 100),
    requestsPerClient: int(env, "BENCH_REQUESTS", 2, 1, 100),
    // The prompts are about 400 tokens; what is left of the sequence bounds the answer.
    maxTokens: int(env, "BENCH_MAX_TOKENS", 64, 1, contextPerSequence - 500),
    engines: subset(env, "BENCH_ENGINES", ENGINE_IDS),
    kinds: subset(env, "BENCH_PROMPTS", PROMPT_KINDS),
    sequences: int(env, "BENCH_SEQUENCES", 8, 1, 64),
    contextPerSequence,
    batchSize: int(env, "BENCH_BATCH", 512, 32, 8192),
    threads: int(env, "THREADS", 1, 1, 256),
    model:
      env.MODEL?.trim() ||
      join(homedir(), ".cache", "genai-platform", "models", "SmolLM2-135M-Instruct.Q4_1.gguf"),
    outDir: env.BENCH_OUT?.trim() || "docs/bench",
    llamaServer: env.LLAMA_SERVER?.trim() || undefined,
    requestTimeoutMs: int(env, "BENCH_REQUEST_TIMEOUT_MS", 180_000, 1000, 3_600_000),
  };
}
