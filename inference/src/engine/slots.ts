// A bounded FIFO of requests waiting for one of the context's sequences. Whoever releases a sequence hands it
// straight to the oldest waiter, so no request can overtake another; a full queue is refused (429) at once.
// Which free item a request gets is the caller's choice (`choose`, e.g. the sequence sharing the longest cached
// prefix with the prompt); free items are kept least recently used first to make that choice fair.
import { ApiError } from "../errors.js";

interface Waiter<T> {
  resolve: (item: T) => void;
  reject: (err: unknown) => void;
  cleanup: () => void;
}

export interface SlotEvents {
  onChange?: (running: number, waiting: number) => void;
}

export class SlotPool<T> {
  private readonly free: T[];
  private readonly waiters: Waiter<T>[] = [];
  private busy = 0;

  constructor(
    items: readonly T[],
    private readonly maxWaiting: number,
    private readonly retryAfterSeconds: () => number,
    private readonly events: SlotEvents = {},
  ) {
    this.free = [...items];
  }

  get running(): number {
    return this.busy;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  get capacity(): number {
    return this.free.length + this.busy;
  }

  /**
   * Resolves with a free item; rejects with 429 when the queue is full, or with the signal's reason on abort.
   * `choose` picks among the free items (least recently used first) by index; by default the least recently used.
   * A waiter gets whichever item is released first: waiters are served in arrival order, never by preference.
   */
  acquire(signal: AbortSignal, choose?: (free: readonly T[]) => number): Promise<T> {
    signal.throwIfAborted();
    if (this.free.length > 0) {
      const chosen = choose?.(this.free) ?? 0;
      const index = chosen >= 0 && chosen < this.free.length ? chosen : 0;
      const [item] = this.free.splice(index, 1) as [T];
      this.busy++;
      this.changed();
      return Promise.resolve(item);
    }
    if (this.waiters.length >= this.maxWaiting) {
      return Promise.reject(
        new ApiError(
          429,
          "The server is at capacity: all sequences are busy and the queue is full. Retry later.",
          {
            code: "queue_full",
            retryAfter: this.retryAfterSeconds(),
          },
        ),
      );
    }
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        this.changed();
        reject(signal.reason);
      };
      const waiter: Waiter<T> = {
        resolve,
        reject,
        cleanup: () => signal.removeEventListener("abort", onAbort),
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.waiters.push(waiter);
      this.changed();
    });
  }

  release(item: T): void {
    const next = this.waiters.shift();
    if (next) {
      next.cleanup();
      this.changed();
      next.resolve(item);
      return;
    }
    this.busy--;
    this.free.push(item);
    this.changed();
  }

  /** Rejects every waiter (shutdown). */
  rejectAll(err: unknown): void {
    for (const w of this.waiters.splice(0)) {
      w.cleanup();
      w.reject(err);
    }
    this.changed();
  }

  private changed(): void {
    this.events.onChange?.(this.busy, this.waiters.length);
  }
}
