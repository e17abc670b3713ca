// OpenTelemetry tracing: spans go to OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT (or ..._TRACES_ENDPOINT) is set;
// otherwise the API's no-op tracer is used and costs nothing. W3C traceparent is the propagation format.
import { trace, type Tracer } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { detectResources, envDetector, resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";

export interface Tracing {
  tracer: Tracer;
  propagator: W3CTraceContextPropagator;
  shutdown(): Promise<void>;
}

export function setupTracing(opts: { endpoint: string | undefined; serviceName: string }): Tracing {
  const propagator = new W3CTraceContextPropagator();
  if (!opts.endpoint) {
    return { tracer: trace.getTracer("genai-inference"), propagator, shutdown: async () => undefined };
  }
  // The exporter reads OTEL_EXPORTER_OTLP_* itself (endpoint + /v1/traces, headers, timeout).
  // OTEL_RESOURCE_ATTRIBUTES (the platform puts the canary/stable track there) merged under the service name:
  // an explicit resource replaces the SDK's default, so the env detector must be asked for them here.
  const resource = detectResources({ detectors: [envDetector] }).merge(
    resourceFromAttributes({ [ATTR_SERVICE_NAME]: opts.serviceName }),
  );
  const provider = new NodeTracerProvider({
    resource,
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  return {
    tracer: provider.getTracer("genai-inference"),
    propagator,
    shutdown: () => provider.shutdown(),
  };
}
