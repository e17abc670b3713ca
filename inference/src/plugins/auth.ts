// Authentication for routes that set `config.auth`: `Authorization: Bearer <api key | JWT>` or `x-api-key`.
// Sets request.tenant; 401 in OpenAI's format otherwise.
import type { FastifyInstance, FastifyRequest } from "fastify";
import { matchApiKey, type ApiKeyEntry } from "../auth/keys.js";
import { TokenRejected, type JwtVerifier } from "../auth/jwt.js";
import type { TenantLabels } from "../auth/tenant-labels.js";
import { ApiError } from "../errors.js";
import { globalPlugin } from "./global.js";

declare module "fastify" {
  interface FastifyRequest {
    tenant: string;
    /** The tenant as a metric label (bounded cardinality: see auth/tenant-labels.ts). */
    tenantLabel: string;
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
  tenantLabels: TenantLabels;
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

/** The tenant of a valid JWT, undefined when `token` is no JWT; 401 for a JWT that fails verification. */
async function jwtTenant(
  request: FastifyRequest,
  jwt: JwtVerifier | undefined,
  token: string,
): Promise<string | undefined> {
  if (!jwt || !JWT_SHAPE.test(token)) return undefined;
  try {
    return await jwt.verify(token);
  } catch (err) {
    request.log.info({ reason: (err as Error).message }, "JWT rejected");
    // Say why only for authenticated tokens (expired, no exp, too long-lived); a bad signature stays vague.
    throw unauthorized(
      err instanceof TokenRejected ? `Invalid bearer token: ${err.message}.` : "Invalid bearer token.",
    );
  }
}

export const authPlugin = globalPlugin<AuthOptions>("auth", async (app: FastifyInstance, opts) => {
  app.decorateRequest("tenant", "");
  app.decorateRequest("tenantLabel", "");
  app.addHook("onRequest", async (request) => {
    if (request.routeOptions.config.auth !== true) return;
    const token = credential(request);
    if (!token) {
      throw unauthorized("You didn't provide an API key. Send it as 'Authorization: Bearer <key>'.");
    }
    const tenant = matchApiKey(opts.keys, token) ?? (await jwtTenant(request, opts.jwt, token));
    if (tenant === undefined) throw unauthorized("Incorrect API key provided.");
    request.tenant = tenant;
    request.tenantLabel = opts.tenantLabels.of(tenant);
  });
});
