// The package's public API (`import { GenAIPlatform, InferenceService } from "@genai-platform/infra"` in another
// stack): the components, their Args and output types, and the config parsing entry points. Helpers the components
// share (provider options, chart installation, schemas) stay internal: import them from their module inside this
// repository only.
export * from "./cluster/index.js";
export {
  CONFIG_NAMESPACE,
  loadConfig,
  parseConfig,
  type PlatformConfig,
  type PlatformSecrets,
} from "./config.js";
export { ConfigError } from "./configError.js";
export { ENVIRONMENTS, type Environment, isEnvironment } from "./environment.js";
export * from "./observability/index.js";
export { GenAIPlatform, type GenAIPlatformArgs } from "./platform.js";
export * from "./workload/index.js";
