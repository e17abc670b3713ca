// A step barrier in front of the context's decode queue: continuous batching on top of node-llama-cpp.
//
// node-llama-cpp's batch loop (LlamaContext.dispatchPendingBatch) holds the context lock and decodes again at once
// whenever anything is queued. With N sequences generating, each one queues its next token while the others'
// decode runs, so the loop decodes them in staggered groups (1.0 sequences per step at concurrency 2) and never
// lets go of the lock; a request that needs the lock to erase its reused sequence's old tokens then waits until
// every other generation has ended (seconds of TTFT with no queue wait at all).
//
// The gate holds each sequence's decode request and hands them to the context together, once per step:
// - only when the previous step's decodes have all completed, so the batch loop finds its queue empty, exits and
//   releases the context lock between steps (erases, context shifts and new prompts get in within one step);
// - when every sequence taking part has queued its next tokens, or a short straggler bound after the step passed
//   (a sequence that misses it stops being waited for until it queues again);
// - on the next macrotask after that, because the batch loop's exit after the last step is a chain of microtasks.
// A new request's prompt joins the next step alongside the generating sequences (one decode carries both).

export interface DecodeGateOptions {
  /** How long a step waits for sequences that have not queued yet after the previous step completed. */
  stragglerMs: number;
  /** Runs the release on a later macrotask; setImmediate by default (injectable for tests). */
  defer?: (fn: () => void) => void;
  /** Starts the straggler timer; setTimeout by default (injectable for tests). */
  startTimer?: (fn: () => void, ms: number) => { cancel(): void };
}

interface Held {
  sequenceId: number;
  run: () => void;
}

export class DecodeGate {
  private held: Held[] = [];
  private inFlight = 0;
  /** Sequences each step waits for: they have queued since they joined and have not left or straggled. */
  private readonly members = new Set<number>();
  private timer: { cancel(): void } | undefined;
  private releasing = false;
  private readonly defer: (fn: () => void) => void;
  private readonly startTimer: (fn: () => void, ms: number) => { cancel(): void };

  constructor(private readonly opts: DecodeGateOptions) {
    this.defer = opts.defer ?? ((fn) => setImmediate(fn));
    this.startTimer =
      opts.startTimer ??
      ((fn, ms) => {
        const t = setTimeout(fn, ms);
        return { cancel: () => clearTimeout(t) };
      });
  }

  /** Sequences whose decode requests are held for the next step. */
  get waitingSequences(): number {
    return this.held.length;
  }

  /** Holds `decode` until the next step starts; resolves or rejects as it does. */
  submit<T>(sequenceId: number, decode: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.members.add(sequenceId);
      this.held.push({
        sequenceId,
        run: () => {
          this.inFlight++;
          let settled: Promise<T>;
          try {
            settled = decode();
          } catch (err) {
            settled = Promise.reject(err);
          }
          settled.then(resolve, reject).finally(() => {
            this.inFlight--;
            this.check();
          });
        },
      });
      this.check();
    });
  }

  /** The sequence's generation ended: later steps no longer wait for it. */
  leave(sequenceId: number): void {
    if (this.members.delete(sequenceId)) this.check();
  }

  private check(): void {
    if (this.releasing || this.inFlight > 0 || this.held.length === 0) return;
    const ready = new Set(this.held.map((h) => h.sequenceId));
    const everyoneQueued = [...this.members].every((s) => ready.has(s));
    if (everyoneQueued) {
      this.scheduleRelease();
      return;
    }
    this.timer ??= this.startTimer(() => {
      this.timer = undefined;
      // Stragglers stop holding up the steps; they rejoin when they queue again.
      for (const s of this.members) if (!this.held.some((h) => h.sequenceId === s)) this.members.delete(s);
      this.check();
    }, this.opts.stragglerMs);
  }

  private scheduleRelease(): void {
    this.releasing = true;
    this.timer?.cancel();
    this.timer = undefined;
    this.defer(() => {
      this.releasing = false;
      const step = this.held;
      this.held = [];
      for (const h of step) h.run();
    });
  }
}
