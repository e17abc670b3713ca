// Readiness and drain state shared by the probes, the generation routes and the SIGTERM handler.
import type { Engine } from "./engine/engine.js";
import { ApiError } from "./errors.js";

export type Phase = "loading" | "ready" | "failed" | "draining";

export class Lifecycle {
  phase: Phase = "loading";
  engine: Engine | undefined;
  failure: string | undefined;
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];

  get ready(): boolean {
    return this.phase === "ready" && this.engine !== undefined;
  }

  /** The engine, or 503 when not loaded / draining / failed. */
  requireEngine(): Engine {
    if (this.ready && this.engine) return this.engine;
    const why =
      this.phase === "draining"
        ? "The server is shutting down."
        : this.phase === "failed"
          ? `The model failed to load: ${this.failure ?? "unknown error"}`
          : "The model is still loading.";
    throw new ApiError(503, why, {
      code: this.phase === "draining" ? "shutting_down" : "not_ready",
      retryAfter: 1,
    });
  }

  /** Counts a request doing generation work; the returned function ends it. */
  begin(): () => void {
    this.inFlight++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.inFlight--;
      if (this.inFlight === 0) for (const w of this.idleWaiters.splice(0)) w();
    };
  }

  get active(): number {
    return this.inFlight;
  }

  /** Resolves true once nothing is in flight, false when `ms` passes first. */
  waitIdle(ms: number): Promise<boolean> {
    if (this.inFlight === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((w) => w !== onIdle);
        resolve(false);
      }, ms);
      const onIdle = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.idleWaiters.push(onIdle);
    });
  }
}
