import { describe, expect, it } from "vitest";
import { runProgram } from "./support/program.js";

describe("GenAIPlatform under dev", () => {
  it("creates the workload namespace with restricted PSA", async () => {
    const run = await runProgram("dev");
    const ns = run.one("kubernetes:core/v1:Namespace", "genai-namespaces-workload");
    expect(ns.inputs).toMatchObject({
      metadata: { name: "genai", labels: { "pod-security.kubernetes.io/enforce": "restricted" } },
    });
    expect(run.outputs.environment).toBe("dev");
  });
});
