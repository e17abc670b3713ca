// The stack program: config -> GenAIPlatform -> stack outputs. Everything else lives in infra/.
import { GenAIPlatform, loadConfig } from "./infra/index.js";

const config = loadConfig();
const platform = new GenAIPlatform("genai", { config });

export const environment = config.environment;
export const namespaces = platform.namespaces;
export const prometheusUrl = platform.prometheusUrl;
export const alertmanagerUrl = platform.monitoring?.alertmanagerUrl;
export const grafanaUrl = platform.monitoring?.grafanaUrl;
export const grafanaAdminPassword = platform.monitoring?.grafanaAdminPassword;
export const elasticsearchUrl = platform.logging?.elasticsearchUrl;
export const kibanaUrl = platform.logging?.kibanaUrl;
export const jaegerUrl = platform.tracing?.queryUrl;
export const otlpEndpoint = platform.otlpEndpoint;
export const gateway = platform.gatewayRef;
export const endpoint = platform.inference.endpoint;
export const canaryWeight = platform.inference.canaryWeight;
/** model -> percent of its traffic on its canary, and model -> chat | embeddings (genai:models). */
export const canaryWeights = platform.inference.canaryWeights;
export const models = platform.inference.modelTypes;
/** tenant -> API key (secret: `pulumi stack output apiKeys --show-secrets`). */
export const apiKeys = platform.inference.apiKeys;
