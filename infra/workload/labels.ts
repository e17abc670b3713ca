/** The two release tracks. `stable` always exists; `canary` when `genai:inference.canary.enabled`. */
export type Track = "stable" | "canary";

/** Label keys shared by the Deployments, Service, DestinationRule subsets, PDBs and the ServiceMonitor. */
export const TRACK_LABEL = "track";
/** The server image's port (inference/Dockerfile `EXPOSE`). */
export const APP_PORT = 8000;
export const APP_PORT_NAME = "http";

/** Labels every object of the service carries (app.kubernetes.io/*). */
export function commonLabels(name: string): Record<string, string> {
  return {
    ...instanceSelector(name),
    "app.kubernetes.io/part-of": "genai-platform",
    "app.kubernetes.io/managed-by": "pulumi",
  };
}

/** Selects every object of one InferenceService (the ServiceMonitor selects its Service by this). */
export function instanceSelector(name: string): Record<string, string> {
  return { "app.kubernetes.io/name": "genai-inference", "app.kubernetes.io/instance": name };
}

/** Selects the server pods of every track (Service, NetworkPolicy), not the off-hours scaler's. */
export function serviceSelector(name: string): Record<string, string> {
  return { ...instanceSelector(name), "app.kubernetes.io/component": "server" };
}

/** Selects the pods of one track (Deployment, HPA, PDB, DestinationRule subset). */
export function trackSelector(name: string, track: Track): Record<string, string> {
  return { ...serviceSelector(name), [TRACK_LABEL]: track };
}

/** Labels of one track's pods and workload objects. */
export function trackLabels(name: string, track: Track, version: string): Record<string, string> {
  return { ...commonLabels(name), ...trackSelector(name, track), "app.kubernetes.io/version": version };
}
