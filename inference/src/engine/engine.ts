// One model, one context with N sequences. Each admitted request borrows a sequence from the SlotPool (the free
// one whose cache shares the longest prefix with its prompt), and the decode gate makes every decode step carry
// all generating sequences plus new prompts (continuous batching); the sequence goes back the moment generation
// ends or is aborted (client gone, deadline).
import {
  LlamaChat,
  LlamaCompletion,
  type ChatHistoryItem,
  type ChatWrapper,
  type Llama,
  type LlamaContext,
  type LlamaContextSequence,
  type LlamaModel,
  type Token,
} from "node-llama-cpp";
import type { GpuSetting } from "../config.js";
import { ApiError, badRequest } from "../errors.js";
import type { ModelInfo } from "../metrics/metrics.js";
import { batchingOptions, installDecodeGate, sequenceIdOf, type DecodeStepListener } from "./batching.js";
import { chatWrapperFor } from "./chatWrapper.js";
import { DecodeGate } from "./decodeGate.js";
import { longestPrefixIndex, reusablePrefixLength } from "./prefix.js";
import { planPromptCache, PromptCache } from "./promptCache.js";
import { SlotPool } from "./slots.js";
import { modelInfo, withLoadedModel } from "./modelLoad.js";
import { defaultThreads } from "./threads.js";

export interface ChatMessage {
  role: "system" | "developer" | "user" | "assistant";
  content: string;
}

export type Prompt =
  { kind: "chat"; messages: readonly ChatMessage[] } | { kind: "completion"; text: string };

export interface SamplingParams {
  maxTokens: number;
  temperature?: number | undefined;
  topP?: number | undefined;
  seed?: number | undefined;
  stop?: readonly string[] | undefined;
  presencePenalty?: number | undefined;
  frequencyPenalty?: number | undefined;
}

/** A prompt already rendered and counted, so it can be rejected (400) before it takes a queue place. */
export interface PreparedPrompt {
  readonly prompt: Prompt;
  readonly promptTokens: number;
  readonly history?: ChatHistoryItem[];
  /** A completion's text tokens, as LlamaCompletion takes them (it adds the BOS itself). */
  readonly textTokens?: Token[];
  /** Every token the engine evaluates for this prompt, in order (what the prefix cache is matched against). */
  readonly tokens: readonly Token[];
}

export interface GenerationHooks {
  /** Streamed text, in order. */
  onText?: (text: string) => void;
  /** Called once, when the request got its sequence. */
  onAdmitted?: (queueSeconds: number) => void;
  onFirstToken?: (seconds: number) => void;
  /** Gap between two consecutive generated tokens. */
  onTokenGap?: (seconds: number) => void;
}

export type FinishReason = "stop" | "length";

export interface GenerationResult {
  text: string;
  promptTokens: number;
  completionTokens: number;
  finishReason: FinishReason;
  /** True when the signal stopped generation (client gone or deadline); `text` holds what was produced. */
  aborted: boolean;
  queueSeconds: number;
  inferenceSeconds: number;
  ttftSeconds: number | undefined;
}

export interface EngineOptions {
  modelPath: string;
  modelName?: string | undefined;
  gpu: GpuSetting;
  gpuLayers?: "auto" | "max" | number | undefined;
  contextSize: number;
  sequences: number;
  /** CPU threads; 0 = what the process may really use (cgroup CPU quota and affinity, see threads.ts). */
  threads: number;
  batchSize?: number | undefined;
  queueSize: number;
  onQueueChange?: (running: number, waiting: number) => void;
  /** Each decode the context runs: how many sequences and tokens it carried. */
  onDecodeStep?: DecodeStepListener;
  /** Each admitted prompt: how many of its tokens came from the sequence's cache instead of being evaluated. */
  onPromptCache?: (cachedTokens: number, promptTokens: number) => void;
  /** Bytes of saved prompt states kept for reuse across sequences (see promptCache.ts); 0 disables. @default 0 */
  promptCacheBytes?: number;
  /** Where the saved states go (a private directory is made in it). @default os.tmpdir() */
  promptCacheDir?: string | undefined;
  /** A prompt-cache operation failed (the request goes on without it). */
  onPromptCacheError?: (err: unknown) => void;
}

/** How long a decode step waits for a generating sequence that has not queued its next token yet. */
const STRAGGLER_MS = 5;

/** Shortest saved prompt state worth keeping, and the least gain (tokens not evaluated) worth loading one for. */
const PROMPT_CACHE_MIN_TOKENS = 64;

const seconds = (fromNs: bigint): number => Number(process.hrtime.bigint() - fromNs) / 1e9;

export class Engine {
  private readonly slots: SlotPool<LlamaContextSequence>;
  /** node-llama-cpp's id of each sequence, the key of its decode requests at the gate (read once, at start-up). */
  private readonly sequenceIds: ReadonlyMap<LlamaContextSequence, number>;
  private meanRequestSeconds = 1;
  private readonly promptCache: PromptCache | undefined;
  /** Prompt states being saved after their request ended; dispose waits for them. */
  private readonly pendingSaves = new Set<Promise<void>>();

  private constructor(
    private readonly llama: Llama,
    readonly model: LlamaModel,
    private readonly context: LlamaContext,
    private readonly chatWrapper: ChatWrapper,
    readonly info: ModelInfo,
    private readonly gate: DecodeGate,
    private readonly opts: EngineOptions,
  ) {
    const sequences = Array.from({ length: opts.sequences }, () => context.getSequence());
    this.sequenceIds = new Map(sequences.map((s) => [s, sequenceIdOf(s)]));
    this.promptCache =
      (opts.promptCacheBytes ?? 0) > 0
        ? new PromptCache({
            maxBytes: opts.promptCacheBytes ?? 0,
            minTokens: PROMPT_CACHE_MIN_TOKENS,
            parentDir: opts.promptCacheDir,
          })
        : undefined;
    // Retry-After: roughly how long the queue ahead takes to drain, from a moving average of request times.
    this.slots = new SlotPool(
      sequences,
      opts.queueSize,
      () => (this.meanRequestSeconds * (this.slots.waiting + 1)) / this.slots.capacity,
      { onChange: opts.onQueueChange },
    );
  }

  static async load(opts: EngineOptions): Promise<Engine> {
    return withLoadedModel(opts, "model", async (loaded) => {
      const { llama, model } = loaded;
      const context = await model.createContext({
        sequences: opts.sequences,
        contextSize: opts.contextSize,
        // A number (not node-llama-cpp's default of max(4, math cores)): more spinning threads than usable cores
        // collapses throughput.
        threads: opts.threads > 0 ? opts.threads : defaultThreads(),
        ...(opts.batchSize !== undefined ? { batchSize: opts.batchSize } : {}),
        batching: batchingOptions((sequences, tokens) => opts.onDecodeStep?.(sequences, tokens)),
      });
      const gate = new DecodeGate({ stragglerMs: STRAGGLER_MS });
      installDecodeGate(context, gate);
      const info = modelInfo(opts, loaded, context.contextSize);
      return new Engine(llama, model, context, chatWrapperFor(model), info, gate, opts);
    });
  }

  get contextSize(): number {
    return this.context.contextSize;
  }

  get sequences(): number {
    return this.slots.capacity;
  }

  get running(): number {
    return this.slots.running;
  }

  get waiting(): number {
    return this.slots.waiting;
  }

  /** The CPU features of the llama.cpp variant ggml loaded (its system info line), logged when ready. */
  get cpuFeatures(): string {
    return this.llama.systemInfo;
  }

  /** CPU threads evaluation runs on. */
  get threads(): number {
    return this.context.idealThreads;
  }

  /** Renders and counts the prompt; 400 when prompt plus max_tokens cannot fit one sequence's window. */
  prepare(prompt: Prompt, maxTokens: number): PreparedPrompt {
    let prepared: PreparedPrompt;
    if (prompt.kind === "chat") {
      const history = toHistory(prompt.messages);
      const { contextText } = this.chatWrapper.generateContextState({ chatHistory: history });
      const tokens = contextText.tokenize(this.model.tokenizer);
      prepared = { prompt, history, tokens, promptTokens: tokens.length };
    } else {
      const text = this.model.tokenize(prompt.text);
      // LlamaCompletion prepends BOS itself when the model asks for it; count and match what it evaluates.
      const bos = this.model.tokens.shouldPrependBosToken ? this.model.tokens.bos : null;
      const tokens = bos === null ? text : [bos, ...text];
      prepared = { prompt, textTokens: text, tokens, promptTokens: tokens.length };
    }
    const limit = this.context.contextSize;
    if (prepared.promptTokens + maxTokens > limit) {
      throw badRequest(
        `This model's maximum context length is ${limit} tokens. However, you requested ` +
          `${prepared.promptTokens + maxTokens} tokens (${prepared.promptTokens} in the prompt, ${maxTokens} ` +
          `in the completion). Please reduce the prompt or max_tokens.`,
        prompt.kind === "chat" ? "messages" : "prompt",
        "context_length_exceeded",
      );
    }
    return prepared;
  }

  async generate(
    prepared: PreparedPrompt,
    params: SamplingParams,
    signal: AbortSignal,
    hooks: GenerationHooks = {},
    /** Aborts only the wait for a sequence (queue timeout); defaults to `signal`. */
    queueSignal: AbortSignal = signal,
  ): Promise<GenerationResult> {
    const queuedAt = process.hrtime.bigint();
    const sequence = await this.slots.acquire(queueSignal, (free) =>
      longestPrefixIndex(
        free.map((s) => s.contextTokens),
        prepared.tokens,
      ),
    );
    const queueSeconds = seconds(queuedAt);
    hooks.onAdmitted?.(queueSeconds);
    await this.usePromptCache(sequence, prepared.tokens);
    const reused = reusablePrefixLength(sequence.contextTokens, prepared.tokens);
    this.opts.onPromptCache?.(reused, prepared.promptTokens);
    const startedAt = process.hrtime.bigint();
    let lastTokenAt: bigint | undefined;
    let ttftSeconds: number | undefined;
    let completionTokens = 0;
    const onToken = (tokens: Token[]) => {
      const now = process.hrtime.bigint();
      if (lastTokenAt === undefined) {
        ttftSeconds = Number(now - queuedAt) / 1e9;
        hooks.onFirstToken?.(ttftSeconds);
      } else {
        hooks.onTokenGap?.(Number(now - lastTokenAt) / 1e9);
      }
      lastTokenAt = now;
      completionTokens += tokens.length;
    };
    const common = {
      signal,
      stopOnAbortSignal: true,
      maxTokens: params.maxTokens,
      temperature: params.temperature,
      topP: params.topP,
      seed: params.seed,
      customStopTriggers: params.stop && params.stop.length > 0 ? [...params.stop] : undefined,
      repeatPenalty:
        params.presencePenalty || params.frequencyPenalty
          ? { presencePenalty: params.presencePenalty, frequencyPenalty: params.frequencyPenalty }
          : undefined,
      onTextChunk: hooks.onText,
      onToken,
    };
    try {
      let text: string;
      let stopReason: string;
      if (prepared.history) {
        const chat = new LlamaChat({ contextSequence: sequence, chatWrapper: this.chatWrapper });
        try {
          const res = await chat.generateResponse(prepared.history, common);
          text = res.response;
          stopReason = res.metadata.stopReason;
        } finally {
          chat.dispose();
        }
      } else {
        const completion = new LlamaCompletion({ contextSequence: sequence });
        try {
          const res = await completion.generateCompletionWithMeta(prepared.textTokens ?? [], common);
          text = res.response;
          stopReason = res.metadata.stopReason;
        } finally {
          completion.dispose();
        }
      }
      const inferenceSeconds = seconds(startedAt);
      this.meanRequestSeconds = this.meanRequestSeconds * 0.9 + inferenceSeconds * 0.1;
      return {
        text,
        promptTokens: prepared.promptTokens,
        completionTokens,
        finishReason: stopReason === "maxTokens" ? "length" : "stop",
        aborted: stopReason === "abort" || signal.aborted,
        queueSeconds,
        inferenceSeconds,
        ttftSeconds,
      };
    } finally {
      const sequenceId = this.sequenceIds.get(sequence);
      if (sequenceId !== undefined) this.gate.leave(sequenceId);
      // A prompt that cost an evaluation is saved for the other sequences (a second conversation on the same system
      // prompt lands on another sequence), as llama-server caches a slot's prompt; the answer is not held up by it,
      // only the sequence, which goes back to the pool once saved.
      const cache = this.promptCache;
      if (cache && prepared.promptTokens - reused >= PROMPT_CACHE_MIN_TOKENS) {
        const saving = this.savePromptState(cache, sequence).finally(() => {
          this.pendingSaves.delete(saving);
          this.slots.release(sequence);
        });
        this.pendingSaves.add(saving);
      } else {
        this.slots.release(sequence);
      }
    }
  }

  /** Saves what `sequence` holds into the prompt cache; a failure is reported, not thrown. */
  private async savePromptState(cache: PromptCache, sequence: LlamaContextSequence): Promise<void> {
    await cache
      .exclusive(() => cache.save(sequence))
      .catch((err: unknown) => this.opts.onPromptCacheError?.(err));
  }

  /**
   * Before `prompt` is evaluated on `sequence`: saves what the sequence holds when the prompt would overwrite most of
   * it, and loads a saved state that covers more of the prompt than the sequence does. A failure only costs the
   * reuse: the sequence is cleared and the prompt evaluated in full.
   */
  private async usePromptCache(sequence: LlamaContextSequence, prompt: readonly Token[]): Promise<void> {
    const cache = this.promptCache;
    if (!cache) return;
    await cache.exclusive(async () => {
      const reuse = reusablePrefixLength(sequence.contextTokens, prompt);
      const hit = cache.best(prompt);
      const plan = planPromptCache(sequence.contextTokens.length, reuse, hit, PROMPT_CACHE_MIN_TOKENS);
      try {
        if (plan.save) await cache.save(sequence);
        if (plan.load && hit) await cache.restore(sequence, hit);
      } catch (err) {
        this.opts.onPromptCacheError?.(err);
        await sequence.clearHistory().catch(() => undefined);
      }
    });
  }

  /** Refuses everything still queued (shutdown). */
  rejectQueued(): void {
    this.slots.rejectAll(
      new ApiError(503, "The server is shutting down.", { code: "shutting_down", retryAfter: 1 }),
    );
  }

  async dispose(): Promise<void> {
    await Promise.allSettled([...this.pendingSaves]);
    this.promptCache?.dispose();
    await this.context.dispose();
    await this.model.dispose();
    await this.llama.dispose();
  }
}

function toHistory(messages: readonly ChatMessage[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = messages.map((m): ChatHistoryItem => {
    if (m.role === "assistant") return { type: "model", response: [m.content] };
    if (m.role === "user") return { type: "user", text: m.content };
    return { type: "system", text: m.content };
  });
  // An empty model turn at the end asks the chat wrapper to open the assistant's reply.
  history.push({ type: "model", response: [] });
  return history;
}
