// The public API: `import { Monitoring, GenAIPlatform } from "@genai-platform/infra"` in another stack.
export * from "./cluster/index.js";
export * from "./config.js";
export * from "./configError.js";
export * from "./environment.js";
export * from "./observability/index.js";
export * from "./platform.js";
export * from "./workload/index.js";
