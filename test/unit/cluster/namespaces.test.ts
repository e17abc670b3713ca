// infra/cluster/namespaces: the namespaces of the platform stacks, and the component alone.
import { beforeAll, describe, expect, it } from "vitest";
import { argsErrorOf, runComponent } from "../support/component.js";
import { at, NAMESPACE, PROD_SECRETS } from "../support/fixtures.js";
import { type ProgramRun, runProgram } from "../support/program.js";

let dev: ProgramRun;
let prod: ProgramRun;

beforeAll(async () => {
  dev = await runProgram("dev");
  prod = await runProgram("prod", { secrets: PROD_SECRETS });
});

describe("Namespaces", () => {
  it("Pod Security: restricted for the workload and tracing, privileged only where a node agent needs the host", () => {
    const level = (concern: string) =>
      at(
        prod.one(NAMESPACE, `genai-namespaces-${concern}`).inputs,
        "metadata",
        "labels",
        "pod-security.kubernetes.io/enforce",
      );
    expect(level("workload")).toBe("restricted");
    expect(level("tracing")).toBe("restricted");
    for (const c of ["gpuOperator", "monitoring", "logging", "mesh", "backups"])
      expect(level(c), c).toBe("privileged");
    const workload = prod.one(NAMESPACE, "genai-namespaces-workload").inputs;
    expect(at(workload, "metadata", "labels")).toMatchObject({
      "pod-security.kubernetes.io/warn": "restricted",
      "istio-injection": "enabled",
    });
  });

  it("the workload namespace has a ResourceQuota and a LimitRange sized per environment", () => {
    const hard = (run: ProgramRun) => at(run.one("kubernetes:core/v1:ResourceQuota").inputs, "spec", "hard");
    expect(hard(dev)).toMatchObject({ "requests.cpu": "8", "requests.nvidia.com/gpu": "1", pods: "40" });
    expect(hard(prod)).toMatchObject({ "requests.cpu": "96", "requests.nvidia.com/gpu": "24" });
    expect(at(prod.one("kubernetes:core/v1:LimitRange").inputs, "spec", "limits", 0)).toMatchObject({
      type: "Container",
      max: { cpu: "32", memory: "128Gi" },
      defaultRequest: { cpu: "100m" },
    });
  });

  it("only namespaces of enabled services exist; none when genai:namespaces.enabled is false", async () => {
    expect(dev.all(NAMESPACE).map((r) => r.name)).not.toContain("genai-namespaces-gpuOperator");
    expect(dev.all(NAMESPACE).map((r) => r.name)).not.toContain("genai-namespaces-backups");
    const run = await runProgram("ci", { overrides: { namespaces: { enabled: false } } });
    expect(run.all(NAMESPACE)).toHaveLength(0);
    expect((run.outputs.namespaces as Record<string, string>).workload).toBe("genai");
  });
});

describe("Namespaces alone (infra/cluster/namespaces with empty Args)", () => {
  it("creates every namespace with the default names, quota and limits", async () => {
    const run = await runComponent("Namespaces");
    expect(run.all(NAMESPACE).map((n) => at(n.inputs, "metadata", "name"))).toEqual([
      "genai",
      "gpu-operator",
      "monitoring",
      "logging",
      "tracing",
      "istio-system",
      "velero",
    ]);
    const quota = run.one("kubernetes:core/v1:ResourceQuota").inputs;
    expect(at(quota, "spec", "hard")).toMatchObject({
      "requests.cpu": "8",
      "requests.nvidia.com/gpu": "1",
      pods: "40",
    });
    const limits = run.one("kubernetes:core/v1:LimitRange").inputs;
    expect(at(limits, "spec", "limits", 0, "max")).toEqual({ cpu: "8", memory: "16Gi" });
  });

  it("merges partial Args over the defaults, key by key", async () => {
    const run = await runComponent("Namespaces", { names: { workload: "ai" }, workloadQuota: { gpus: 4 } });
    expect(run.all(NAMESPACE).map((n) => at(n.inputs, "metadata", "name"))).toContain("ai");
    const hard = at(run.one("kubernetes:core/v1:ResourceQuota").inputs, "spec", "hard");
    expect(hard).toMatchObject({ "requests.nvidia.com/gpu": "4", "requests.cpu": "8" });
  });

  it("bad Args raise an InputPropertyError naming the property", async () => {
    const error = await argsErrorOf("Namespaces", { workloadQuota: { gpus: -1 } });
    expect(error.propertyPath).toBe("workloadQuota.gpus");
    const name = await argsErrorOf("Namespaces", { names: { tracing: "Not_A_Label" } });
    expect(name.propertyPath).toBe("names.tracing");
    expect(name.reason).toContain("expected a DNS label");
  });
});
