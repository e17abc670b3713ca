// One SERVER span per HTTP request, continuing the caller's W3C traceparent; request.span is the parent of
// the generation span, and its trace id goes into every log line of the request.
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Span,
  type TextMapGetter,
} from "@opentelemetry/api";
import type { FastifyInstance } from "fastify";
import type { IncomingHttpHeaders } from "node:http";
import type { Tracing } from "../tracing.js";
import { globalPlugin } from "./global.js";

declare module "fastify" {
  interface FastifyRequest {
    span: Span | undefined;
  }
}

const headerGetter: TextMapGetter<IncomingHttpHeaders> = {
  keys: (h) => Object.keys(h),
  get: (h, key) => h[key.toLowerCase()],
};

const UNTRACED = new Set(["/health", "/ready", "/metrics"]);

export const tracingPlugin = globalPlugin<{ tracing: Tracing }>(
  "tracing",
  async (app: FastifyInstance, opts) => {
    app.decorateRequest("span", undefined);
    app.addHook("onRequest", async (request) => {
      const route = request.routeOptions.url ?? "unknown";
      if (UNTRACED.has(route)) return;
      const parent = opts.tracing.propagator.extract(ROOT_CONTEXT, request.headers, headerGetter);
      const span = opts.tracing.tracer.startSpan(
        `${request.method} ${route}`,
        {
          kind: SpanKind.SERVER,
          attributes: { "http.request.method": request.method, "http.route": route, "url.path": request.url },
        },
        parent,
      );
      request.span = span;
      const traceId = span.spanContext().traceId;
      if (trace.isSpanContextValid(span.spanContext()))
        request.log = request.log.child({ trace_id: traceId });
    });
    app.addHook("onResponse", async (request, reply) => {
      const span = request.span;
      if (!span) return;
      span.setAttribute("http.response.status_code", reply.statusCode);
      if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
  },
);
