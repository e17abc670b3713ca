// The pod's termination grace must cover the server's whole shutdown: SHUTDOWN_GRACE_MS for in-flight work,
// then SHUTDOWN_ABORT_MS for what is still running to get its 503 / final SSE event, then closing. Otherwise the
// kubelet's SIGKILL drops exactly the connections the server was about to answer.
import { describe, expect, it } from "vitest";
import { SHUTDOWN_ABORT_MS } from "../../../inference/src/lifecycle.js";
import { at, runWorkload } from "../support/workload.js";

/** Closing the listener, unloading the model, flushing traces. */
const CLOSE_ALLOWANCE_MS = 5_000;

describe("InferenceService termination grace ⇄ server shutdown", () => {
  for (const stack of ["dev", "prod"] as const) {
    it(`${stack}: terminationGracePeriodSeconds covers the drain grace, the abort phase and closing`, async () => {
      const run = await runWorkload(stack);
      for (const d of run.all("kubernetes:apps/v1:Deployment")) {
        const pod = at(d.inputs, "spec", "template", "spec");
        const env = at(pod, "containers", 0, "env") as { name: string; value?: string }[];
        const grace = Number(env.find((e) => e.name === "SHUTDOWN_GRACE_MS")?.value);
        expect(grace).toBeGreaterThan(0);
        expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThanOrEqual(
          grace + SHUTDOWN_ABORT_MS + CLOSE_ALLOWANCE_MS,
        );
      }
    });
  }
});
