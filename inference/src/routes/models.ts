// GET /v1/models: OpenAI's model list. Every server lists every model of the endpoint (MODEL_CATALOG), its
// own first, so the answer does not depend on which pod the gateway picked.
import type { FastifyInstance } from "fastify";
import type { Lifecycle } from "../lifecycle.js";
import { DEFAULT_OWNER, modelList, type CatalogEntry } from "../models/catalog.js";
import { errorResponses } from "./schemas.js";

export function registerModelRoutes(
  app: FastifyInstance,
  lifecycle: Lifecycle,
  catalog: readonly CatalogEntry[] = [],
): void {
  const schema = { response: errorResponses([401, 503]) };
  app.get("/v1/models", { config: { auth: true, summary: "OpenAI model list" }, schema }, async () => {
    // 503 (still loading, draining, failed) with the reason, as before the catalog existed.
    const own = { ...lifecycle.requireServed(), owned_by: DEFAULT_OWNER };
    return {
      object: "list",
      data: modelList(own, catalog).map((m) => ({
        id: m.id,
        object: "model",
        created: 0,
        owned_by: m.owned_by,
        // Not in OpenAI's schema, which clients ignore; tells a caller which routes a model answers.
        type: m.type,
      })),
    };
  });
}
