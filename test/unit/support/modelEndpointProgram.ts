// A stack program with only the ModelEndpoint, for test/unit/workload/modelEndpoint.test.ts (run under mocks by
// support/program.ts): `genai:models` and `genai:inference` from the run's config, the environment from the stack.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { isEnvironment } from "../../../infra/environment.js";
import { ModelEndpoint, resolveModelsConfig } from "../../../infra/workload/index.js";

const genai = new pulumi.Config("genai");
const stack = pulumi.getStack();
const models = resolveModelsConfig(
  genai.getObject("models"),
  genai.getObject("inference"),
  isEnvironment(stack) ? stack : "dev",
);
const endpoint = new ModelEndpoint("inference", {
  provider: new k8s.Provider("k8s", {}),
  namespace: "genai",
  models,
  charts: { localDir: "/charts" },
  vpaRecommenderNamespace: "kube-system",
  serviceMonitorLabels: { release: "kube-prometheus-stack" },
});

export const url = endpoint.endpoint;
export const apiKeys = endpoint.apiKeys;
export const canaryWeights = endpoint.canaryWeights;
export const modelTypes = endpoint.modelTypes;
