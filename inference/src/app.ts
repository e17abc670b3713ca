// Assembles the HTTP server: plugins (errors, auth, tracing, metrics) then routes. Knows nothing of how the
// model is loaded; main.ts wires the pieces.
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { randomUUID } from "node:crypto";
import type { ApiKeyEntry } from "./auth/keys.js";
import type { JwtVerifier } from "./auth/jwt.js";
import type { TenantLabels } from "./auth/tenant-labels.js";
import type { GenerationDeps } from "./generation.js";
import { authPlugin } from "./plugins/auth.js";
import { clientErrorHandler, errorsPlugin } from "./plugins/errors.js";
import { metricsPlugin } from "./plugins/metrics.js";
import { tracingPlugin } from "./plugins/tracing.js";
import { registerHealthRoutes } from "./routes/health.js";
import { registerEmbeddingsRoutes } from "./routes/embeddings.js";
import { registerModelRoutes } from "./routes/models.js";
import { collectOpenApi } from "./routes/openapi.js";
import { registerOpenAIRoutes } from "./routes/openai.js";
import { registerSimpleRoutes } from "./routes/simple.js";

export interface AppDeps extends GenerationDeps {
  logger: Logger;
  keys: readonly ApiKeyEntry[];
  jwt: JwtVerifier | undefined;
  tenantLabels: TenantLabels;
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    // pino's Logger is a FastifyBaseLogger; the cast keeps the app typed with the default logger.
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: deps.config.bodyLimitBytes,
    // A client trickling its headers or body must not hold a socket (and a parser) forever: 408, then close.
    // fastify's default is no limit; node checks its connections every connectionsCheckingInterval.
    requestTimeout: deps.config.requestBodyTimeoutMs,
    http: {
      headersTimeout: deps.config.requestBodyTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, deps.config.requestBodyTimeoutMs),
    },
    clientErrorHandler,
    // Keep a caller's x-request-id when it is sane, so logs join up across services.
    genReqId: (req) => {
      const given = req.headers["x-request-id"];
      return typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID();
    },
    // Idle keep-alive sockets are closed on shutdown; requests in flight are allowed to finish.
    forceCloseConnections: "idle",
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false },
    },
  });
  app.addHook("onSend", async (request, reply) => {
    void reply.header("x-request-id", request.id);
  });
  await app.register(errorsPlugin);
  // Before any route (/metrics included) is added, so every route is in the document.
  collectOpenApi(app, { title: "genai-platform inference server", version: "0.1.0" });
  // Metrics and tracing hook onRequest before auth, so rejected requests (401) are counted and traced too.
  await app.register(metricsPlugin, { metrics: deps.metrics, auth: deps.config.metricsAuth });
  await app.register(tracingPlugin, { tracing: deps.tracing });
  await app.register(authPlugin, { keys: deps.keys, jwt: deps.jwt, tenantLabels: deps.tenantLabels });
  registerHealthRoutes(app, deps.lifecycle);
  registerModelRoutes(app, deps.lifecycle, deps.config.catalog);
  registerEmbeddingsRoutes(app, deps);
  registerOpenAIRoutes(app, deps);
  registerSimpleRoutes(app, deps);
  return app;
}
