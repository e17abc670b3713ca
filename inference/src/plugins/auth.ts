// Authentication for routes that set `config.auth`: `Authorization: Bearer <api key | JWT>` or `x-api-key`.
// Sets request.tenant; 401 in OpenAI's format otherwise.
import type { FastifyInstance, FastifyRequest } from "fastify";
import { matchApiKey, type ApiKeyEntry } from "../auth/keys.js";
import type { JwtVerifier } from "../auth/jwt.js";
import { ApiError } from "../errors.js";
import { globalPlugin } from "./global.js";

declare module "fastify" {
  interface FastifyRequest {
    tenant: string;
  }
  interface FastifyContextConfig {
    /** The route requires credentials. */
    auth?: boolean;
  }
}

export interface AuthOptions {
  [key: string]: unknown;
  keys: readonly ApiKeyEntry[];
  jwt: JwtVerifier | undefined;
  /** Also require credentials on /metrics (METRICS_AUTH). */
  metricsAuth: boolean;
}

const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]+$/;

function credential(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header) {
    const m = /^Bearer\s+(.+)$/i.exec(header);
    return m?.[1]?.trim();
  }
  const key = request.headers["x-api-key"];
  return typeof key === "string" ? key.trim() : undefined;
}

const unauthorized = (message: string) => new ApiError(401, message, { code: "invalid_api_key" });

export const authPlugin = globalPlugin<AuthOptions>("auth", async (app: FastifyInstance, opts) => {
  app.decorateRequest("tenant", "");
  app.addHook("onRequest", async (request) => {
    const needed =
      request.routeOptions.config.auth === true ||
      (opts.metricsAuth && request.routeOptions.url === "/metrics");
    if (!needed) return;
    const token = credential(request);
    if (!token) {
      throw unauthorized("You didn't provide an API key. Send it as 'Authorization: Bearer <key>'.");
    }
    const tenant = matchApiKey(opts.keys, token);
    if (tenant !== undefined) {
      request.tenant = tenant;
      return;
    }
    if (opts.jwt && JWT_SHAPE.test(token)) {
      try {
        request.tenant = await opts.jwt.verify(token);
        return;
      } catch (err) {
        request.log.info({ reason: (err as Error).message }, "JWT rejected");
        throw unauthorized("Invalid bearer token.");
      }
    }
    throw unauthorized("Incorrect API key provided.");
  });
});
