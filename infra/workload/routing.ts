import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { InferenceConfig } from "./config.js";
import { APP_PORT_NAME, commonLabels, serviceSelector, type Track, TRACK_LABEL } from "./labels.js";

export interface RoutingArgs {
  readonly name: string;
  readonly namespace: pulumi.Input<string>;
  readonly config: InferenceConfig;
  readonly tracks: readonly Track[];
  /** An existing Istio Gateway (`<namespace>/<name>`) to attach to; a Gateway of our own when unset. */
  readonly sharedGateway?: pulumi.Input<string>;
  /** Pod labels of the Istio ingress gateway our own Gateway binds to. */
  readonly gatewaySelector: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export interface Routing {
  readonly service: k8s.core.v1.Service;
  /** Our own Gateway; none when attached to a shared one. */
  readonly gateway?: k8s.apiextensions.CustomResource;
  readonly virtualService: k8s.apiextensions.CustomResource;
  readonly destinationRule: k8s.apiextensions.CustomResource;
}

/** Traffic weights per track: the canary gets `canary.weight`, stable the rest, so they always sum to 100. */
export function trafficWeights(config: InferenceConfig): Record<Track, number> {
  const canary = config.canary.enabled ? config.canary.weight : 0;
  return { stable: 100 - canary, canary };
}

/** The Service over every track of one model: the ServiceMonitor scrapes through it, in-mesh callers reach it. */
export function createService(
  name: string,
  namespace: pulumi.Input<string>,
  opts: pulumi.CustomResourceOptions,
): k8s.core.v1.Service {
  return new k8s.core.v1.Service(
    name,
    {
      metadata: { name, namespace, labels: commonLabels(name) },
      spec: {
        selector: serviceSelector(name),
        // `appProtocol` tells Istio this is HTTP without relying on the port-name convention.
        ports: [
          { name: APP_PORT_NAME, port: 80, targetPort: APP_PORT_NAME, protocol: "TCP", appProtocol: "http" },
        ],
      },
    },
    opts,
  );
}

/**
 * One Service over both tracks; Istio splits traffic between the DestinationRule subsets by the `track` label.
 * Rolling a canary back is setting its weight to 0; its pods stay up (and scrapeable) until `canary.enabled` is false.
 */
export function createRouting(a: RoutingArgs, opts: pulumi.CustomResourceOptions): Routing {
  const labels = commonLabels(a.name);
  const c = a.config;
  const service = createService(a.name, a.namespace, opts);
  const host = pulumi.interpolate`${a.name}.${a.namespace}.svc.cluster.local`;
  const gateway = a.sharedGateway === undefined ? createGateway(a, labels, opts) : undefined;
  const weights = trafficWeights(c);
  const virtualService = new k8s.apiextensions.CustomResource(
    `${a.name}-vs`,
    {
      apiVersion: "networking.istio.io/v1",
      kind: "VirtualService",
      metadata: { name: a.name, namespace: a.namespace, labels },
      spec: {
        // The public host through the gateway, and the Service's own name for clients inside the mesh: both get
        // the same weighted split (without "mesh" in-cluster callers would hit both tracks by the Service alone).
        hosts: [c.host, host],
        gateways: [a.sharedGateway ?? pulumi.interpolate`${a.namespace}/${a.name}`, "mesh"],
        http: [
          {
            name: "inference",
            match: [{ uri: { prefix: "/" } }],
            route: a.tracks.map((track) => ({
              destination: { host, subset: track, port: { number: 80 } },
              weight: weights[track],
            })),
            timeout: `${c.traffic.timeoutSeconds}s`,
            retries: {
              attempts: c.traffic.retries.attempts,
              perTryTimeout: `${c.traffic.retries.perTryTimeoutSeconds}s`,
              retryOn: c.traffic.retries.retryOn,
            },
          },
        ],
      },
    },
    { ...opts, dependsOn: gateway ? [gateway] : [] },
  );
  const destinationRule = createDestinationRule(a, host, labels, opts);
  return { service, ...(gateway ? { gateway } : {}), virtualService, destinationRule };
}

function createGateway(
  a: RoutingArgs,
  labels: Record<string, string>,
  opts: pulumi.CustomResourceOptions,
): k8s.apiextensions.CustomResource {
  const c = a.config;
  return new k8s.apiextensions.CustomResource(
    `${a.name}-gateway`,
    {
      apiVersion: "networking.istio.io/v1",
      kind: "Gateway",
      metadata: { name: a.name, namespace: a.namespace, labels },
      spec: {
        selector: a.gatewaySelector,
        servers: [
          c.tlsSecretName !== undefined
            ? {
                port: { number: 443, name: "https", protocol: "HTTPS" },
                hosts: [c.host],
                tls: { mode: "SIMPLE", credentialName: c.tlsSecretName },
              }
            : { port: { number: 80, name: "http", protocol: "HTTP" }, hosts: [c.host] },
        ],
      },
    },
    opts,
  );
}

function createDestinationRule(
  a: RoutingArgs,
  host: pulumi.Output<string>,
  labels: Record<string, string>,
  opts: pulumi.CustomResourceOptions,
): k8s.apiextensions.CustomResource {
  const c = a.config;
  const od = c.traffic.outlierDetection;
  return new k8s.apiextensions.CustomResource(
    `${a.name}-dr`,
    {
      apiVersion: "networking.istio.io/v1",
      kind: "DestinationRule",
      metadata: { name: a.name, namespace: a.namespace, labels },
      spec: {
        host,
        trafficPolicy: {
          // Generation time varies by orders of magnitude; send work to the pod with the fewest requests in flight.
          loadBalancer: { simple: "LEAST_REQUEST" },
          // The circuit breaker: a pod answering 5xx repeatedly leaves the pool for a while.
          outlierDetection: {
            consecutive5xxErrors: od.consecutive5xxErrors,
            interval: `${od.intervalSeconds}s`,
            baseEjectionTime: `${od.baseEjectionSeconds}s`,
            maxEjectionPercent: od.maxEjectionPercent,
          },
        },
        subsets: a.tracks.map((track) => ({ name: track, labels: { [TRACK_LABEL]: track } })),
      },
    },
    opts,
  );
}

/** The public URL of the service: HTTPS when our Gateway has a certificate or the shared Gateway serves HTTPS. */
export function endpointUrl(config: InferenceConfig, sharedGatewayHttps?: boolean): string {
  const https = sharedGatewayHttps ?? config.tlsSecretName !== undefined;
  return `${https ? "https" : "http"}://${config.host}`;
}
