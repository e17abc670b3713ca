// Counts and times every request to the API routes (genai_requests_total, genai_request_duration_seconds)
// and serves GET /metrics. A stream the client abandoned is recorded with status 499.
import type { FastifyInstance } from "fastify";
import type { Metrics } from "../metrics/metrics.js";
import { ROUTES } from "../metrics/names.js";
import { globalPlugin } from "./global.js";

declare module "fastify" {
  interface FastifyRequest {
    clientGone: boolean;
  }
}

const COUNTED = new Set<string>(ROUTES);

export const metricsPlugin = globalPlugin<{ metrics: Metrics }>(
  "metrics",
  async (app: FastifyInstance, opts) => {
    app.decorateRequest("clientGone", false);
    app.addHook("onResponse", async (request, reply) => {
      const route = request.routeOptions.url;
      if (route === undefined || !COUNTED.has(route)) return;
      const status = request.clientGone ? 499 : reply.statusCode;
      opts.metrics.requestFinished(route, status, reply.elapsedTime / 1000);
    });
    app.get("/metrics", async (_request, reply) => {
      const body = await opts.metrics.registry.metrics();
      return reply.type(opts.metrics.registry.contentType).send(body);
    });
  },
);
