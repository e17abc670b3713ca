import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { createPdb, dnsEgress, type PodsRef, podsPeer as pods } from "../shared/protection.js";
import { APP_PORT, commonLabels, serviceSelector, type Track, trackLabels, trackSelector } from "./labels.js";

export type { PodsRef } from "../shared/protection.js";

type Rule = k8s.types.input.networking.v1.NetworkPolicyEgressRule;

export interface NetworkPeers {
  /** The Istio ingress gateway pods (ingress to the server). */
  readonly ingressGateway: PodsRef;
  /** Prometheus (ingress for scraping). */
  readonly prometheus: PodsRef;
  /** CoreDNS / kube-dns (egress, UDP+TCP 53). */
  readonly dns: PodsRef;
  /** istiod, which the sidecars fetch config and certificates from (egress, 15012). */
  readonly istiod: PodsRef;
  /** The tracing collector and its OTLP/HTTP port (egress); none when tracing is off. */
  readonly tracing?: PodsRef & { readonly port: number };
  /** CIDRs the init step downloads the model from over HTTPS; none when the model is already on the volume. */
  readonly modelDownloadCidrs: readonly string[];
}

/** A voluntary disruption (node drain, upgrade) takes at most `maxUnavailable` pods of a track at a time. */
export function createTrackPdb(
  name: string,
  track: Track,
  version: string,
  namespace: pulumi.Input<string>,
  maxUnavailable: number,
  opts: pulumi.CustomResourceOptions,
): k8s.policy.v1.PodDisruptionBudget {
  return createPdb(
    `${name}-${track}`,
    {
      name: `${name}-${track}`,
      namespace,
      labels: trackLabels(name, track, version),
      selector: trackSelector(name, track),
      maxUnavailable,
    },
    opts,
  );
}

/** Egress every pod of the service needs: DNS and the mesh control plane. */
export function baseEgress(peers: NetworkPeers): Rule[] {
  return [dnsEgress(peers.dns), { to: [pods(peers.istiod)], ports: [{ protocol: "TCP", port: 15012 }] }];
}

/**
 * Default deny for the whole namespace (it belongs to the InferenceService), then one policy that lets the server
 * pods take traffic only from the ingress gateway and Prometheus, and reach only DNS, istiod, the tracing collector
 * and (for the init step's download) the model source.
 */
export function createNetworkPolicies(
  name: string,
  namespace: pulumi.Input<string>,
  peers: NetworkPeers,
  opts: pulumi.CustomResourceOptions,
  /** More pods allowed to the server port (the gateway's endpoint pickers, which scrape /metrics). */
  extraIngress: readonly k8s.types.input.networking.v1.NetworkPolicyPeer[] = [],
): k8s.networking.v1.NetworkPolicy[] {
  const labels = commonLabels(name);
  const deny = new k8s.networking.v1.NetworkPolicy(
    `${name}-default-deny`,
    {
      metadata: { name: `${name}-default-deny`, namespace, labels },
      spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
    },
    opts,
  );
  const appPort = [{ protocol: "TCP", port: APP_PORT }];
  const egress: Rule[] = [
    ...baseEgress(peers),
    ...(peers.tracing
      ? [{ to: [pods(peers.tracing)], ports: [{ protocol: "TCP", port: peers.tracing.port }] }]
      : []),
    ...(peers.modelDownloadCidrs.length > 0
      ? [
          {
            to: peers.modelDownloadCidrs.map((cidr) => ({ ipBlock: { cidr } })),
            ports: [{ protocol: "TCP", port: 443 }],
          },
        ]
      : []),
  ];
  const server = new k8s.networking.v1.NetworkPolicy(
    `${name}-server`,
    {
      metadata: { name: `${name}-server`, namespace, labels },
      spec: {
        podSelector: { matchLabels: serviceSelector(name) },
        policyTypes: ["Ingress", "Egress"],
        ingress: [
          { from: [pods(peers.ingressGateway)], ports: appPort },
          { from: [pods(peers.prometheus)], ports: appPort },
          ...(extraIngress.length > 0 ? [{ from: [...extraIngress], ports: appPort }] : []),
        ],
        egress,
      },
    },
    opts,
  );
  return [deny, server];
}

/** The off-hours scaler reaches only DNS and the Kubernetes API (whose address is outside any pod selector). */
export function createScalerNetworkPolicy(
  name: string,
  namespace: pulumi.Input<string>,
  podLabels: Record<string, string>,
  peers: NetworkPeers,
  opts: pulumi.CustomResourceOptions,
): k8s.networking.v1.NetworkPolicy {
  return new k8s.networking.v1.NetworkPolicy(
    `${name}-offhours`,
    {
      metadata: { name: `${name}-offhours`, namespace, labels: commonLabels(name) },
      spec: {
        podSelector: { matchLabels: podLabels },
        policyTypes: ["Ingress", "Egress"],
        egress: [
          ...baseEgress(peers),
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
}
