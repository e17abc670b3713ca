// GET /openapi.json: an OpenAPI 3.1 document built from the routes' own JSON schemas, so it cannot drift
// from what the server validates.
import type { FastifyInstance, RouteOptions } from "fastify";

declare module "fastify" {
  interface FastifyContextConfig {
    /** One-line description for the OpenAPI document. */
    summary?: string;
  }
}

interface Operation {
  summary?: string;
  security?: Record<string, string[]>[];
  requestBody?: unknown;
  responses: Record<string, unknown>;
}

/** Call before the routes are registered: collects every route as it is added. */
export function collectOpenApi(app: FastifyInstance, info: { title: string; version: string }): void {
  const paths: Record<string, Record<string, Operation>> = {};
  app.addHook("onRoute", (route: RouteOptions) => {
    const methods = (Array.isArray(route.method) ? route.method : [route.method]).filter((m) => m !== "HEAD");
    const config = route.config as { auth?: boolean; summary?: string } | undefined;
    if (!config?.summary) return;
    const schema = route.schema as { body?: unknown; response?: Record<string, unknown> } | undefined;
    for (const method of methods) {
      const responses: Record<string, unknown> = { 200: { description: "OK" } };
      for (const [status, s] of Object.entries(schema?.response ?? {})) {
        const described = (s as { description?: unknown }).description;
        responses[status] = {
          description: typeof described === "string" ? described : status === "200" ? "OK" : "Error",
          content: { "application/json": { schema: s } },
        };
      }
      (paths[route.url] ??= {})[method.toLowerCase()] = {
        summary: config.summary,
        ...(config.auth ? { security: [{ bearer: [] }] } : {}),
        ...(schema?.body
          ? { requestBody: { required: true, content: { "application/json": { schema: schema.body } } } }
          : {}),
        responses,
      };
    }
  });
  app.get("/openapi.json", async () => ({
    openapi: "3.1.0",
    info,
    paths,
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "API key or JWT" } },
    },
  }));
}
