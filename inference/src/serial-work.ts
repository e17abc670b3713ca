// Rendering a chat template and tokenizing a prompt are synchronous (JavaScript and native calls that block
// the event loop). Run them one at a time, each after a turn of the event loop, so that however many big
// requests arrive together, probes and other requests wait for at most one of them; the waiting line is
// bounded like the engine's queue (429 queue_full beyond it).
import { setImmediate as nextTurn } from "node:timers/promises";
import { ApiError } from "./errors.js";

export class SerialWork {
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;

  constructor(private readonly maxPending: number) {}

  get waiting(): number {
    return this.pending;
  }

  /** Runs `job` after every job queued before it; rejects with the signal's reason if it aborts first. */
  async run<T>(job: () => T, signal: AbortSignal): Promise<T> {
    if (this.pending >= this.maxPending) {
      throw new ApiError(
        429,
        "The server is at capacity: too many prompts waiting to be prepared. Retry later.",
        {
          code: "queue_full",
          retryAfter: 1,
        },
      );
    }
    this.pending++;
    const previous = this.tail;
    const mine = (async () => {
      await previous.catch(() => undefined);
      await nextTurn();
      signal.throwIfAborted();
      return job();
    })();
    this.tail = mine.catch(() => undefined);
    try {
      return await mine;
    } finally {
      this.pending--;
    }
  }
}
