import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { PodsRef } from "../../shared/protection.js";
import { argsError, resolveArgs } from "../../shared/componentConfig.js";
import type { DeepPartial } from "../../shared/schemaMerge.js";
import { CHARTS, installChart, present } from "../charts.js";
import { childOptions, type ClusterComponentArgs } from "../common.js";
import { DEFAULT_NAMESPACES } from "../namespaces/config.js";
import { selfSignedServerCert } from "../tls.js";
import { type MeshConfig, meshConfig } from "./config.js";

/** The settings of {@link MeshArgs} that come from `genai:mesh`. */
const SETTINGS = ["mtls", "istiodReplicas", "gateway"] as const;

/** A PEM certificate and its key (secret). */
export type TlsCertificate = pulumi.Output<{ certificate: string; privateKey: string }>;

export interface MeshArgs extends ClusterComponentArgs {
  /**
   * Mesh-wide PeerAuthentication mode.
   * @default "STRICT"
   */
  readonly mtls?: MeshConfig["mtls"];
  /**
   * istiod replicas.
   * @default 1 (prod preset: 2)
   */
  readonly istiodReplicas?: number;
  /**
   * Ingress gateway: replicas, service type, hosts, TLS secret name (any subset; the rest from the default).
   * @default 1 replica, NodePort, hosts ["*"], Secret "genai-gateway-tls" (prod preset: 3, LoadBalancer)
   */
  readonly gateway?: DeepPartial<MeshConfig["gateway"]>;
  /**
   * The gateway's certificate and key (secret).
   * @default a self-signed one from @pulumi/tls
   */
  readonly gatewayTls?: TlsCertificate;
  /**
   * Jaeger's OTLP/gRPC service host, to send the sidecars' spans to.
   * @default no mesh tracing
   */
  readonly tracingHost?: pulumi.Input<string>;
  /**
   * Percent of requests the sidecars trace.
   * @default 10
   */
  readonly tracingSamplePercent?: number;
}

/** Mesh's Args with every default applied. */
type ResolvedArgs = MeshArgs &
  Pick<MeshConfig, (typeof SETTINGS)[number]> & { readonly namespace: pulumi.Input<string> };

/** Name of the shared Gateway that workloads bind their VirtualServices to. */
export const GATEWAY_NAME = "genai-gateway";
const GATEWAY_RELEASE = "istio-ingressgateway";
/** The labels of the ingress gateway's pods: the gateway chart labels them istio=<release name without "istio-">. */
export const INGRESS_GATEWAY_POD_LABELS: Readonly<Record<string, string>> = { istio: "ingressgateway" };
/** The labels of istiod's pods (the istiod chart's). */
export const ISTIOD_POD_LABELS: Readonly<Record<string, string>> = { app: "istiod" };

/** The ingress gateway's pods of a Mesh installed in `namespace`: the peer that sends a workload its traffic. */
export function ingressGatewayPods(namespace: pulumi.Input<string>): PodsRef {
  return { namespace, podLabels: INGRESS_GATEWAY_POD_LABELS };
}

/** istiod's pods of a Mesh installed in `namespace`: the peer sidecars fetch their config and certificates from. */
export function istiodPods(namespace: pulumi.Input<string>): PodsRef {
  return { namespace, podLabels: ISTIOD_POD_LABELS };
}

/**
 * Istio: base (CRDs), istio-cni (so sidecars need no NET_ADMIN and workloads stay under the restricted Pod
 * Security profile), istiod, an ingress gateway, mesh-wide mTLS and the shared HTTPS Gateway.
 */
export class Mesh extends pulumi.ComponentResource {
  /** The istio base release: Istio custom resources depend on it (CRDs). Absent when only rendering. */
  public readonly crds?: pulumi.Resource;
  /** istiod: sidecar injection works once it runs. Absent when only rendering. */
  public readonly istiod?: pulumi.Resource;
  public readonly gatewayName: pulumi.Output<string>;
  public readonly gatewayNamespace: pulumi.Output<string>;
  /** `<namespace>/<name>`, as a VirtualService's `gateways` entry. */
  public readonly gatewayRef: pulumi.Output<string>;

  constructor(name: string, given: MeshArgs, opts?: pulumi.ComponentResourceOptions) {
    const args: ResolvedArgs = {
      ...given,
      namespace: given.namespace ?? DEFAULT_NAMESPACES.mesh,
      ...resolveArgs(meshConfig, SETTINGS, given, `Mesh ${name}`),
    };
    const percent = given.tracingSamplePercent;
    if (percent !== undefined && !(percent >= 0 && percent <= 100)) {
      throw argsError(`Mesh ${name}`, "tracingSamplePercent", `expected 0 to 100, got ${percent}`);
    }
    super("genai:cluster:Mesh", name, {}, opts);
    const ns = args.namespace;
    const charts = args.charts ?? {};
    const install = (
      suffix: string,
      spec: (typeof CHARTS)[keyof typeof CHARTS],
      releaseName: string,
      values: object,
      deps: pulumi.Resource[],
    ) =>
      installChart(
        `${name}-${suffix}`,
        { spec, charts, releaseName, namespace: ns, values },
        childOptions(this, args.provider, deps),
      );

    this.crds = install("base", CHARTS.istioBase, "istio-base", { defaultRevision: "default" }, []);
    const cni = install("cni", CHARTS.istioCni, "istio-cni", {}, present(this.crds));
    this.istiod = install("istiod", CHARTS.istiod, "istiod", istiodValues(args), present(this.crds, cni));
    const gateway = install(
      "gateway",
      CHARTS.istioGateway,
      GATEWAY_RELEASE,
      gatewayValues(args.gateway),
      present(this.istiod),
    );
    const afterCrds = childOptions(this, args.provider, present(this.crds, this.istiod));

    new k8s.apiextensions.CustomResource(
      `${name}-mtls`,
      {
        apiVersion: "security.istio.io/v1",
        kind: "PeerAuthentication",
        // In the root namespace it applies to the whole mesh.
        metadata: { name: "default", namespace: ns },
        spec: { mtls: { mode: args.mtls } },
      },
      afterCrds,
    );
    if (args.tracingHost) {
      new k8s.apiextensions.CustomResource(
        `${name}-tracing`,
        {
          apiVersion: "telemetry.istio.io/v1",
          kind: "Telemetry",
          metadata: { name: "mesh-default", namespace: ns },
          spec: {
            tracing: [
              { providers: [{ name: "otel" }], randomSamplingPercentage: args.tracingSamplePercent ?? 10 },
            ],
          },
        },
        afterCrds,
      );
    }

    const tlsSecret = new k8s.core.v1.Secret(
      `${name}-gateway-tls`,
      {
        metadata: { name: args.gateway.tlsSecretName, namespace: ns },
        type: "kubernetes.io/tls",
        stringData: this.gatewayCertificate(name, args),
      },
      childOptions(this, args.provider),
    );
    const gw = new k8s.apiextensions.CustomResource(
      `${name}-gateway`,
      {
        apiVersion: "networking.istio.io/v1",
        kind: "Gateway",
        metadata: { name: GATEWAY_NAME, namespace: ns },
        spec: {
          selector: INGRESS_GATEWAY_POD_LABELS,
          servers: [
            {
              port: { number: 443, name: "https", protocol: "HTTPS" },
              hosts: args.gateway.hosts,
              tls: { mode: "SIMPLE", credentialName: tlsSecret.metadata.name },
            },
            {
              port: { number: 80, name: "http", protocol: "HTTP" },
              hosts: args.gateway.hosts,
              tls: { httpsRedirect: true },
            },
          ],
        },
      },
      childOptions(this, args.provider, present(this.crds, gateway)),
    );
    this.gatewayName = gw.metadata.name;
    this.gatewayNamespace = pulumi.output(ns);
    this.gatewayRef = pulumi.interpolate`${this.gatewayNamespace}/${this.gatewayName}`;
    this.registerOutputs({
      gatewayName: this.gatewayName,
      gatewayNamespace: this.gatewayNamespace,
      gatewayRef: this.gatewayRef,
    });
  }

  private gatewayCertificate(
    name: string,
    args: ResolvedArgs,
  ): pulumi.Input<Record<string, pulumi.Input<string>>> {
    if (args.gatewayTls) {
      return pulumi.secret(
        args.gatewayTls.apply((t) => ({ "tls.crt": t.certificate, "tls.key": t.privateKey })),
      );
    }
    const hosts = args.gateway.hosts.filter((h) => h !== "*");
    const cert = selfSignedServerCert(
      `${name}-gateway`,
      { commonName: hosts[0] ?? "genai.local", dnsNames: hosts.length > 0 ? hosts : ["genai.local"] },
      { parent: this },
    );
    return { "tls.crt": cert.certPem, "tls.key": cert.privateKeyPem };
  }
}

/** The istiod values this platform sets. */
export interface IstiodValues {
  // Top-level since Istio 1.24's istiod chart: a `pilot:` block is ignored there (test/charts checks the keys).
  replicaCount: number;
  autoscaleMin: number;
  cni: { enabled: boolean };
  meshConfig: {
    accessLogFile: string;
    accessLogEncoding: "JSON" | "TEXT";
    extensionProviders?: { name: string; opentelemetry: { service: pulumi.Input<string>; port: number } }[];
  };
}

function istiodValues(args: ResolvedArgs): IstiodValues {
  return {
    replicaCount: args.istiodReplicas,
    autoscaleMin: args.istiodReplicas,
    cni: { enabled: true },
    meshConfig: {
      // JSON access logs on stdout: Filebeat ships them with every other pod's logs.
      accessLogFile: "/dev/stdout",
      accessLogEncoding: "JSON",
      extensionProviders: args.tracingHost
        ? [{ name: "otel", opentelemetry: { service: args.tracingHost, port: 4317 } }]
        : undefined,
    },
  };
}

/** The gateway chart values this platform sets. */
export interface GatewayValues {
  replicaCount: number;
  autoscaling: { enabled: boolean; minReplicas: number; maxReplicas: number };
  service: { type: MeshConfig["gateway"]["serviceType"] };
  podDisruptionBudget?: { minAvailable: number };
}

function gatewayValues(gateway: MeshConfig["gateway"]): GatewayValues {
  return {
    replicaCount: gateway.replicas,
    autoscaling: {
      enabled: gateway.replicas > 1,
      minReplicas: gateway.replicas,
      maxReplicas: gateway.replicas * 3,
    },
    service: { type: gateway.serviceType },
    podDisruptionBudget: gateway.replicas > 1 ? { minAvailable: Math.ceil(gateway.replicas / 2) } : undefined,
  };
}
