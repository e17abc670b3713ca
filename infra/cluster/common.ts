import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ChartSettings } from "./charts.js";

/** What every cluster component takes besides its own settings. */
export interface ClusterComponentArgs {
  /**
   * The Kubernetes provider every child uses (the platform always passes one explicitly).
   * @default the parent's provider, else the ambient kubeconfig's
   */
  readonly provider?: k8s.Provider;
  /**
   * Namespace the component installs into (it must exist).
   * @default the component's namespace of `genai:namespaces.names` (monitoring, logging, tracing, ...)
   */
  readonly namespace?: pulumi.Input<string>;
  /**
   * Where charts come from and whether they are only rendered.
   * @default their repositories, installed
   */
  readonly charts?: ChartSettings;
}

/** Options for a child of `parent`: the explicit provider (when one is given), plus any dependencies. */
export function childOptions(
  parent: pulumi.Resource,
  provider: k8s.Provider | undefined,
  dependsOn: pulumi.Input<pulumi.Resource>[] = [],
): pulumi.CustomResourceOptions & pulumi.ComponentResourceOptions {
  return provider ? { parent, provider, dependsOn } : { parent, dependsOn };
}

/** The restricted Pod Security profile for containers the platform runs itself. */
export const RESTRICTED_CONTAINER_SECURITY: k8s.types.input.core.v1.SecurityContext = {
  runAsNonRoot: true,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
};

/** In-cluster URL of a Service: `<scheme>://<service>.<namespace>.svc:<port>`. */
export function serviceUrl(
  service: pulumi.Input<string>,
  namespace: pulumi.Input<string>,
  port: number,
  scheme = "http",
): pulumi.Output<string> {
  return pulumi.interpolate`${scheme}://${service}.${namespace}.svc:${port}`;
}
