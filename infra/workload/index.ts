export * from "./config.js";
export { InferenceService, type InferenceServiceArgs } from "./inferenceService.js";
export type { NetworkPeers, PodsRef } from "./protection.js";
export { trafficWeights } from "./routing.js";
export { ModelEndpoint, type ModelEndpointArgs } from "./modelEndpoint.js";
export * from "./modelsConfig.js";
