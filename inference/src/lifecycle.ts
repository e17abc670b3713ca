// Readiness and drain state shared by the probes, the generation routes and the SIGTERM handler.
import type { EmbeddingEngine } from "./engine/embeddings.js";
import type { Engine } from "./engine/engine.js";
import { ApiError } from "./errors.js";
import type { CatalogEntry } from "./models/catalog.js";

/**
 * After the drain grace, how long requests still in flight get to write their 503 (or final SSE event) before
 * the sockets close. The pod's terminationGracePeriodSeconds must exceed SHUTDOWN_GRACE_MS plus this
 * (infra/workload/deployment.ts, checked by test/unit/workload/drainContract.test.ts).
 */
export const SHUTDOWN_ABORT_MS = 5_000;

export type Phase = "loading" | "ready" | "failed" | "draining";

export class Lifecycle {
  phase: Phase = "loading";
  engine: Engine | undefined;
  /** Set instead of `engine` on a server started with MODEL_TYPE=embeddings. */
  embeddings: EmbeddingEngine | undefined;
  failure: string | undefined;
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];
  private graceOver: ApiError | undefined;
  private readonly onGraceOver = new Set<(reason: ApiError) => void>();

  /**
   * Calls `stop` once the drain grace has run out (at once if it has); the returned function unregisters.
   * A per-request callback rather than one shared AbortSignal: AbortSignal.any() over a process-long signal
   * keeps every observed composite alive in that signal (nodejs/node#64476), one leak per request.
   */
  whenGraceOver(stop: (reason: ApiError) => void): () => void {
    if (this.graceOver) {
      stop(this.graceOver);
      return () => undefined;
    }
    this.onGraceOver.add(stop);
    return () => this.onGraceOver.delete(stop);
  }

  /** The drain grace is over: stop everything still in flight (queued and running end with 503). */
  expire(): void {
    this.graceOver = shuttingDown("The server shut down before this request finished.");
    for (const stop of [...this.onGraceOver]) stop(this.graceOver);
    this.onGraceOver.clear();
  }

  get ready(): boolean {
    return this.phase === "ready" && (this.engine !== undefined || this.embeddings !== undefined);
  }

  /** The model this server loaded, once ready. */
  get served(): Omit<CatalogEntry, "owned_by"> | undefined {
    if (!this.ready) return undefined;
    if (this.engine) return { id: this.engine.info.model, type: "chat" };
    if (this.embeddings) return { id: this.embeddings.info.model, type: "embeddings" };
    return undefined;
  }

  /** The model this server loaded; 503 when not loaded / draining / failed. */
  requireServed(): Omit<CatalogEntry, "owned_by"> {
    return this.served ?? this.notReady();
  }

  /** The chat engine; 400 on an embeddings server, 503 when not loaded / draining / failed. */
  requireEngine(): Engine {
    if (this.ready && this.engine) return this.engine;
    if (this.ready && this.embeddings) throw wrongModelType(this.embeddings.info.model, "embeddings");
    return this.notReady();
  }

  /** The embeddings engine; 400 on a chat server, 503 when not loaded / draining / failed. */
  requireEmbeddings(): EmbeddingEngine {
    if (this.ready && this.embeddings) return this.embeddings;
    if (this.ready && this.engine) throw wrongModelType(this.engine.info.model, "chat");
    return this.notReady();
  }

  private notReady(): never {
    const why =
      this.phase === "draining"
        ? "The server is shutting down."
        : this.phase === "failed"
          ? `The model failed to load: ${this.failure ?? "unknown error"}`
          : "The model is still loading.";
    if (this.phase === "draining") throw shuttingDown(why);
    throw new ApiError(503, why, { code: "not_ready", retryAfter: 1 });
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

export const shuttingDown = (message: string): ApiError =>
  new ApiError(503, message, { code: "shutting_down", retryAfter: 1 });
/** A request for the other kind of model than this server loaded (the gateway routes by model name). */
function wrongModelType(model: string, type: "chat" | "embeddings"): ApiError {
  const message =
    type === "embeddings"
      ? `The model '${model}' is an embeddings model: it serves POST /v1/embeddings only, not chat or ` +
        `completions. Name a chat model (GET /v1/models lists them).`
      : `The model '${model}' is a chat model: this server does not compute embeddings. Name an embeddings ` +
        `model (GET /v1/models lists them).`;
  return new ApiError(400, message, { param: "model", code: "model_not_supported" });
}
