import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ingressGatewayPods, istiodPods } from "../cluster/mesh/index.js";
import { prometheusPods } from "../cluster/monitoring/index.js";
import { DEFAULT_NAMESPACES } from "../cluster/namespaces/config.js";
import { jaegerCollectorPods } from "../cluster/tracing/index.js";
import { CLUSTER_DNS } from "../shared/protection.js";
import { createTrackHpa } from "./autoscaling.js";
import type { InferenceConfig } from "./config.js";
import { createTrackDeployment } from "./deployment.js";
import { buildSettings, prebuiltImage, resolveImage, type ResolvedImage } from "./image.js";
import { commonLabels, type Track, trackSelector } from "./labels.js";
import { createModelCache, type ModelConfig } from "./modelCache.js";
import { createScrapePeerAuthentication, createServiceMonitor } from "./monitoring.js";
import { createOffHoursScaler, offHoursPodLabels } from "./offHours.js";
import {
  createNetworkPolicies,
  createScalerNetworkPolicy,
  createTrackPdb,
  type NetworkPeers,
  type PodsRef,
} from "./protection.js";
import { createRouting, createService, endpointUrl, trafficWeights } from "./routing.js";
import { createApiKeys, createPullSecret } from "./secrets.js";
import type { ServedModel } from "./serverEnv.js";
import { createTrackVpa } from "./vpa.js";

export interface InferenceServiceArgs {
  /** Kubernetes provider for every child. Required. */
  readonly provider: k8s.Provider;
  /** Namespace to run in; it must exist and belongs to this service (it gets a default-deny NetworkPolicy). Required. */
  readonly namespace: pulumi.Input<string>;
  /** Resolved `genai:inference` settings (resolveInferenceConfig). Plain values: they decide which resources exist. Required. */
  readonly config: InferenceConfig;
  /** Password for `image.build.username` at the registry (push and pull). Default: none (anonymous registry). */
  readonly registryPassword?: pulumi.Input<string>;
  /** OTLP/HTTP endpoint for traces, e.g. the platform's Jaeger. Default: `config.tracingEndpoint` (tracing off when neither is set). */
  readonly tracingEndpoint?: pulumi.Input<string>;
  /** Directory a relative `image.build.context` is resolved against. Default: `process.cwd()` (the Pulumi project directory under `pulumi up`). */
  readonly projectRoot?: string;
  /**
   * An existing Istio Gateway to attach the VirtualService to (its hosts must include `config.host`), and whether it
   * serves HTTPS. Default: none; the service creates its own Gateway for `config.host`.
   */
  readonly sharedGateway?: { readonly name: pulumi.Input<string>; readonly https: boolean };
  /** Istio ingress gateway pods. Default: namespace `istio-system`, labels `{ istio: "ingressgateway" }`. */
  readonly ingressGateway?: PodsRef;
  /** Prometheus pods that scrape the server. Default: namespace `monitoring`, labels `{ "app.kubernetes.io/name": "prometheus" }`. */
  readonly prometheus?: PodsRef;
  /** Cluster DNS pods. Default: namespace `kube-system`, labels `{ "k8s-app": "kube-dns" }`. */
  readonly dns?: PodsRef;
  /** istiod pods. Default: namespace `istio-system`, labels `{ app: "istiod" }`. */
  readonly istiod?: PodsRef;
  /** Tracing collector pods and OTLP/HTTP port, used when `tracingEndpoint` is set. Default: namespace `tracing`, labels `{ "app.kubernetes.io/name": "jaeger" }`, port 4318. */
  readonly tracingCollector?: PodsRef & { readonly port: number };
  /**
   * Prometheus runs outside a STRICT-mTLS mesh: accept plaintext on the server port (PeerAuthentication) so it can
   * scrape. Default: false.
   */
  readonly plaintextScrape?: boolean;
  /** Labels Prometheus selects ServiceMonitors by (kube-prometheus-stack: `{ release: "<release>" }`). Default: none. */
  readonly serviceMonitorLabels?: Readonly<Record<string, string>>;
  /** Resources the Istio and Prometheus-operator custom resources wait for (the charts that install the CRDs). Default: none. */
  readonly crdDependencies?: pulumi.Input<pulumi.Resource>[];
  /**
   * One model of a multi-model endpoint (ModelEndpoint): its API name, kind and the endpoint's catalog go into the
   * server's environment, the HPA reads this model's queue only, and routing is left to the endpoint's gateway (no
   * Service, VirtualService, DestinationRule or Gateway of its own). Default: a standalone single-model service.
   */
  readonly served?: ServedModel;
  /** The endpoint's API keys, shared by its models. Default: a Secret of the service's own. */
  readonly sharedApiKeys?: {
    readonly secretName: pulumi.Input<string>;
    readonly secretKey: string;
    readonly keys: pulumi.Output<Record<string, string>>;
  };
  /** More pods that may reach the server port (the gateway's endpoint pickers scrape /metrics). Default: none. */
  readonly extraIngress?: readonly k8s.types.input.networking.v1.NetworkPolicyPeer[];
  /** The stable image, already resolved (built once for every model of an endpoint). Default: built or pulled here. */
  readonly sharedImage?: { readonly image: ResolvedImage; readonly pullSecretName?: pulumi.Input<string> };
  /** A VerticalPodAutoscaler (recommendation only, updateMode Off) per Deployment. Default: false. */
  readonly verticalPodAutoscaler?: boolean;
  /** What the VerticalPodAutoscalers wait for (the chart that installs their CRD). Default: none. */
  readonly vpaDependencies?: pulumi.Input<pulumi.Resource>[];
}

/** Where the cluster components run by default, with the pod labels they set (infra/cluster owns both). */
const DEFAULT_PEERS = {
  ingressGateway: ingressGatewayPods(DEFAULT_NAMESPACES.mesh),
  prometheus: prometheusPods(DEFAULT_NAMESPACES.monitoring),
  dns: CLUSTER_DNS,
  istiod: istiodPods(DEFAULT_NAMESPACES.mesh),
  tracing: jaegerCollectorPods(DEFAULT_NAMESPACES.tracing),
} as const;

/**
 * The inference server as a GPU workload: image, model cache, stable and canary Deployments, Istio routing with a
 * weighted canary, an HPA per track, PDBs, NetworkPolicies, API keys and a ServiceMonitor.
 */
export class InferenceService extends pulumi.ComponentResource {
  /** Public URL of the service (the Gateway's host). */
  public readonly endpoint: pulumi.Output<string>;
  /** Percent of traffic on the canary track (0 when there is none). */
  public readonly canaryWeight: pulumi.Output<number>;
  /** tenant -> API key; a Pulumi secret. */
  public readonly apiKeys: pulumi.Output<Record<string, string>>;
  /** In-cluster Service name. */
  public readonly serviceName: pulumi.Output<string>;
  /** Image reference each track runs (by digest when built here). */
  public readonly images: pulumi.Output<Record<string, string>>;
  /** Pod labels of each track's servers (an InferencePool selects them). */
  public readonly trackSelectors: Readonly<Partial<Record<Track, Record<string, string>>>>;

  constructor(name: string, args: InferenceServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    // An image that can be neither pulled nor built is refused before anything is registered.
    if (args.config.image.ref === undefined) buildSettings(args.config.image.build);
    super("genai:workload:InferenceService", name, {}, opts);
    const built = buildInferenceService(name, args, this);
    this.endpoint = pulumi.output(built.endpoint);
    this.canaryWeight = pulumi.output(built.canaryWeight);
    this.apiKeys = built.apiKeys;
    this.serviceName = built.serviceName;
    this.images = built.images;
    this.trackSelectors = built.trackSelectors;
    this.registerOutputs({
      endpoint: this.endpoint,
      canaryWeight: this.canaryWeight,
      apiKeys: this.apiKeys,
      serviceName: this.serviceName,
      images: this.images,
    });
  }
}

interface TrackPlan {
  readonly track: Track;
  readonly image: ResolvedImage;
  readonly pullSecretName: pulumi.Input<string> | undefined;
  readonly model: ModelConfig;
  readonly replicas: { readonly min: number; readonly max: number };
}

function buildInferenceService(name: string, args: InferenceServiceArgs, parent: pulumi.Resource) {
  const c = args.config;
  const ns = args.namespace;
  const opts: pulumi.CustomResourceOptions = { parent, provider: args.provider };
  const crOpts: pulumi.CustomResourceOptions = { ...opts, dependsOn: args.crdDependencies ?? [] };
  const projectRoot = args.projectRoot ?? process.cwd();
  const tracingEndpoint = args.tracingEndpoint ?? c.tracingEndpoint;

  const stableImage =
    args.sharedImage?.image ??
    resolveImage(`${name}-image`, c.image, args.registryPassword, projectRoot, { parent });
  const stablePull = args.sharedImage ? args.sharedImage.pullSecretName : imagePullSecret(name, args, opts);
  const tracks: TrackPlan[] = [
    { track: "stable", image: stableImage, pullSecretName: stablePull, model: c.model, replicas: c.replicas },
  ];
  if (c.canary.enabled) {
    const own = c.canary.image;
    tracks.push({
      track: "canary",
      image: own ? prebuiltImage(own.ref) : stableImage,
      pullSecretName: own ? own.pullSecretName : stablePull,
      model: c.canary.model ?? c.model,
      replicas: c.canary.replicas,
    });
  }

  const apiKeys = args.sharedApiKeys
    ? {
        secret: { metadata: { name: pulumi.output(args.sharedApiKeys.secretName) } },
        secretKey: args.sharedApiKeys.secretKey,
        keys: args.sharedApiKeys.keys,
      }
    : createApiKeys(name, ns, c.apiKeys.tenants, c.apiKeys.length, opts);
  const serviceAccount = new k8s.core.v1.ServiceAccount(
    name,
    { metadata: { name, namespace: ns, labels: commonLabels(name) }, automountServiceAccountToken: false },
    opts,
  );

  // One cache volume per distinct model: a canary with the stable model shares the stable cache.
  const caches = new Map<string, pulumi.Output<string>>();
  const cacheFor = (t: TrackPlan): pulumi.Output<string> => {
    const existing = caches.get(t.model.sha256);
    if (existing !== undefined) return existing;
    const claim = createModelCache(`${name}-model-${t.track}`, ns, c.modelCache, opts).metadata.name;
    caches.set(t.model.sha256, claim);
    return claim;
  };

  for (const t of tracks) {
    const version = t.image.version;
    const deployment = createTrackDeployment(
      {
        name,
        track: t.track,
        namespace: ns,
        config: c,
        image: t.image.ref,
        version,
        model: t.model,
        modelClaimName: cacheFor(t),
        serviceAccountName: serviceAccount.metadata.name,
        apiKeysSecretName: apiKeys.secret.metadata.name,
        apiKeysSecretKey: apiKeys.secretKey,
        ...(t.pullSecretName !== undefined ? { imagePullSecretName: t.pullSecretName } : {}),
        ...(tracingEndpoint !== undefined ? { tracingEndpoint } : {}),
        ...(args.served !== undefined ? { served: args.served } : {}),
      },
      opts,
    );
    if (args.verticalPodAutoscaler === true) {
      createTrackVpa(`${name}-${t.track}`, ns, deployment.metadata.name, commonLabels(name), {
        ...opts,
        dependsOn: args.vpaDependencies ?? [],
      });
    }
    const hpa = createTrackHpa(
      {
        name,
        track: t.track,
        version,
        namespace: ns,
        deploymentName: deployment.metadata.name,
        replicas: t.replicas,
        scaling: c.autoscaling,
        patchedOffHours: t.track === "stable" && c.autoscaling.offHours.enabled,
        ...(args.served !== undefined ? { modelName: args.served.name } : {}),
      },
      opts,
    );
    createTrackPdb(name, t.track, version, ns, c.maxUnavailable, opts);
    if (t.track === "stable" && c.autoscaling.offHours.enabled) {
      createOffHoursScaler(
        {
          name,
          namespace: ns,
          hpaName: `${name}-stable`,
          dayMinReplicas: c.replicas.min,
          offHours: c.autoscaling.offHours,
        },
        { ...opts, dependsOn: [hpa] },
      );
    }
  }

  const peers = networkPeers(args, tracks, tracingEndpoint !== undefined);
  createNetworkPolicies(name, ns, peers, opts, args.extraIngress ?? []);
  if (c.autoscaling.offHours.enabled)
    createScalerNetworkPolicy(name, ns, offHoursPodLabels(name), peers, opts);

  // A model of a multi-model endpoint is routed by the endpoint's gateway; only its Service is its own.
  const service = args.served
    ? createService(name, ns, opts)
    : createRouting(
        {
          name,
          namespace: ns,
          config: c,
          tracks: tracks.map((t) => t.track),
          gatewaySelector: (args.ingressGateway ?? DEFAULT_PEERS.ingressGateway).podLabels,
          ...(args.sharedGateway ? { sharedGateway: args.sharedGateway.name } : {}),
        },
        crOpts,
      ).service;
  createServiceMonitor(name, ns, args.serviceMonitorLabels ?? {}, crOpts);
  if (args.plaintextScrape === true) createScrapePeerAuthentication(name, ns, crOpts);

  return {
    endpoint: endpointUrl(c, args.sharedGateway?.https),
    canaryWeight: trafficWeights(c).canary,
    apiKeys: apiKeys.keys,
    serviceName: service.metadata.name,
    images: pulumi.all(Object.fromEntries(tracks.map((t) => [t.track, t.image.ref]))),
    trackSelectors: Object.fromEntries(tracks.map((t) => [t.track, trackSelector(name, t.track)])),
  };
}

/** The pull Secret named in config, or one made from the build credentials; none for an anonymous registry. */
export function imagePullSecret(
  name: string,
  args: InferenceServiceArgs,
  opts: pulumi.CustomResourceOptions,
): pulumi.Input<string> | undefined {
  const image = args.config.image;
  if (image.pullSecretName !== undefined) return image.pullSecretName;
  if (image.ref === undefined && image.build.username !== undefined && args.registryPassword !== undefined) {
    return createPullSecret(
      name,
      args.namespace,
      buildSettings(image.build).registry,
      image.build.username,
      args.registryPassword,
      opts,
    ).metadata.name;
  }
  return undefined;
}

function networkPeers(
  args: InferenceServiceArgs,
  tracks: readonly TrackPlan[],
  tracing: boolean,
): NetworkPeers {
  // A model given as a path is already on the volume: the init step then needs no route out.
  const downloads = tracks.some((t) => !t.model.uri.startsWith("/"));
  return {
    ingressGateway: args.ingressGateway ?? DEFAULT_PEERS.ingressGateway,
    prometheus: args.prometheus ?? DEFAULT_PEERS.prometheus,
    dns: args.dns ?? DEFAULT_PEERS.dns,
    istiod: args.istiod ?? DEFAULT_PEERS.istiod,
    ...(tracing ? { tracing: args.tracingCollector ?? DEFAULT_PEERS.tracing } : {}),
    modelDownloadCidrs: downloads ? args.config.modelDownloadCidrs : [],
  };
}
