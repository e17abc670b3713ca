import { z } from "zod";
import type { ComponentConfig } from "../../shared/componentConfig.js";
import { dnsLabel, hostnameOrAny } from "../../shared/validators.js";

export const meshSchema = z.strictObject({
  /** Install Istio (base, istiod, ingress gateway). */
  enabled: z.boolean(),
  /** `<namespace>/<name>` of an existing Istio Gateway the workload binds to while `enabled` is false. */
  existingGateway: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, "expected <namespace>/<name>")
    .optional()
    .describe(
      "`<namespace>/<name>` of an existing Istio Gateway the workload binds to while `mesh.enabled` is false",
    ),
  /** Mesh-wide PeerAuthentication mode. */
  mtls: z.enum(["STRICT", "PERMISSIVE"]),
  istiodReplicas: z.int().min(1).max(10),
  gateway: z.strictObject({
    replicas: z.int().min(1).max(20),
    serviceType: z.enum(["LoadBalancer", "NodePort", "ClusterIP"]),
    /** Hosts the shared Gateway accepts (`*`: any). */
    hosts: z.array(hostnameOrAny).min(1),
    /** Name of the Secret holding the gateway's TLS certificate (created from `genai:gatewayTls` or @pulumi/tls). */
    tlsSecretName: dnsLabel,
  }),
});

export type MeshConfig = z.infer<typeof meshSchema>;

/** `genai:mesh`: Istio with STRICT mTLS; one replica each in dev, a LoadBalancer gateway of three in prod, off in ci. */
export const meshConfig: ComponentConfig<MeshConfig> = {
  key: "mesh",
  schema: meshSchema,
  defaults: {
    enabled: true,
    mtls: "STRICT",
    istiodReplicas: 1,
    gateway: { replicas: 1, serviceType: "NodePort", hosts: ["*"], tlsSecretName: "genai-gateway-tls" },
  },
  presets: {
    dev: {},
    prod: { istiodReplicas: 2, gateway: { replicas: 3, serviceType: "LoadBalancer" } },
    ci: { enabled: false },
  },
};
