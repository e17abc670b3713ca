import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { MeshConfig, PlatformSecrets } from "../config.js";
import { CHARTS, installChart, present } from "./charts.js";
import { childOptions, type ClusterComponentArgs } from "./common.js";
import { selfSignedServerCert } from "./tls.js";

export interface MeshArgs extends ClusterComponentArgs {
  /** Mesh-wide PeerAuthentication mode. Default: STRICT. */
  readonly mtls: MeshConfig["mtls"];
  /** istiod replicas. Default: 1 (dev), 2 (prod). */
  readonly istiodReplicas: number;
  /** Ingress gateway: replicas, service type, hosts, TLS secret name. Default: genai:mesh.gateway. */
  readonly gateway: MeshConfig["gateway"];
  /** The gateway's certificate and key (secret). Default: a self-signed one from @pulumi/tls. */
  readonly gatewayTls?: PlatformSecrets["gatewayTls"];
  /** Jaeger's OTLP/gRPC service host, to send the sidecars' spans to. Default: no mesh tracing. */
  readonly tracingHost?: pulumi.Input<string>;
  /** Percent of requests the sidecars trace. Default: 10. */
  readonly tracingSamplePercent?: number;
}

/** Name of the shared Gateway that workloads bind their VirtualServices to. */
export const GATEWAY_NAME = "genai-gateway";
const GATEWAY_RELEASE = "istio-ingressgateway";

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

  constructor(name: string, args: MeshArgs, opts?: pulumi.ComponentResourceOptions) {
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
          // The gateway chart labels its pods istio=<release name without "istio-">.
          selector: { istio: "ingressgateway" },
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
    args: MeshArgs,
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

function istiodValues(args: MeshArgs): IstiodValues {
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
