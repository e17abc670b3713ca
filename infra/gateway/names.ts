// Names the Gateway API Inference Extension, Istio and the charts derive from each other. They are computed
// here the way those projects compute them, so our objects can point at theirs before they exist.
import { createHash } from "node:crypto";

/** The header body-based routing writes the request's `model` into (pkg/bbr/handlers/request.go). */
export const MODEL_HEADER = "X-Gateway-Model-Name";
/** The endpoint picker's ext_proc gRPC port (inferencepool chart `extProcPort`). */
export const EPP_PORT = 9002;
/** Body-based routing's ext_proc gRPC port (body-based-routing chart `bbr.port`). */
export const BBR_PORT = 9004;
/** Name of body-based routing's Deployment and Service (chart `bbr.name`). */
export const BBR_NAME = "body-based-router";
/** The label Istio puts on the pods it runs for a Gateway API Gateway. */
export const GATEWAY_POD_LABEL = "gateway.networking.k8s.io/gateway-name";

const sha = (s: string, n: number) => createHash("sha256").update(s).digest("hex").slice(0, n);

/**
 * An InferencePool (and Helm release) name: DNS-1035, at most 40 characters, since the chart truncates the release
 * name to 40 before appending `-epp` (too long names would collide after truncation; a hash keeps them apart).
 */
export function poolName(...parts: string[]): string {
  const raw = parts
    .join("-")
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-|-$/g, "");
  const name = /^[a-z]/.test(raw) ? raw : `m-${raw}`;
  return name.length <= 40 ? name : `${name.slice(0, 31).replace(/-$/, "")}-${sha(name, 8)}`;
}

/** The endpoint picker's Deployment / Service name for a pool (chart helper `gateway-api-inference-extension.name`). */
export function eppName(pool: string): string {
  return `${pool.slice(0, 40)}-epp`;
}

/** The pod label the chart selects the endpoint picker's pods by. */
export function eppSelector(pool: string): Record<string, string> {
  return { inferencepool: eppName(pool) };
}

/**
 * The Service Istio creates in the pool's namespace for an InferencePool referenced by an HTTPRoute (Istio's
 * `InferencePoolServiceName`: `<pool>-ip-<first 8 hex of sha256(pool)>`, truncated to 63). A DestinationRule on
 * it is how the mesh's traffic policy (mTLS, outlier detection) reaches the pool's endpoints.
 */
export function inferencePoolServiceName(pool: string): string {
  const hash = sha(pool, 8);
  return `${pool.slice(0, 63 - "-ip-".length - hash.length)}-ip-${hash}`;
}
