// Embeddings mode (MODEL_TYPE=embeddings): the model behind N embedding contexts instead of a chat context.
// Each request borrows one context from the same bounded SlotPool the chat engine uses, so queue depth,
// 429 on a full queue and the slot-utilisation gauge mean the same thing for both kinds of server.
import { type Llama, type LlamaEmbeddingContext, type LlamaModel, type Token } from "node-llama-cpp";
import { ApiError, badRequest } from "../errors.js";
import type { ModelInfo } from "../metrics/metrics.js";
import type { EngineOptions } from "./engine.js";
import { modelInfo, withLoadedModel } from "./modelLoad.js";
import { SlotPool } from "./slots.js";
import { defaultThreads } from "./threads.js";

/** One input as OpenAI accepts it: text, or the token ids of a text. */
export type EmbeddingInput = string | readonly number[];

export interface PreparedEmbeddings {
  /** Each input tokenized, BOS/EOS included, ready to evaluate. */
  readonly tokens: readonly Token[][];
  readonly promptTokens: number;
}

export interface EmbeddingResult {
  /** One L2-normalised vector per input, in input order (OpenAI's embeddings have length 1 too). */
  vectors: Float32Array[];
  promptTokens: number;
  queueSeconds: number;
  inferenceSeconds: number;
}

const seconds = (fromNs: bigint): number => Number(process.hrtime.bigint() - fromNs) / 1e9;

export class EmbeddingEngine {
  private readonly slots: SlotPool<LlamaEmbeddingContext>;
  private readonly vocabSize: number;
  private meanRequestSeconds = 0.1;

  private constructor(
    private readonly llama: Llama,
    private readonly model: LlamaModel,
    private readonly contexts: LlamaEmbeddingContext[],
    readonly info: ModelInfo,
    private readonly opts: EngineOptions,
  ) {
    this.vocabSize = model.fileInfo.metadata.tokenizer?.ggml?.tokens?.length ?? 0;
    this.slots = new SlotPool(
      contexts,
      opts.queueSize,
      () => (this.meanRequestSeconds * (this.slots.waiting + 1)) / this.slots.capacity,
      { onChange: opts.onQueueChange },
    );
  }

  static async load(opts: EngineOptions): Promise<EmbeddingEngine> {
    return withLoadedModel(opts, "embeddings model", async (loaded) => {
      // One context per sequence: an embedding context evaluates one input at a time (it holds a lock).
      // Threads as the chat engine counts them: node-llama-cpp's own default (6) oversubscribes small pods.
      const threads = opts.threads > 0 ? opts.threads : defaultThreads();
      const contexts: LlamaEmbeddingContext[] = [];
      for (let i = 0; i < opts.sequences; i++) {
        contexts.push(
          await loaded.model.createEmbeddingContext({
            contextSize: opts.contextSize,
            threads,
            ...(opts.batchSize !== undefined ? { batchSize: opts.batchSize } : {}),
          }),
        );
      }
      const info = modelInfo(opts, loaded, opts.contextSize);
      return new EmbeddingEngine(loaded.llama, loaded.model, contexts, info, { ...opts, threads });
    });
  }

  /** CPU threads each context evaluates on. */
  get threads(): number {
    return this.opts.threads;
  }

  get dimensions(): number {
    return this.model.embeddingVectorSize;
  }

  /** The CPU features of the llama.cpp variant ggml loaded (its system info line), logged when ready. */
  get cpuFeatures(): string {
    return this.llama.systemInfo;
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

  /**
   * Tokenizes every input and checks it fits one context, before the request takes a queue place: 400 naming
   * the input otherwise. Token-array inputs must hold ids of this model's vocabulary (an id past it would be
   * read out of bounds by llama.cpp).
   */
  prepare(inputs: readonly EmbeddingInput[]): PreparedEmbeddings {
    const context = this.contexts[0] as LlamaEmbeddingContext;
    const limit = this.info.contextSize;
    let promptTokens = 0;
    const tokens = inputs.map((input, i) => {
      const param = inputs.length === 1 ? "input" : `input.${i}`;
      let toks: Token[];
      if (typeof input === "string") {
        toks = this.model.tokenize(input);
      } else {
        const bad = input.find((t) => !Number.isInteger(t) || t < 0 || t >= this.vocabSize);
        if (bad !== undefined) {
          throw badRequest(
            `Token id ${bad} is outside this model's vocabulary (0 to ${this.vocabSize - 1}).`,
            param,
            "invalid_value",
          );
        }
        toks = [...input] as Token[];
      }
      if (toks.length === 0) throw badRequest("An input is empty: nothing to embed.", param, "invalid_value");
      // calculateInputLength adds the BOS/EOS tokens getEmbeddingFor will add; it mutates its argument.
      const length = context.calculateInputLength([...toks]);
      if (length >= limit) {
        throw badRequest(
          `This model's maximum context length is ${limit} tokens, but input ${i} has ${length} tokens. ` +
            `Please shorten it or split it.`,
          param,
          "context_length_exceeded",
        );
      }
      promptTokens += length;
      return toks;
    });
    return { tokens, promptTokens };
  }

  /** Embeds every input on one borrowed context; stops between inputs when `signal` aborts. */
  async embed(
    prepared: PreparedEmbeddings,
    signal: AbortSignal,
    onAdmitted?: (queueSeconds: number) => void,
    /** Aborts only the wait for a context (queue timeout); defaults to `signal`. */
    queueSignal: AbortSignal = signal,
  ): Promise<EmbeddingResult> {
    const queuedAt = process.hrtime.bigint();
    const context = await this.slots.acquire(queueSignal);
    const queueSeconds = seconds(queuedAt);
    onAdmitted?.(queueSeconds);
    const startedAt = process.hrtime.bigint();
    try {
      const vectors: Float32Array[] = [];
      for (const toks of prepared.tokens) {
        signal.throwIfAborted();
        const embedding = await context.getEmbeddingFor([...toks]);
        vectors.push(normalise(embedding.vector));
      }
      const inferenceSeconds = seconds(startedAt);
      this.meanRequestSeconds = this.meanRequestSeconds * 0.9 + inferenceSeconds * 0.1;
      return { vectors, promptTokens: prepared.promptTokens, queueSeconds, inferenceSeconds };
    } finally {
      this.slots.release(context);
    }
  }

  /** Refuses everything still queued (shutdown). */
  rejectQueued(): void {
    this.slots.rejectAll(
      new ApiError(503, "The server is shutting down.", { code: "shutting_down", retryAfter: 1 }),
    );
  }

  async dispose(): Promise<void> {
    for (const c of this.contexts) await c.dispose();
    await this.model.dispose();
    await this.llama.dispose();
  }
}

function normalise(vector: readonly number[]): Float32Array {
  let sum = 0;
  for (const v of vector) sum += v * v;
  const norm = Math.sqrt(sum) || 1;
  return Float32Array.from(vector, (v) => v / norm);
}
