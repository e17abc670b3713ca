// Probes. /health: the process is alive. /ready: the model is loaded and the server is not draining
// (503 otherwise, with the reason).
import type { FastifyInstance } from "fastify";
import type { Lifecycle } from "../lifecycle.js";

const notReady = {
  type: "object",
  description: "Loading, failed (with the reason) or draining (Retry-After)",
  properties: { status: { enum: ["loading", "failed", "draining"] }, error: { type: "string" } },
} as const;

export function registerHealthRoutes(app: FastifyInstance, lifecycle: Lifecycle): void {
  app.get("/health", { config: { summary: "Liveness" } }, async () => ({ status: "ok" }));
  app.get(
    "/ready",
    { config: { summary: "Readiness: model loaded, not draining" }, schema: { response: { 503: notReady } } },
    async (_request, reply) => {
      if (lifecycle.ready) return { status: "ready", model: lifecycle.served?.id };
      return reply
        .status(503)
        .header("retry-after", "1")
        .send({ status: lifecycle.phase, ...(lifecycle.failure ? { error: lifecycle.failure } : {}) });
    },
  );
}
