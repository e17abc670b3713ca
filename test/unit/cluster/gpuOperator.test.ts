// infra/cluster/gpuOperator: the operator and its DCGM exporter in the platform stacks, and the component alone.
import { parse as parseYaml } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { CHARTS } from "../../../infra/cluster/charts.js";
import { argsErrorOf, runComponent } from "../support/component.js";
import { dashboardsText } from "../support/dashboards.js";
import { at, CONFIGMAP, PROD_SECRETS, RELEASE } from "../support/fixtures.js";
import { type ProgramRun, runProgram } from "../support/program.js";

let dev: ProgramRun;
let prod: ProgramRun;

beforeAll(async () => {
  dev = await runProgram("dev");
  prod = await runProgram("prod", { secrets: PROD_SECRETS });
});

describe("GpuOperator", () => {
  it("prod: preinstalled driver, toolkit, DCGM exporter with ServiceMonitor, time-slicing ConfigMap", () => {
    const release = prod.one(RELEASE, "genai-gpu-operator");
    expect(release.inputs).toMatchObject({ chart: "gpu-operator", namespace: "gpu-operator" });
    const values = release.inputs.values;
    expect(values).toMatchObject({
      driver: { enabled: false },
      toolkit: { enabled: true },
      dcgmExporter: { enabled: true, serviceMonitor: { enabled: true } },
      devicePlugin: { config: { name: "genai-gpu-sharing", default: "default" } },
      migManager: { enabled: false },
    });
    const sharing = prod.one("kubernetes:core/v1:ConfigMap", "genai-gpu-sharing");
    expect(parseYaml(String(at(sharing.inputs, "data", "default")))).toMatchObject({
      sharing: { timeSlicing: { resources: [{ name: "nvidia.com/gpu", replicas: 2 }] } },
    });
    // The ServiceMonitor needs the monitoring CRDs.
    expect(prod.dependsOn(release, prod.one(RELEASE, "genai-monitoring-kps"))).toBe(true);
  });

  it("MIG and a managed, pinned driver", async () => {
    const run = await runProgram("prod", {
      secrets: PROD_SECRETS,
      overrides: {
        gpuOperator: {
          driver: { managed: true, version: "580.95.05" },
          sharing: { mode: "mig", migStrategy: "mixed" },
        },
      },
    });
    expect(run.one(RELEASE, "genai-gpu-operator").inputs.values).toMatchObject({
      driver: { enabled: true, version: "580.95.05" },
      mig: { strategy: "mixed" },
      // The ClusterPolicy CRD allows only all-disabled or ""; the profile is the node label (cluster/chartDefects.test.ts).
      migManager: { enabled: true, config: { default: "all-disabled" } },
      devicePlugin: {},
    });
    expect(run.all("kubernetes:core/v1:ConfigMap", "genai-gpu-sharing")).toHaveLength(0);
  });

  it("is off in dev", () => {
    expect(dev.all("genai:cluster:GpuOperator")).toHaveLength(0);
  });
});

describe("DCGM exporter (gpu-operator values)", () => {
  const release = () => prod.one(RELEASE, "genai-gpu-operator");

  it("collects every DCGM field a dashboard or rule names, from a ConfigMap the chart points at", () => {
    const used = new Set(dashboardsText().match(/DCGM_FI_[A-Z0-9_]+/g));
    expect(used).toContain("DCGM_FI_DEV_ECC_DBE_VOL_TOTAL");
    const config = prod.one(CONFIGMAP, "genai-gpu-dcgm-metrics");
    const csv = String(at(config.inputs, "data", "dcgm-metrics.csv"));
    const fields = csv
      .split("\n")
      .filter((l) => l.trim() && !l.startsWith("#"))
      .map((l) => l.split(",").map((c) => c.trim()));
    for (const f of fields) expect(f, f.join(",")).toHaveLength(3);
    expect(fields.find((f) => f[0] === "DCGM_FI_DEV_ECC_DBE_VOL_TOTAL")?.[1]).toBe("counter");
    for (const name of used)
      expect(
        fields.map((f) => f[0]),
        name,
      ).toContain(name);

    const dcgm = at(release().inputs, "values", "dcgmExporter") as Record<string, unknown>;
    expect(dcgm.config).toEqual({ name: at(config.inputs, "metadata", "name") });
    expect(dcgm.env).toContainEqual({
      name: "DCGM_EXPORTER_COLLECTORS",
      value: "/etc/dcgm-exporter/dcgm-metrics.csv",
    });
    expect(dcgm.env).toContainEqual({ name: "DCGM_EXPORTER_KUBERNETES", value: "true" });
    expect(prod.dependsOn(release(), config)).toBe(true);
  });

  it("its ServiceMonitor keeps the exporter's pod labels (honorLabels) for per-pod GPU panels", () => {
    expect(at(release().inputs, "values", "dcgmExporter", "serviceMonitor")).toEqual({
      enabled: true,
      honorLabels: true,
    });
  });

  it("no ConfigMap when the exporter is off", async () => {
    const run = await runProgram("prod", {
      secrets: PROD_SECRETS,
      overrides: { gpuOperator: { dcgmExporter: false } },
    });
    expect(run.all(CONFIGMAP, "genai-gpu-dcgm-metrics")).toHaveLength(0);
    expect(at(run.one(RELEASE, "genai-gpu-operator").inputs, "values", "dcgmExporter", "enabled")).toBe(
      false,
    );
  });
});

describe("GpuOperator alone (infra/cluster/gpuOperator with empty Args)", () => {
  it("installs the operator in gpu-operator with a preinstalled driver, the toolkit and the DCGM exporter", async () => {
    const run = await runComponent("GpuOperator");
    const release = run.one(RELEASE, "gpuoperator-operator").inputs;
    expect(release).toMatchObject({ namespace: "gpu-operator", version: CHARTS.gpuOperator.version });
    expect(release.values).toMatchObject({
      driver: { enabled: false },
      toolkit: { enabled: true },
      dcgmExporter: { enabled: true },
      migManager: { enabled: false },
    });
    expect(run.all(CONFIGMAP).map((c) => c.name)).toEqual(["gpuoperator-dcgm-metrics"]);
  });

  it("bad Args raise an InputPropertyError naming the property and the allowed values", async () => {
    const mode = await argsErrorOf("GpuOperator", { sharing: { mode: "vgpu" } });
    expect(mode.propertyPath).toBe("sharing.mode");
    expect(mode.reason).toContain('allowed: "none", "time-slicing", "mig"');
    const driver = await argsErrorOf("GpuOperator", { driver: { managed: true } });
    expect(driver.propertyPath).toBe("driver.version");
  });
});
