// The one place errors become HTTP responses: OpenAI's `{error:{message,type,param,code}}` for every route,
// including fastify's own validation, body-size and JSON-parse failures, and 404s.
import type { FastifyError, FastifyInstance, FastifyReply } from "fastify";
import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
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

/** OpenAI's codes for the bounds it enforces; everything else is invalid_value. */
const VALIDATION_CODES: Record<string, string> = {
  additionalProperties: "unknown_parameter",
  maxItems: "array_above_max_length",
  maxLength: "string_above_max_length",
};

const VAGUE_KEYWORDS = new Set(["type", "anyOf", "oneOf"]);

function validationError(items: ValidationItem[], context: string | undefined): ApiError {
  // A value failing an anyOf fails every branch; the branch that matched its type says what is wrong
  // (e.g. maxLength), where "must be array" / "must match a schema in anyOf" would not.
  const v = items.find((i) => !VAGUE_KEYWORDS.has(i.keyword)) ?? (items[0] as ValidationItem);
  const path = v.instancePath.replace(/^\//, "").split("/").filter(Boolean);
  const extra = v.params.additionalProperty ?? v.params.missingProperty;
  if (typeof extra === "string") path.push(extra);
  const param = path.length > 0 ? path.join(".") : null;
  const where = param ?? context ?? "body";
  const message =
    v.keyword === "additionalProperties"
      ? `Unrecognized request argument supplied: ${String(extra)}`
      : `Invalid value for '${where}': ${v.message ?? "invalid"}.`;
  return new ApiError(400, message, { param, code: VALIDATION_CODES[v.keyword] ?? "invalid_value" });
}

/**
 * Errors node's HTTP parser raises before fastify sees a request (headers or body too slow, malformed HTTP),
 * answered in the same OpenAI shape on the raw socket, which is then closed.
 */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === "ECONNRESET" || socket.destroyed) return;
  const apiErr =
    err.code === "ERR_HTTP_REQUEST_TIMEOUT"
      ? new ApiError(408, "The request headers and body did not arrive in time.", { code: "request_timeout" })
      : err.code === "HPE_HEADER_OVERFLOW"
        ? new ApiError(431, "The request headers are too large.", { code: "headers_too_large" })
        : new ApiError(400, "Malformed HTTP request.", { code: "bad_request" });
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify(apiErr.toBody());
  // end() flushes the answer before closing; a peer that never reads is cut off a second later.
  socket.end(
    `HTTP/1.1 ${apiErr.status} ${STATUS_CODES[apiErr.status] ?? ""}\r\nConnection: close\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  setTimeout(() => socket.destroy(), 1000).unref();
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
