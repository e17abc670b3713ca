// Several models behind one OpenAI endpoint, the Kubernetes way (Gateway API Inference Extension on Istio):
// body-based routing copies the request's `model` into a header, an HTTPRoute rule per model matches it and
// splits traffic between the model's stable and canary InferencePools by weight, and each pool's endpoint picker
// sends the request to the pod with the shortest queue and the most free slots.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { installChart, present, CHARTS, type ChartSettings } from "../cluster/charts.js";
import { dnsEgress, namespacePeer, podsPeer, type PodsRef } from "../shared/protection.js";
import {
  BBR_NAME,
  BBR_PORT,
  EPP_PORT,
  GATEWAY_POD_LABEL,
  MODEL_HEADER,
  eppName,
  eppSelector,
  inferencePoolServiceName,
} from "./names.js";
import { bbrValues, eppValues } from "./values.js";

/** One InferencePool: the pods of one model and track. */
export interface ModelPool {
  /** InferencePool and Helm release name (names.ts poolName). */
  readonly name: string;
  /** Pod labels the pool selects (one model, one track). */
  readonly selector: Readonly<Record<string, string>>;
  /** Share of the model's traffic, 0-100; a model's pools sum to 100. */
  readonly weight: number;
}

/** The pools of one model, as clients name it in `model`. */
export interface ModelRoute {
  readonly model: string;
  readonly pools: readonly ModelPool[];
  /**
   * What the model serves. An embeddings model's pools are plain Services, not InferencePools: the v1.0.1
   * endpoint picker reads a prompt only from `messages` or `prompt` and answers 400 to every `/v1/embeddings`
   * body (`input`; pkg/epp/util/request/body.go), which the real picker's suite (npm run test:epp) shows.
   * @default "chat"
   */
  readonly type?: "chat" | "embeddings";
}

const picked = (m: ModelRoute) => (m.type ?? "chat") === "chat";

export interface GatewayTraffic {
  /** Whole-request timeout (generation included). */
  readonly timeoutSeconds: number;
  /** The circuit breaker: a pod answering 5xx repeatedly leaves its pool for a while. */
  readonly outlierDetection: {
    readonly consecutive5xxErrors: number;
    readonly intervalSeconds: number;
    readonly baseEjectionSeconds: number;
    readonly maxEjectionPercent: number;
  };
}

export interface ModelGatewayArgs {
  /** Kubernetes provider for every child. Required. */
  readonly provider: k8s.Provider;
  /** Namespace of the model servers: the InferencePools, endpoint pickers and HTTPRoute go here. Required. */
  readonly namespace: pulumi.Input<string>;
  /** Namespace of the Gateway, its Istio-run pods and body-based routing. Default: `istio-system`. */
  readonly gatewayNamespace?: pulumi.Input<string>;
  /** Gateway name; Istio labels its pods `gateway.networking.k8s.io/gateway-name: <name>`. Default: `genai-models`. */
  readonly gatewayName?: string;
  /** Public host name. Required. */
  readonly host: string;
  /** A kubernetes.io/tls Secret in the gateway namespace: HTTPS on 443 when set, plain HTTP on 80 otherwise. */
  readonly tlsSecretName?: string;
  /** Every model; the first answers requests that name none (GET /v1/models). At least one. Required. */
  readonly models: readonly ModelRoute[];
  /** The servers' port (InferencePool targetPorts). Required. */
  readonly targetPort: number;
  readonly traffic: GatewayTraffic;
  /** Where charts come from. Required. */
  readonly charts: ChartSettings;
  /**
   * Install the pickers and body-based routing from their charts. False: the InferencePools are written directly
   * and nothing picks (a control plane without chart access, e.g. ci). Default: true.
   */
  readonly installCharts?: boolean;
  /** Endpoint picker replicas per pool (more than one elects a leader). Default: 1. */
  readonly eppReplicas?: number;
  /** Body-based routing replicas. Default: 1. */
  readonly bbrReplicas?: number;
  /** DNS pods, for the pickers' NetworkPolicy. Default: kube-system kube-dns. */
  readonly dns?: PodsRef;
  /** istiod pods (sidecar config and certificates). Default: istio-system `app: istiod`. */
  readonly istiod?: PodsRef;
  /** Resources the custom resources wait for (Gateway API / Inference Extension / Istio CRDs). Default: none. */
  readonly crdDependencies?: pulumi.Input<pulumi.Resource>[];
}

const DEFAULTS = {
  gatewayNamespace: "istio-system",
  gatewayName: "genai-models",
  dns: { namespace: "kube-system", podLabels: { "k8s-app": "kube-dns" } },
  istiod: { namespace: "istio-system", podLabels: { app: "istiod" } },
} as const;

/** Checks what the objects below rely on; a mistake here would otherwise surface as traffic going nowhere. */
export function validateModelRoutes(models: readonly ModelRoute[]): void {
  if (models.length === 0) throw new Error("ModelGateway: at least one model is required");
  const seen = new Set<string>();
  for (const m of models) {
    if (seen.has(m.model)) throw new Error(`ModelGateway: model ${m.model} is listed twice`);
    seen.add(m.model);
    const total = m.pools.reduce((n, p) => n + p.weight, 0);
    if (m.pools.length === 0 || total !== 100) {
      throw new Error(`ModelGateway: the pools of model ${m.model} must weigh 100 in all (got ${total})`);
    }
  }
}

export class ModelGateway extends pulumi.ComponentResource {
  /** Public URL of the endpoint. */
  public readonly endpoint: pulumi.Output<string>;
  public readonly gatewayName: pulumi.Output<string>;
  /** model -> its InferencePool names. */
  public readonly pools: pulumi.Output<Record<string, string[]>>;

  constructor(name: string, args: ModelGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    super("genai:gateway:ModelGateway", name, {}, opts);
    validateModelRoutes(args.models);
    const built = buildGateway(name, args, this);
    this.endpoint = pulumi.output(`${args.tlsSecretName !== undefined ? "https" : "http"}://${args.host}`);
    this.gatewayName = built.gateway.metadata.name;
    this.pools = pulumi.output(
      Object.fromEntries(args.models.map((m) => [m.model, m.pools.map((p) => p.name)])),
    );
    this.registerOutputs({ endpoint: this.endpoint, gatewayName: this.gatewayName, pools: this.pools });
  }
}

function buildGateway(name: string, a: ModelGatewayArgs, parent: pulumi.Resource) {
  const gwNs = a.gatewayNamespace ?? DEFAULTS.gatewayNamespace;
  const gwName = a.gatewayName ?? DEFAULTS.gatewayName;
  const opts: pulumi.CustomResourceOptions = { parent, provider: a.provider };
  const crOpts: pulumi.CustomResourceOptions = { ...opts, dependsOn: a.crdDependencies ?? [] };
  const labels = { "app.kubernetes.io/part-of": "genai-platform", "app.kubernetes.io/managed-by": "pulumi" };
  const gatewayPods: PodsRef = { namespace: gwNs, podLabels: { [GATEWAY_POD_LABEL]: gwName } };

  const https = a.tlsSecretName !== undefined;
  const gateway = new k8s.apiextensions.CustomResource(
    `${name}-gateway`,
    {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "Gateway",
      metadata: { name: gwName, namespace: gwNs, labels },
      spec: {
        gatewayClassName: "istio",
        listeners: [
          {
            name: https ? "https" : "http",
            hostname: a.host,
            port: https ? 443 : 80,
            protocol: https ? "HTTPS" : "HTTP",
            ...(https
              ? { tls: { mode: "Terminate", certificateRefs: [{ kind: "Secret", name: a.tlsSecretName }] } }
              : {}),
            // Only the models' namespace may attach routes to this listener.
            allowedRoutes: {
              namespaces: {
                from: "Selector",
                selector: { matchLabels: { "kubernetes.io/metadata.name": a.namespace } },
              },
            },
          },
        ],
      },
    },
    crOpts,
  );

  const withCharts = a.installCharts !== false;
  const bbr = withCharts
    ? installChart(
        `${name}-bbr`,
        {
          spec: CHARTS.bodyBasedRouting,
          charts: a.charts,
          releaseName: `${name}-bbr`,
          namespace: gwNs,
          values: bbrValues(a.bbrReplicas ?? 1),
        },
        opts,
      )
    : undefined;
  if (withCharts)
    createBbrFilter(name, gwNs, gwName, labels, { ...crOpts, dependsOn: [...present(bbr), gateway] });

  const pools = a.models.filter(picked).flatMap((m) => m.pools);
  const servicePools = a.models.filter((m) => !picked(m)).flatMap((m) => m.pools);
  const charts = pools.map((pool) =>
    !withCharts
      ? createInferencePool(name, a, pool, labels, crOpts)
      : installChart(
          `${name}-pool-${pool.name}`,
          {
            spec: CHARTS.inferencePool,
            charts: a.charts,
            releaseName: pool.name,
            namespace: a.namespace,
            values: eppValues({ ...pool.selector }, a.targetPort, a.eppReplicas ?? 1),
          },
          crOpts,
        ),
  );
  for (const pool of servicePools) createPoolService(name, a, pool, labels, opts);
  for (const pool of [...pools, ...servicePools]) createPoolTrafficPolicy(name, a, pool, labels, crOpts);
  if (pools.length > 0) createPickerProtection(name, a, pools, gatewayPods, labels, opts);

  const route = new k8s.apiextensions.CustomResource(
    `${name}-route`,
    {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "HTTPRoute",
      metadata: { name: gwName, namespace: a.namespace, labels },
      spec: {
        parentRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: gwName, namespace: gwNs }],
        hostnames: [a.host],
        rules: routeRules(a.models, a.traffic.timeoutSeconds, a.targetPort),
      },
    },
    { ...crOpts, dependsOn: [...present(...charts), gateway] },
  );
  return { gateway, route };
}

/**
 * The Service of an embeddings pool (see ModelRoute.type), named like the one Istio makes for an InferencePool so
 * that the pool's DestinationRule (mTLS, circuit breaker) reads the same for both kinds.
 */
function createPoolService(
  name: string,
  a: ModelGatewayArgs,
  pool: ModelPool,
  labels: Record<string, string>,
  opts: pulumi.CustomResourceOptions,
): k8s.core.v1.Service {
  return new k8s.core.v1.Service(
    `${name}-pool-${pool.name}-svc`,
    {
      metadata: { name: inferencePoolServiceName(pool.name), namespace: a.namespace, labels },
      spec: {
        selector: { ...pool.selector },
        ports: [
          {
            name: "http",
            port: a.targetPort,
            targetPort: a.targetPort,
            protocol: "TCP",
            appProtocol: "http",
          },
        ],
      },
    },
    opts,
  );
}

/** The InferencePool as the chart writes it, for installs without the chart (nothing picks for it then). */
function createInferencePool(
  name: string,
  a: ModelGatewayArgs,
  pool: ModelPool,
  labels: Record<string, string>,
  opts: pulumi.CustomResourceOptions,
): k8s.apiextensions.CustomResource {
  return new k8s.apiextensions.CustomResource(
    `${name}-pool-${pool.name}`,
    {
      apiVersion: "inference.networking.k8s.io/v1",
      kind: "InferencePool",
      metadata: { name: pool.name, namespace: a.namespace, labels },
      spec: {
        targetPorts: [{ number: a.targetPort }],
        selector: { matchLabels: { ...pool.selector } },
        endpointPickerRef: { name: eppName(pool.name), port: { number: EPP_PORT } },
      },
    },
    opts,
  );
}

/**
 * One rule per model, matched on the header body-based routing set, plus a last rule without a header match for
 * requests that name no model (GET /v1/models, which every server answers with the whole catalog): the first
 * model takes those. A model the catalog lacks lands there too and gets the server's 404 model_not_found.
 */
export function routeRules(
  models: readonly ModelRoute[],
  timeoutSeconds: number,
  targetPort: number,
): Record<string, unknown>[] {
  const backends = (m: ModelRoute) =>
    m.pools
      // A pool at weight 0 (a canary rolled back) stays up and scrapeable but out of the route.
      .filter((p) => p.weight > 0)
      .map((p) =>
        picked(m)
          ? { group: "inference.networking.k8s.io", kind: "InferencePool", name: p.name, weight: p.weight }
          : {
              group: "",
              kind: "Service",
              name: inferencePoolServiceName(p.name),
              port: targetPort,
              weight: p.weight,
            },
      );
  const timeouts = { request: `${timeoutSeconds}s` };
  const perModel = models.map((m) => ({
    matches: [
      {
        path: { type: "PathPrefix", value: "/" },
        headers: [{ type: "Exact", name: MODEL_HEADER, value: m.model }],
      },
    ],
    backendRefs: backends(m),
    timeouts,
  }));
  const fallback = {
    matches: [{ path: { type: "PathPrefix", value: "/" } }],
    backendRefs: backends(models[0] as ModelRoute),
    timeouts,
  };
  return [...perModel, fallback];
}

/**
 * Body-based routing as an ext_proc filter on the gateway's own pods only (the chart's filter would apply to every
 * proxy of its namespace), first in the chain so the header exists before routes are matched.
 */
function createBbrFilter(
  name: string,
  gwNs: pulumi.Input<string>,
  gwName: string,
  labels: Record<string, string>,
  opts: pulumi.CustomResourceOptions,
): void {
  const host = pulumi.interpolate`${BBR_NAME}.${gwNs}.svc.cluster.local`;
  new k8s.apiextensions.CustomResource(
    `${name}-bbr-filter`,
    {
      apiVersion: "networking.istio.io/v1alpha3",
      kind: "EnvoyFilter",
      metadata: { name: `${gwName}-bbr`, namespace: gwNs, labels },
      spec: {
        workloadSelector: { labels: { [GATEWAY_POD_LABEL]: gwName } },
        configPatches: [
          {
            applyTo: "HTTP_FILTER",
            match: {
              context: "GATEWAY",
              listener: {
                filterChain: { filter: { name: "envoy.filters.network.http_connection_manager" } },
              },
            },
            patch: {
              operation: "INSERT_FIRST",
              value: {
                name: "envoy.filters.http.ext_proc",
                typed_config: {
                  "@type": "type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor",
                  failure_mode_allow: false,
                  allow_mode_override: true,
                  processing_mode: {
                    request_header_mode: "SEND",
                    response_header_mode: "SKIP",
                    request_body_mode: "FULL_DUPLEX_STREAMED",
                    response_body_mode: "NONE",
                    request_trailer_mode: "SEND",
                    response_trailer_mode: "SKIP",
                  },
                  grpc_service: {
                    envoy_grpc: { cluster_name: pulumi.interpolate`outbound|${BBR_PORT}||${host}` },
                  },
                },
              },
            },
          },
        ],
      },
    },
    opts,
  );
  // The router serves TLS with a self-signed certificate of its own (pkg/bbr/server).
  new k8s.apiextensions.CustomResource(
    `${name}-bbr-dr`,
    {
      apiVersion: "networking.istio.io/v1",
      kind: "DestinationRule",
      metadata: { name: BBR_NAME, namespace: gwNs, labels },
      spec: { host, trafficPolicy: { tls: { mode: "SIMPLE", insecureSkipVerify: true } } },
    },
    opts,
  );
}

/**
 * The mesh's policy for one pool, on the Service Istio makes for it: mTLS to the pods (STRICT mesh) and the
 * circuit breaker. The picker chooses the pod; an ejected pod is one it can no longer be sent to.
 */
function createPoolTrafficPolicy(
  name: string,
  a: ModelGatewayArgs,
  pool: ModelPool,
  labels: Record<string, string>,
  opts: pulumi.CustomResourceOptions,
): void {
  const od = a.traffic.outlierDetection;
  new k8s.apiextensions.CustomResource(
    `${name}-pool-${pool.name}-dr`,
    {
      apiVersion: "networking.istio.io/v1",
      kind: "DestinationRule",
      metadata: { name: `${pool.name}-pool`, namespace: a.namespace, labels },
      spec: {
        host: pulumi.interpolate`${inferencePoolServiceName(pool.name)}.${a.namespace}.svc.cluster.local`,
        trafficPolicy: {
          tls: { mode: "ISTIO_MUTUAL" },
          outlierDetection: {
            consecutive5xxErrors: od.consecutive5xxErrors,
            interval: `${od.intervalSeconds}s`,
            baseEjectionTime: `${od.baseEjectionSeconds}s`,
            maxEjectionPercent: od.maxEjectionPercent,
          },
        },
      },
    },
    opts,
  );
}

/**
 * The pickers live beside the servers, under the namespace's default deny: they take ext_proc calls from the
 * gateway's pods only, and reach the servers' /metrics, the Kubernetes API (pods, InferencePools), DNS and istiod.
 * Their gRPC port is TLS of their own (self-signed), so it is exempt from the sidecar's mTLS; the NetworkPolicy
 * is what keeps everyone but the gateway out.
 */
function createPickerProtection(
  name: string,
  a: ModelGatewayArgs,
  pools: readonly ModelPool[],
  gatewayPods: PodsRef,
  labels: Record<string, string>,
  opts: pulumi.CustomResourceOptions,
): void {
  const dns = a.dns ?? DEFAULTS.dns;
  const istiod = a.istiod ?? DEFAULTS.istiod;
  for (const pool of pools) {
    const selector = eppSelector(pool.name);
    new k8s.networking.v1.NetworkPolicy(
      `${name}-pool-${pool.name}-epp`,
      {
        metadata: { name: `${pool.name}-epp`, namespace: a.namespace, labels },
        spec: {
          podSelector: { matchLabels: selector },
          policyTypes: ["Ingress", "Egress"],
          ingress: [{ from: [podsPeer(gatewayPods)], ports: [{ protocol: "TCP", port: EPP_PORT }] }],
          egress: [
            dnsEgress(dns),
            { to: [podsPeer(istiod)], ports: [{ protocol: "TCP", port: 15012 }] },
            {
              to: [{ ...namespacePeer(a.namespace), podSelector: { matchLabels: { ...pool.selector } } }],
              ports: [{ protocol: "TCP", port: a.targetPort }],
            },
            // The API server's address is outside any pod selector.
            {
              ports: [
                { protocol: "TCP", port: 443 },
                { protocol: "TCP", port: 6443 },
              ],
            },
          ],
        },
      },
      opts,
    );
    new k8s.apiextensions.CustomResource(
      `${name}-pool-${pool.name}-epp-mtls`,
      {
        apiVersion: "security.istio.io/v1",
        kind: "PeerAuthentication",
        metadata: { name: `${pool.name}-epp`, namespace: a.namespace, labels },
        spec: {
          selector: { matchLabels: selector },
          mtls: { mode: "STRICT" },
          portLevelMtls: { [EPP_PORT]: { mode: "PERMISSIVE" } },
        },
      },
      { ...opts, dependsOn: a.crdDependencies ?? [] },
    );
  }
}
