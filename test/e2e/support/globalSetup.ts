import path from "node:path";
import type { TestProject } from "vitest/node";
import { run, timed } from "./exec.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** Admin kubeconfig of the local control plane. */
    kubeconfig: string;
    /** Directory holding kubectl (and the other control-plane binaries). */
    kubeBin: string;
  }
}

const clusterScripts = path.resolve(import.meta.dirname, "../../../scripts/cluster");

/**
 * Builds (or finds cached) and starts the local control plane once for the e2e suite; the returned teardown stops
 * it whatever the tests did. up.sh also gets this process's PID so its watchdog stops the cluster if vitest is
 * killed before the teardown runs.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const tools = await timed("control-plane tools (build.sh)", () =>
    run(path.join(clusterScripts, "build.sh"), [], { streamStderr: true }),
  );
  const [kubeBin] = tools.stdout.trim().split("\n");
  if (!kubeBin) throw new Error(`build.sh printed no tool directory:\n${tools.stdout}`);

  const teardown = async (): Promise<void> => {
    await timed("cluster down (down.sh)", () =>
      run(path.join(clusterScripts, "down.sh"), [], { streamStderr: true }),
    );
  };
  try {
    const up = await timed("cluster up (up.sh)", () =>
      run(path.join(clusterScripts, "up.sh"), ["--owner-pid", String(process.pid)], { streamStderr: true }),
    );
    project.provide("kubeconfig", up.stdout.trim());
    project.provide("kubeBin", kubeBin);
  } catch (error) {
    await teardown();
    throw error;
  }
  return teardown;
}
