// Counts and times every request to the API routes (genai_requests_total, genai_request_duration_seconds)
// and serves GET /metrics.
import type { FastifyInstance } from "fastify";
import type { Metrics } from "../metrics/metrics.js";
import { ROUTES } from "../metrics/names.js";
import { errorResponses } from "../routes/schemas.js";
import { globalPlugin } from "./global.js";

const COUNTED = new Set<string>(ROUTES);

export const metricsPlugin = globalPlugin<{ metrics: Metrics; /** METRICS_AUTH */ auth: boolean }>(
  "metrics",
  async (app: FastifyInstance, opts) => {
    // On the socket's "close" rather than fastify's onResponse, which never fires for a response the client
    // abandoned: those are recorded with status 499 (nginx's "client closed request").
    app.addHook("onRequest", async (request, reply) => {
      const route = request.routeOptions.url;
      if (route === undefined || !COUNTED.has(route)) return;
      reply.raw.once("close", () => {
        const status = reply.raw.writableFinished ? reply.statusCode : 499;
        opts.metrics.requestFinished(route, status, reply.elapsedTime / 1000);
      });
    });
    app.get(
      "/metrics",
      {
        config: { summary: "Prometheus metrics (text format)", auth: opts.auth },
        ...(opts.auth ? { schema: { response: errorResponses([401]) } } : {}),
      },
      async (_request, reply) => {
        const body = await opts.metrics.registry.metrics();
        return reply.type(opts.metrics.registry.contentType).send(body);
      },
    );
  },
);
