// The signals every engine-bound request runs under, shared by the generation and embeddings routes: the client
// leaving (499: the response closed before it finished), the per-request deadline (REQUEST_TIMEOUT_MS) and the
// drain grace running out (503 shutting_down), combined into one `signal` for the queue and the engine.
import type { FastifyReply } from "fastify";
import { ApiError } from "./errors.js";
import type { Lifecycle } from "./lifecycle.js";

export interface RequestSignals {
  readonly client: AbortSignal;
  readonly deadline: AbortSignal;
  readonly drain: AbortSignal;
  /** Any of the above (and `extra`): what the queue and the engine watch. */
  readonly signal: AbortSignal;
  /** Stops watching the socket and the drain; call once the request is done. */
  readonly detach: () => void;
}

export function requestSignals(
  lifecycle: Lifecycle,
  reply: FastifyReply,
  timeoutMs: number,
  extra?: AbortSignal,
): RequestSignals {
  const client = new AbortController();
  const onClose = () => {
    if (!reply.raw.writableFinished) {
      client.abort(new ApiError(499, "client closed the connection", { code: "client_closed" }));
    }
  };
  reply.raw.on("close", onClose);
  const deadline = AbortSignal.timeout(timeoutMs);
  // A per-request callback, not one process-long signal (see Lifecycle.whenGraceOver).
  const drain = new AbortController();
  const unwatch = lifecycle.whenGraceOver((reason) => drain.abort(reason));
  const signal = AbortSignal.any([client.signal, deadline, drain.signal, ...(extra ? [extra] : [])]);
  return {
    client: client.signal,
    deadline,
    drain: drain.signal,
    signal,
    detach: () => {
      unwatch();
      reply.raw.off("close", onClose);
    },
  };
}

/** Why a request stopped before the engine answered: the client left (499), or the queue timeout passed (503). */
export function abortError(err: unknown, client: AbortSignal): unknown {
  if (err instanceof ApiError) return err;
  if (client.aborted) return new ApiError(499, "client closed the connection", { code: "client_closed" });
  if ((err as Error).name === "TimeoutError") {
    return new ApiError(503, "Timed out waiting for a free sequence.", {
      code: "queue_timeout",
      retryAfter: 1,
    });
  }
  return err;
}
