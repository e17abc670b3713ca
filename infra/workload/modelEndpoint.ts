// Every model of `genai:models` behind one OpenAI endpoint: one InferenceService per model (its Deployments per
// track, HPA, PDB, VPA, model cache, Service), one set of API keys and one image for all of them, and the
// ModelGateway (Gateway API Inference Extension on Istio) that routes each request by its `model` to that model's
// pools and lets each pool's endpoint picker choose the pod.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ChartSettings } from "../cluster/charts.js";
import {
  GATEWAY_POD_LABEL,
  installVpaRecommender,
  ModelGateway,
  poolName,
  type ModelRoute,
} from "../gateway/index.js";
import { resolveImage } from "./image.js";
import { imagePullSecret, InferenceService, type InferenceServiceArgs } from "./inferenceService.js";
import { APP_PORT, type Track } from "./labels.js";
import type { ModelsConfig } from "./modelsConfig.js";
import { trafficWeights } from "./routing.js";
import { createApiKeys } from "./secrets.js";

export interface ModelEndpointArgs extends Omit<
  InferenceServiceArgs,
  "config" | "served" | "sharedApiKeys" | "sharedGateway" | "ingressGateway" | "extraIngress" | "sharedImage"
> {
  /** Resolved `genai:models` + `genai:inference` (resolveModelsConfig). Required. */
  readonly models: ModelsConfig;
  /** The models' namespace. Required. */
  readonly namespace: pulumi.Input<string>;
  /** Where the gateway's charts come from. Required. */
  readonly charts: ChartSettings;
  /** Namespace of the Gateway and its Istio-run pods (it holds the TLS Secret). Default: `istio-system`. */
  readonly gatewayNamespace?: pulumi.Input<string>;
  /** The gateway's TLS Secret (in `gatewayNamespace`): HTTPS when set. Default: `genai:inference.tlsSecretName`. */
  readonly tlsSecretName?: string;
  /** Install the VPA recommender in this namespace; none when unset (an existing one then reads the VPAs). */
  readonly vpaRecommenderNamespace?: pulumi.Input<string>;
  /** What the Gateway API / Inference Extension custom resources wait for. Default: `crdDependencies`. */
  readonly gatewayCrdDependencies?: pulumi.Input<pulumi.Resource>[];
}

const GATEWAY_NAME = "genai-models";

export class ModelEndpoint extends pulumi.ComponentResource {
  public readonly endpoint: pulumi.Output<string>;
  /** tenant -> API key, valid for every model; a Pulumi secret. */
  public readonly apiKeys: pulumi.Output<Record<string, string>>;
  /** Percent of the first model's traffic on its canary (the single-model stacks' output). */
  public readonly canaryWeight: pulumi.Output<number>;
  /** model -> percent of its traffic on its canary. */
  public readonly canaryWeights: pulumi.Output<Record<string, number>>;
  /** model -> chat | embeddings. */
  public readonly modelTypes: pulumi.Output<Record<string, string>>;
  /** The model services, by model name. */
  public readonly services: Readonly<Record<string, InferenceService>>;

  constructor(name: string, args: ModelEndpointArgs, opts?: pulumi.ComponentResourceOptions) {
    super("genai:workload:ModelEndpoint", name, {}, opts);
    const { models, endpoint } = args.models;
    const ns = args.namespace;
    const gwNs = args.gatewayNamespace ?? "istio-system";
    const childOpts: pulumi.CustomResourceOptions = { parent: this, provider: args.provider };

    const apiKeys = createApiKeys(name, ns, endpoint.apiKeys.tenants, endpoint.apiKeys.length, childOpts);
    const projectRoot = args.projectRoot ?? process.cwd();
    const image = resolveImage(`${name}-image`, endpoint.image, args.registryPassword, projectRoot, {
      parent: this,
    });
    const pullSecretName = imagePullSecret(name, { ...args, config: endpoint }, childOpts);
    const vpa =
      args.vpaRecommenderNamespace !== undefined && endpoint.gateway.installCharts
        ? installVpaRecommender(
            `${name}-vpa`,
            { charts: args.charts, namespace: args.vpaRecommenderNamespace },
            childOpts,
          )
        : undefined;

    const catalog = models.map((m) => ({ id: m.name, type: m.type }));
    // The servers take traffic from the gateway's pods and metric scrapes from the endpoint pickers beside them.
    const pickers: k8s.types.input.networking.v1.NetworkPolicyPeer = {
      namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ns } },
      podSelector: { matchExpressions: [{ key: "inferencepool", operator: "Exists" }] },
    };
    // What every model's InferenceService takes as given: everything but the endpoint-level arguments.
    const {
      models: _models,
      charts: _charts,
      gatewayNamespace: _gatewayNamespace,
      vpaRecommenderNamespace: _vpaNamespace,
      gatewayCrdDependencies: _gatewayCrds,
      tlsSecretName: _tlsSecretName,
      ...base
    } = args;
    const services: Record<string, InferenceService> = {};
    for (const m of models) {
      services[m.name] = new InferenceService(
        `${name}-${m.slug}`,
        {
          ...base,
          config: m.config,
          served: { name: m.name, type: m.type, catalog },
          sharedApiKeys: {
            secretName: apiKeys.secret.metadata.name,
            secretKey: apiKeys.secretKey,
            keys: apiKeys.keys,
          },
          sharedImage: { image, ...(pullSecretName !== undefined ? { pullSecretName } : {}) },
          ingressGateway: { namespace: gwNs, podLabels: { [GATEWAY_POD_LABEL]: GATEWAY_NAME } },
          extraIngress: [pickers],
          verticalPodAutoscaler: true,
          ...(vpa ? { vpaDependencies: [vpa] } : {}),
        },
        { parent: this },
      );
    }

    const routes: ModelRoute[] = models.map((m) => {
      const weights = trafficWeights(m.config);
      const selectors = (services[m.name] as InferenceService).trackSelectors;
      const tracks = Object.keys(selectors) as Track[];
      return {
        model: m.name,
        type: m.type,
        pools: tracks.map((track) => ({
          name: poolName(name, m.slug, track),
          selector: selectors[track] as Record<string, string>,
          weight: weights[track],
        })),
      };
    });
    const gateway = new ModelGateway(
      `${name}-gateway`,
      {
        provider: args.provider,
        namespace: ns,
        gatewayNamespace: gwNs,
        gatewayName: GATEWAY_NAME,
        host: endpoint.host,
        ...((args.tlsSecretName ?? endpoint.tlsSecretName) !== undefined
          ? { tlsSecretName: args.tlsSecretName ?? endpoint.tlsSecretName }
          : {}),
        models: routes,
        targetPort: APP_PORT,
        traffic: {
          timeoutSeconds: endpoint.traffic.timeoutSeconds,
          outlierDetection: endpoint.traffic.outlierDetection,
        },
        charts: args.charts,
        installCharts: endpoint.gateway.installCharts,
        ...(args.dns ? { dns: args.dns } : {}),
        ...(args.istiod ? { istiod: args.istiod } : {}),
        crdDependencies: args.gatewayCrdDependencies ?? args.crdDependencies ?? [],
      },
      { parent: this },
    );

    this.endpoint = gateway.endpoint;
    this.apiKeys = apiKeys.keys;
    this.canaryWeights = pulumi.output(
      Object.fromEntries(models.map((m) => [m.name, trafficWeights(m.config).canary])),
    );
    this.canaryWeight = pulumi.output(trafficWeights(endpoint).canary);
    this.modelTypes = pulumi.output(Object.fromEntries(models.map((m) => [m.name, m.type])));
    this.services = services;
    this.registerOutputs({
      endpoint: this.endpoint,
      apiKeys: this.apiKeys,
      canaryWeights: this.canaryWeights,
      modelTypes: this.modelTypes,
    });
  }
}
