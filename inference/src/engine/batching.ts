// How the one context batches its sequences: the batching options handed to node-llama-cpp (public API) and the
// one internal hook the decode gate needs (see decodeGate.ts and docs/inference.md, "Batching").
import type {
  BatchingOptions,
  BatchItem,
  LlamaContext,
  LlamaContextSequence,
  PrioritizedBatchItem,
} from "node-llama-cpp";
import type { DecodeGate } from "./decodeGate.js";

/** Called once per decode the context runs: sequences and tokens it carried. */
export type DecodeStepListener = (sequences: number, tokens: number) => void;

/**
 * Shares a decode's token budget like continuous batching: the smallest requests first (a generating sequence
 * needs one token), each taking at most an even share of what is left, so prompts fill the rest of the batch
 * and a long prompt is split across steps without holding the generating sequences back. Reports each decode.
 */
export function continuousBatchingStrategy(onStep: DecodeStepListener) {
  return ({ items, size }: { items: readonly BatchItem[]; size: number }): PrioritizedBatchItem[] => {
    const bySize = [...items].sort((a, b) => a.tokens.length - b.tokens.length);
    let left = size;
    const out: PrioritizedBatchItem[] = [];
    bySize.forEach((item, i) => {
      const share = Math.floor(left / (bySize.length - i));
      const processAmount = Math.min(item.tokens.length, share);
      // node-llama-cpp treats 0 as 1, which could overflow the batch: leave such an item for the next decode.
      if (processAmount <= 0) return;
      out.push({ item, processAmount });
      left -= processAmount;
    });
    onStep(out.length, size - left);
    return out;
  };
}

/**
 * The context's batching options. The dispatch runs on a microtask rather than node-llama-cpp's default next event
 * loop cycle: the gate queues a whole step synchronously, so there is nothing left to wait for.
 */
export function batchingOptions(onStep: DecodeStepListener): BatchingOptions {
  return {
    dispatchSchedule: (dispatch) => queueMicrotask(dispatch),
    itemPrioritizationStrategy: continuousBatchingStrategy(onStep),
  };
}

/** The internal method every sequence's decode request goes through (node-llama-cpp 3.21.1, LlamaContext.js). */
type DecodeTokens = (request: { sequenceId: number }, ...rest: unknown[]) => Promise<unknown>;

/**
 * Routes every decode request of `context` through `gate`. node-llama-cpp has no public hook between a sequence
 * queueing tokens and the batch loop taking them, so this wraps LlamaContext's internal `_decodeTokens`; the
 * check below makes a node-llama-cpp upgrade that renames it fail at start-up instead of silently unbatching.
 */
export function installDecodeGate(context: LlamaContext, gate: DecodeGate): void {
  const target = context as unknown as { _decodeTokens?: DecodeTokens };
  const original = target._decodeTokens;
  if (typeof original !== "function") {
    throw new Error(
      "node-llama-cpp's LlamaContext has no _decodeTokens method: the decode gate is written for node-llama-cpp " +
        "3.21.1 (see docs/inference.md, Batching)",
    );
  }
  target._decodeTokens = (request, ...rest) =>
    gate.submit(request.sequenceId, () => original.call(context, request, ...rest));
}

/** The id node-llama-cpp gives a sequence in its decode requests (internal `_sequenceId`, see installDecodeGate). */
export function sequenceIdOf(sequence: LlamaContextSequence): number {
  const id = (sequence as unknown as { _sequenceId?: unknown })._sequenceId;
  if (typeof id !== "number") {
    throw new Error("node-llama-cpp's LlamaContextSequence has no numeric _sequenceId (written for 3.21.1)");
  }
  return id;
}
