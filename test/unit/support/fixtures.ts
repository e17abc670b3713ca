import type { ProgramRun, RecordedResource } from "./program.js";

/** Secret config a prod stack needs (backups are on in prod); the values are fakes. */
export const PROD_SECRETS = {
  backupsCredentials: { accessKeyId: "AKIAFAKE", secretAccessKey: "fake-secret-key" },
};

/** The value at `keys` below `value` (objects and arrays), or undefined. */
export function at(value: unknown, ...keys: (string | number)[]): unknown {
  let current: unknown = value;
  for (const key of keys) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

/** Resource types of the Kubernetes resources Helm installs. */
export const RELEASE = "kubernetes:helm.sh/v3:Release";
export const CHART = "kubernetes:helm.sh/v4:Chart";
/** The chart type of render-only mode (genai:kubernetes.renderYamlToDirectory), named by its release name. */
export const RENDERED_CHART = "kubernetes:helm.sh/v3:Chart";

/** Resource types the tests look up often. */
export const NAMESPACE = "kubernetes:core/v1:Namespace";
export const SECRET = "kubernetes:core/v1:Secret";
export const CONFIGMAP = "kubernetes:core/v1:ConfigMap";
export const PVC = "kubernetes:core/v1:PersistentVolumeClaim";
export const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
export const HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler";
export const VPA = "kubernetes:autoscaling.k8s.io/v1:VerticalPodAutoscaler";
export const PDB = "kubernetes:policy/v1:PodDisruptionBudget";
export const NP = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
export const VS = "kubernetes:networking.istio.io/v1:VirtualService";
export const DR = "kubernetes:networking.istio.io/v1:DestinationRule";
export const ROUTE = "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute";
export const PROMETHEUS_RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";
export const IMAGE = "docker-build:index:Image";

/** The custom resource of `kind` (e.g. "Elasticsearch") named `name`. */
export const cr = (run: ProgramRun, kind: string, name: string) =>
  run.resources.filter((r) => r.type.endsWith(`:${kind}`) && r.name === name)[0] as RecordedResource;
