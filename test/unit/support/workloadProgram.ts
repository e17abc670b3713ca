// A stack program with only the InferenceService, for the workload tests (run by support/program.ts under mocks):
// `genai:inference` from the run's config, the environment from the stack name.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { isEnvironment } from "../../../infra/environment.js";
import { InferenceService, resolveInferenceConfig } from "../../../infra/workload/index.js";

const genai = new pulumi.Config("genai");
const stack = pulumi.getStack();
const config = resolveInferenceConfig(genai.getObject("inference"), isEnvironment(stack) ? stack : "dev");
const registryPassword = genai.getSecret("registryPassword");
const service = new InferenceService("inference", {
  provider: new k8s.Provider("k8s", {}),
  namespace: "genai",
  config,
  ...(registryPassword !== undefined ? { registryPassword } : {}),
  serviceMonitorLabels: { release: "kube-prometheus-stack" },
});

export const endpoint = service.endpoint;
export const canaryWeight = service.canaryWeight;
export const apiKeys = service.apiKeys;
export const images = service.images;
