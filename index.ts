// The stack program: config -> GenAIPlatform -> stack outputs. Everything else lives in infra/.
import { GenAIPlatform, loadConfig } from "./infra/index.js";

const config = loadConfig();
const platform = new GenAIPlatform("genai", { config });

export const environment = config.environment;
export const namespaces = platform.namespaces;
