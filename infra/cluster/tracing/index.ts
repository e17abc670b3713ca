import { createHash } from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { stringify as toYaml } from "yaml";
import { argsError, resolveArgs } from "../../shared/componentConfig.js";
import type { DeepPartial } from "../../shared/schemaMerge.js";
import { CLUSTER_DNS, createPdb, dnsEgress, namespacePeer, type PodsRef } from "../../shared/protection.js";
import { IMAGES } from "../charts.js";
import {
  childOptions,
  type ClusterComponentArgs,
  RESTRICTED_CONTAINER_SECURITY,
  serviceUrl,
} from "../common.js";
import { DEFAULT_NAMESPACES } from "../namespaces/config.js";
import { type TracingConfig, tracingConfig } from "./config.js";

/** Where Jaeger keeps traces. */
export type TraceStorage =
  | { readonly kind: "memory"; readonly maxTraces: number }
  | {
      readonly kind: "elasticsearch";
      /** https URL of Elasticsearch. */
      readonly url: pulumi.Input<string>;
      readonly username: string;
      /** Secret. */
      readonly password: pulumi.Input<string>;
      /** PEM of the CA (or the self-signed cert) Elasticsearch serves. */
      readonly caPem?: pulumi.Input<string>;
    };

/** Who Jaeger's NetworkPolicy lets in and out, besides OTLP from every namespace and DNS. */
export interface TracingPeers {
  /**
   * Namespace whose pods may use the query API on 16686 (Grafana's Jaeger datasource).
   * @default the default monitoring namespace ("monitoring")
   */
  readonly queryNamespace?: pulumi.Input<string>;
  /** Cluster DNS pods. Default: `CLUSTER_DNS` (namespace `kube-system`, labels `{ "k8s-app": "kube-dns" }`). */
  readonly dns?: PodsRef;
  /**
   * Namespace of the Elasticsearch that stores the traces (egress on the storage URL's port). Unset: that port to
   * any destination, for an Elasticsearch outside the cluster. Used only with Elasticsearch storage.
   */
  readonly elasticsearchNamespace?: pulumi.Input<string>;
}

/** The settings of {@link TracingArgs} that come from `genai:tracing`. */
const SETTINGS = ["replicas", "resources", "cpuLimit"] as const;

export interface TracingArgs extends Omit<ClusterComponentArgs, "charts"> {
  /**
   * Trace storage (the platform: Elasticsearch of the logging component in prod).
   * @default in memory, 50000 traces
   */
  readonly storage?: TraceStorage;
  /**
   * Replicas (only 1 with in-memory storage).
   * @default 1 (prod preset: 2)
   */
  readonly replicas?: number;
  /**
   * Requests (and memory limit) of each pod.
   * @default 500m / 1Gi (prod preset: 1 / 2Gi)
   */
  readonly resources?: DeepPartial<TracingConfig["resources"]>;
  /**
   * CPU limit of each pod.
   * @default "1" (prod preset: "2")
   */
  readonly cpuLimit?: TracingConfig["cpuLimit"];
  /**
   * NetworkPolicy peers.
   * @default queries from the default monitoring namespace, DNS from kube-system
   */
  readonly peers?: TracingPeers;
  /**
   * What must exist first (e.g. Elasticsearch).
   * @default none
   */
  readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** Tracing's Args with every default applied. */
type ResolvedArgs = TracingArgs &
  Pick<TracingConfig, (typeof SETTINGS)[number]> & {
    readonly namespace: pulumi.Input<string>;
    readonly storage: TraceStorage;
    readonly peers: TracingPeers;
  };

/** Index prefix of the traces in Elasticsearch. */
export const TRACE_INDEX_PREFIX = "genai-traces";
const NAME = "jaeger";
/** The ports Jaeger serves: OTLP (gRPC, HTTP), the query API and UI, the health check. */
export const JAEGER_PORTS = { otlpGrpc: 4317, otlpHttp: 4318, query: 16686, health: 13133 } as const;
const PORTS = JAEGER_PORTS;
/** The labels Jaeger's pods are selected by (NetworkPolicy peers of other components use them). */
export const JAEGER_POD_LABELS: Readonly<Record<string, string>> = { "app.kubernetes.io/name": NAME };

/** Jaeger's collector pods in `namespace` with their OTLP/HTTP port: the peer of a workload that sends traces. */
export function jaegerCollectorPods(namespace: pulumi.Input<string>): PodsRef & { readonly port: number } {
  return { namespace, podLabels: JAEGER_POD_LABELS, port: PORTS.otlpHttp };
}

/** Jaeger's query API (Grafana's datasource URL) for a Tracing component installed in `namespace`. */
export function jaegerQueryUrl(namespace: pulumi.Input<string>): pulumi.Output<string> {
  return serviceUrl(NAME, namespace, PORTS.query);
}

/**
 * Jaeger v2 (one binary: OTLP receiver, storage, query UI), deployed directly rather than from a chart: the
 * whole config is the one YAML below, and the pod runs under the restricted Pod Security profile.
 */
export class Tracing extends pulumi.ComponentResource {
  /** OTLP/HTTP endpoint for SDKs: `http://jaeger.<ns>.svc:4318`. */
  public readonly otlpHttpEndpoint: pulumi.Output<string>;
  /** OTLP/gRPC endpoint: `http://jaeger.<ns>.svc:4317`. */
  public readonly otlpGrpcEndpoint: pulumi.Output<string>;
  public readonly queryUrl: pulumi.Output<string>;
  /** The Jaeger Service's name and namespace (for Istio's tracing provider). */
  public readonly serviceHost: pulumi.Output<string>;

  constructor(name: string, given: TracingArgs, opts?: pulumi.ComponentResourceOptions) {
    const args: ResolvedArgs = {
      ...given,
      namespace: given.namespace ?? DEFAULT_NAMESPACES.tracing,
      storage: given.storage ?? { kind: "memory", maxTraces: tracingConfig.defaults.maxTraces },
      peers: given.peers ?? {},
      ...resolveArgs(tracingConfig, SETTINGS, given, `Tracing ${name}`),
    };
    if (args.storage.kind === "memory" && args.replicas > 1) {
      throw argsError(
        `Tracing ${name}`,
        "replicas",
        "in-memory trace storage cannot have more than 1 replica",
      );
    }
    super("genai:cluster:Tracing", name, {}, opts);
    const ns = args.namespace;
    const childOpts = childOptions(this, args.provider);
    const labels = { ...JAEGER_POD_LABELS, "app.kubernetes.io/part-of": "genai-platform" };

    const config = new k8s.core.v1.ConfigMap(
      `${name}-config`,
      {
        metadata: { name: `${NAME}-config`, namespace: ns },
        data: { "config.yaml": toYaml(jaegerConfig(args.storage)) },
      },
      childOpts,
    );
    const es = args.storage.kind === "elasticsearch" ? args.storage : undefined;
    const esSecret = es
      ? new k8s.core.v1.Secret(
          `${name}-es`,
          {
            metadata: { name: `${NAME}-elasticsearch`, namespace: ns },
            stringData: { password: pulumi.secret(es.password), ...(es.caPem ? { "ca.crt": es.caPem } : {}) },
          },
          childOpts,
        )
      : undefined;

    const deployment = new k8s.apps.v1.Deployment(
      `${name}-jaeger`,
      {
        metadata: { name: NAME, namespace: ns, labels },
        spec: {
          replicas: args.replicas,
          selector: { matchLabels: labels },
          template: {
            metadata: {
              labels,
              annotations: { "genai/config-hash": config.data.apply((d) => hash(JSON.stringify(d))) },
            },
            spec: {
              automountServiceAccountToken: false,
              securityContext: {
                runAsNonRoot: true,
                runAsUser: 10001,
                runAsGroup: 10001,
                fsGroup: 10001,
                seccompProfile: { type: "RuntimeDefault" },
              },
              affinity: args.replicas > 1 ? spreadAcrossNodes(labels) : undefined,
              containers: [
                {
                  name: NAME,
                  image: IMAGES.jaeger,
                  args: ["--config", "/etc/jaeger/config.yaml"],
                  ports: [
                    { name: "otlp-grpc", containerPort: PORTS.otlpGrpc },
                    { name: "otlp-http", containerPort: PORTS.otlpHttp },
                    { name: "query", containerPort: PORTS.query },
                    { name: "health", containerPort: PORTS.health },
                  ],
                  env:
                    es && esSecret
                      ? [
                          { name: "ES_URL", value: es.url },
                          {
                            name: "ES_PASSWORD",
                            valueFrom: { secretKeyRef: { name: esSecret.metadata.name, key: "password" } },
                          },
                        ]
                      : [],
                  readinessProbe: { httpGet: { path: "/status", port: PORTS.health } },
                  livenessProbe: {
                    httpGet: { path: "/status", port: PORTS.health },
                    initialDelaySeconds: 10,
                  },
                  resources: {
                    requests: { cpu: args.resources.cpu, memory: args.resources.memory },
                    limits: { cpu: args.cpuLimit, memory: args.resources.memory },
                  },
                  securityContext: RESTRICTED_CONTAINER_SECURITY,
                  volumeMounts: [
                    { name: "config", mountPath: "/etc/jaeger", readOnly: true },
                    { name: "tmp", mountPath: "/tmp" },
                    ...(esSecret ? [{ name: "es", mountPath: "/etc/jaeger-es", readOnly: true }] : []),
                  ],
                },
              ],
              volumes: [
                { name: "config", configMap: { name: config.metadata.name } },
                { name: "tmp", emptyDir: {} },
                ...(esSecret ? [{ name: "es", secret: { secretName: esSecret.metadata.name } }] : []),
              ],
            },
          },
        },
      },
      { ...childOpts, dependsOn: args.dependsOn ?? [] },
    );
    const service = new k8s.core.v1.Service(
      `${name}-jaeger`,
      {
        metadata: { name: NAME, namespace: ns, labels },
        spec: {
          selector: labels,
          ports: [
            // appProtocol lets Istio pick the protocol without name conventions.
            { name: "grpc-otlp", port: PORTS.otlpGrpc, targetPort: "otlp-grpc", appProtocol: "grpc" },
            { name: "http-otlp", port: PORTS.otlpHttp, targetPort: "otlp-http", appProtocol: "http" },
            { name: "http-query", port: PORTS.query, targetPort: "query", appProtocol: "http" },
          ],
        },
      },
      { ...childOpts, dependsOn: [deployment] },
    );
    // A drain evicts at most one Jaeger pod at a time, and never waits on a single replica.
    createPdb(
      `${name}-jaeger`,
      { name: NAME, namespace: ns, labels, selector: labels, maxUnavailable: 1 },
      childOpts,
    );
    new k8s.networking.v1.NetworkPolicy(
      `${name}-jaeger`,
      {
        metadata: { name: NAME, namespace: ns, labels },
        spec: jaegerNetworkPolicySpec(labels, args.peers, es?.url),
      },
      childOpts,
    );
    this.otlpHttpEndpoint = serviceUrl(service.metadata.name, ns, PORTS.otlpHttp);
    this.otlpGrpcEndpoint = serviceUrl(service.metadata.name, ns, PORTS.otlpGrpc);
    this.queryUrl = serviceUrl(service.metadata.name, ns, PORTS.query);
    this.serviceHost = pulumi.interpolate`${service.metadata.name}.${ns}.svc.cluster.local`;
    this.registerOutputs({
      otlpHttpEndpoint: this.otlpHttpEndpoint,
      otlpGrpcEndpoint: this.otlpGrpcEndpoint,
      queryUrl: this.queryUrl,
    });
  }
}

type NetworkPolicySpec = k8s.types.input.networking.v1.NetworkPolicySpec;

/**
 * Jaeger's pods take OTLP from every namespace (every workload, and Istio's proxies, send traces) and the query API
 * from `queryNamespace` only; they reach only DNS and, with `esUrl`, Elasticsearch on that URL's port.
 */
export function jaegerNetworkPolicySpec(
  podLabels: Record<string, string>,
  peers: TracingPeers,
  esUrl?: pulumi.Input<string>,
): NetworkPolicySpec {
  const tcp = (port: pulumi.Input<number>) => ({ protocol: "TCP", port });
  return {
    podSelector: { matchLabels: podLabels },
    policyTypes: ["Ingress", "Egress"],
    ingress: [
      { from: [{ namespaceSelector: {} }], ports: [tcp(PORTS.otlpGrpc), tcp(PORTS.otlpHttp)] },
      {
        from: [namespacePeer(peers.queryNamespace ?? DEFAULT_NAMESPACES.monitoring)],
        ports: [tcp(PORTS.query)],
      },
    ],
    egress: [
      dnsEgress(peers.dns ?? CLUSTER_DNS),
      ...(esUrl === undefined
        ? []
        : [
            {
              ...(peers.elasticsearchNamespace === undefined
                ? {}
                : { to: [namespacePeer(peers.elasticsearchNamespace)] }),
              ports: [tcp(pulumi.output(esUrl).apply(urlPort))],
            },
          ]),
    ],
  };
}

/** The port a URL connects to: its explicit port, else the scheme's default. */
export function urlPort(url: string): number {
  const parsed = new URL(url);
  if (parsed.port !== "") return Number(parsed.port);
  if (parsed.protocol === "https:") return 443;
  if (parsed.protocol === "http:") return 80;
  throw new Error(`Elasticsearch URL ${JSON.stringify(url)}: expected http(s), got ${parsed.protocol}`);
}

/** Jaeger v2's config: OTLP in (gRPC and HTTP), batch, one storage backend, the query UI and a health check. */
export function jaegerConfig(storage: TraceStorage): Record<string, unknown> {
  const backend =
    storage.kind === "memory"
      ? { memory: { max_traces: storage.maxTraces } }
      : {
          elasticsearch: {
            server_urls: ["${env:ES_URL}"],
            auth: { basic: { username: storage.username, password: "${env:ES_PASSWORD}" } },
            tls: storage.caPem ? { ca_file: "/etc/jaeger-es/ca.crt" } : { insecure: false },
            indices: { index_prefix: TRACE_INDEX_PREFIX },
          },
        };
  return {
    service: {
      extensions: ["jaeger_storage", "jaeger_query", "healthcheckv2"],
      pipelines: {
        traces: { receivers: ["otlp"], processors: ["batch"], exporters: ["jaeger_storage_exporter"] },
      },
    },
    extensions: {
      healthcheckv2: { use_v2: true, http: { endpoint: `0.0.0.0:${PORTS.health}` } },
      jaeger_query: { storage: { traces: "main" }, http: { endpoint: `0.0.0.0:${PORTS.query}` } },
      jaeger_storage: { backends: { main: backend } },
    },
    receivers: {
      otlp: {
        protocols: {
          grpc: { endpoint: `0.0.0.0:${PORTS.otlpGrpc}` },
          http: { endpoint: `0.0.0.0:${PORTS.otlpHttp}` },
        },
      },
    },
    processors: { batch: {} },
    exporters: { jaeger_storage_exporter: { trace_storage: "main" } },
  };
}

function spreadAcrossNodes(labels: Record<string, string>) {
  return {
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        {
          weight: 100,
          podAffinityTerm: { labelSelector: { matchLabels: labels }, topologyKey: "kubernetes.io/hostname" },
        },
      ],
    },
  };
}

/** Short content hash: a config change rolls the pods. */
function hash(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}
