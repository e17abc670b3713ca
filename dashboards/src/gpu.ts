/**
 * GPU dashboard from the NVIDIA DCGM exporter (gpu-operator). Node panels use DCGM's `Hostname` and `gpu`
 * labels; pod panels rely on DCGM's pod mapping (`pod`, `namespace` labels, kept by a ServiceMonitor with
 * honorLabels: true) and join genai_model_info to attach model and track.
 */
import type { DashboardSpec, LabelVariable, PanelSpec } from "./grafana.js";
import { inferenceSelector, selector } from "./promql.js";
import { INFERENCE_VARIABLE_SET } from "./variables.js";

const NODE: LabelVariable = {
  name: "node",
  label: "GPU node",
  metric: "DCGM_FI_DEV_GPU_UTIL",
  labelName: "Hostname",
};
const nodeSel = selector([], 'Hostname=~"$node"');
const gpuLegend = "{{Hostname}} GPU {{gpu}}";

/** Attaches model and track of the serving pod to a per-GPU DCGM series (drops GPUs of other pods). */
function perInferencePod(dcgmExpr: string): string {
  return `${dcgmExpr} * on (namespace, pod) group_left (model, track) max by (namespace, pod, model, track) (genai_model_info${inferenceSelector()})`;
}

/** Recorded in dashboards/rules/platform-gpu.yaml (shared with the memory-pressure alert). */
const FB_USED_RATIO = "gpu:dcgm_fb_used:ratio";

const perNode: PanelSpec[] = [
  {
    title: "GPU utilisation",
    description: "DCGM_FI_DEV_GPU_UTIL per GPU: share of time a kernel ran.",
    unit: "percent",
    queries: [{ expr: `DCGM_FI_DEV_GPU_UTIL${nodeSel}`, legend: gpuLegend }],
    min: 0,
    max: 100,
  },
  {
    title: "GPU memory used",
    description: "Framebuffer used / (used + free). Above 95% for long: the memory-pressure alert fires.",
    unit: "percentunit",
    queries: [{ expr: `${FB_USED_RATIO}${nodeSel}`, legend: gpuLegend }],
    thresholds: [0.85, 0.95],
    min: 0,
    max: 1,
  },
  {
    title: "GPU temperature",
    description: "DCGM_FI_DEV_GPU_TEMP in degrees Celsius.",
    unit: "celsius",
    queries: [{ expr: `DCGM_FI_DEV_GPU_TEMP${nodeSel}`, legend: gpuLegend }],
    thresholds: [80, 87],
    width: 8,
  },
  {
    title: "GPU power",
    description: "DCGM_FI_DEV_POWER_USAGE in watts.",
    unit: "watt",
    queries: [{ expr: `DCGM_FI_DEV_POWER_USAGE${nodeSel}`, legend: gpuLegend }],
    width: 8,
  },
  {
    title: "XID errors and ECC",
    description:
      "Last XID error code per GPU (0 = none) and uncorrectable (double-bit) ECC errors in the window.",
    unit: "short",
    queries: [
      { expr: `DCGM_FI_DEV_XID_ERRORS${nodeSel}`, legend: `${gpuLegend} XID` },
      {
        expr: `increase(DCGM_FI_DEV_ECC_DBE_VOL_TOTAL${nodeSel}[$__rate_interval])`,
        legend: `${gpuLegend} ECC DBE`,
      },
    ],
    width: 8,
  },
];

const perPod: PanelSpec[] = [
  {
    title: "GPU utilisation per inference pod",
    description: "Utilisation of the GPUs allocated to inference pods, with model and track.",
    unit: "percent",
    queries: [
      { expr: perInferencePod(`DCGM_FI_DEV_GPU_UTIL${nodeSel}`), legend: "{{track}} {{pod}} GPU {{gpu}}" },
    ],
    min: 0,
    max: 100,
  },
  {
    title: "GPU memory used per inference pod",
    description: "Framebuffer used by the inference pods' GPUs (MiB).",
    unit: "decmbytes",
    queries: [
      { expr: perInferencePod(`DCGM_FI_DEV_FB_USED${nodeSel}`), legend: "{{track}} {{pod}} GPU {{gpu}}" },
    ],
  },
  {
    title: "GPUs per track",
    description: "How many GPUs the inference pods of each track hold.",
    kind: "stat",
    unit: "short",
    queries: [
      {
        expr: `count by (track) (${perInferencePod(`DCGM_FI_DEV_GPU_UTIL${nodeSel}`)})`,
        legend: "{{track}}",
      },
    ],
    width: 8,
    height: 5,
  },
  {
    title: "Mean utilisation per track",
    description:
      "Average utilisation of the inference GPUs per track: low with a long queue means a CPU or batching bottleneck.",
    kind: "stat",
    unit: "percent",
    queries: [
      { expr: `avg by (track) (${perInferencePod(`DCGM_FI_DEV_GPU_UTIL${nodeSel}`)})`, legend: "{{track}}" },
    ],
    width: 8,
    height: 5,
  },
  {
    title: "GPUs per node",
    description: "GPUs reporting to DCGM on each node.",
    kind: "stat",
    unit: "short",
    queries: [{ expr: `count by (Hostname) (DCGM_FI_DEV_GPU_UTIL${nodeSel})`, legend: "{{Hostname}}" }],
    width: 8,
    height: 5,
  },
];

export const gpuDashboard: DashboardSpec = {
  uid: "genai-gpu",
  title: "GenAI / GPU",
  description:
    "NVIDIA DCGM exporter: utilisation, memory, temperature, power and XID/ECC errors per node and per inference pod.",
  tags: ["genai", "gpu"],
  variables: [...INFERENCE_VARIABLE_SET, NODE],
  sections: [
    { title: "Per GPU (node)", panels: perNode },
    { title: "Per inference pod", panels: perPod },
  ],
};
