// The one place errors become HTTP responses: OpenAI's `{error:{message,type,param,code}}` for every route,
// including fastify's own validation, body-size and JSON-parse failures, and 404s.
import type { FastifyError, FastifyInstance, FastifyReply } from "fastify";
import { ApiError } from "../errors.js";
import { globalPlugin } from "./global.js";

export function sendError(reply: FastifyReply, err: ApiError): FastifyReply {
  if (err.retryAfter !== undefined) void reply.header("retry-after", String(err.retryAfter));
  return reply.status(err.status).type("application/json").send(err.toBody());
}

/** Maps any thrown value to an ApiError. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const fe = err as Partial<FastifyError> & { validation?: ValidationItem[] };
  if (fe.validation && fe.validation.length > 0) return validationError(fe.validation, fe.validationContext);
  switch (fe.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new ApiError(413, "The request body is too large.", { code: "request_too_large" });
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return new ApiError(415, "Content-Type must be application/json.", { code: "unsupported_media_type" });
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return new ApiError(400, `The request body is not valid JSON: ${fe.message ?? ""}`, {
        code: "invalid_json",
      });
  }
  if (fe.statusCode !== undefined && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new ApiError(fe.statusCode, fe.message ?? "Bad request.");
  }
  return new ApiError(500, "Internal server error.", { code: "internal_error" });
}

interface ValidationItem {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

function validationError(items: ValidationItem[], context: string | undefined): ApiError {
  const v = items[0] as ValidationItem;
  const path = v.instancePath.replace(/^\//, "").split("/").filter(Boolean);
  const extra = v.params.additionalProperty ?? v.params.missingProperty;
  if (typeof extra === "string") path.push(extra);
  const param = path.length > 0 ? path.join(".") : null;
  const where = param ?? context ?? "body";
  const message =
    v.keyword === "additionalProperties"
      ? `Unrecognized request argument supplied: ${String(extra)}`
      : `Invalid value for '${where}': ${v.message ?? "invalid"}.`;
  return new ApiError(400, message, {
    param,
    code: v.keyword === "additionalProperties" ? "unknown_parameter" : "invalid_value",
  });
}

export const errorsPlugin = globalPlugin("errors", async (app: FastifyInstance) => {
  app.setErrorHandler((err, request, reply) => {
    const apiErr = toApiError(err);
    if (apiErr.status === 500) request.log.error({ err }, "request failed");
    return sendError(reply, apiErr);
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(
      reply,
      new ApiError(404, `Unknown route ${request.method} ${request.url}.`, { code: "not_found" }),
    ),
  );
});
