/** The template variables the dashboards share: each narrows the next (namespace -> model -> track). */
import type { LabelVariable } from "./grafana.js";

/** genai_model_info is exported by every server as soon as the model is loaded, so it lists every pod. */
const INFO = "genai_model_info";

export const NAMESPACE: LabelVariable = {
  name: "namespace",
  label: "Namespace",
  metric: INFO,
  labelName: "namespace",
};
export const MODEL: LabelVariable = {
  name: "model",
  label: "Model",
  metric: INFO,
  labelName: "model",
  dependsOn: ["namespace"],
};
export const TRACK: LabelVariable = {
  name: "track",
  label: "Track",
  metric: INFO,
  labelName: "track",
  dependsOn: ["namespace", "model"],
};

export const INFERENCE_VARIABLE_SET = [NAMESPACE, MODEL, TRACK] as const;
