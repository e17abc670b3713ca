// The inference workload: the InferenceService component, its Args, and the `genai:inference` config it takes.
export {
  DEFAULT_MODEL,
  INFERENCE_CONFIG_KEY,
  INFERENCE_PRESETS,
  type InferenceConfig,
  type InferenceConfigInput,
  isPinnedImageRef,
  resolveInferenceConfig,
} from "./config.js";
export { InferenceService, type InferenceServiceArgs } from "./inferenceService.js";
export type { NetworkPeers, PodsRef } from "./protection.js";
export { trafficWeights } from "./routing.js";
export { ModelEndpoint, type ModelEndpointArgs } from "./modelEndpoint.js";
export * from "./modelsConfig.js";
