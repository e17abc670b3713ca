// GET /v1/models: OpenAI's model list, with the one model this server serves.
import type { FastifyInstance } from "fastify";
import type { Lifecycle } from "../lifecycle.js";
import { errorResponses } from "./schemas.js";

export function registerModelRoutes(app: FastifyInstance, lifecycle: Lifecycle): void {
  const schema = { response: errorResponses([401, 503]) };
  app.get("/v1/models", { config: { auth: true, summary: "OpenAI model list" }, schema }, async () => {
    const engine = lifecycle.requireEngine();
    return {
      object: "list",
      data: [{ id: engine.info.model, object: "model", created: 0, owned_by: "genai-platform" }],
    };
  });
}
