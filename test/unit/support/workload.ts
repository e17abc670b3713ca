// Shared by the workload and policy tests: run the InferenceService under mocks and read its objects.
import { type ProgramRun, runProgram } from "./program.js";

export const DIGEST = `sha256:${"d".repeat(64)}`;

export type Obj = Record<string, unknown>;

/**
 * What this repository's stack files set under `genai:inference.image.build` (the components have no registry or
 * context default); the runs below ignore the stack file, so they lay these under the test's own values.
 */
export const REPO_BUILD = { registry: "localhost:5000", context: "inference", insecure: true } as const;

export function withRepoBuild(inference: Obj): Obj {
  const image = (inference["image"] ?? {}) as Obj;
  return {
    ...inference,
    image: { ...image, build: { ...REPO_BUILD, ...(image["build"] as Obj | undefined) } },
  };
}

/** Runs test/unit/support/workloadProgram.ts for `stack` with `genai:inference` = `inference` (over REPO_BUILD). */
export function runWorkload(
  stack: "dev" | "prod" | "ci",
  inference: Obj = {},
  secrets: Obj = {},
): Promise<ProgramRun> {
  return runProgram(stack, {
    program: "test/unit/support/workloadProgram.ts",
    ignoreStackFile: true,
    overrides: { inference: withRepoBuild(inference) },
    secrets,
    // BuildKit would report the pushed digest; the Deployment must pin it.
    state: (type) => (type === "docker-build:index:Image" ? { digest: DIGEST } : {}),
  });
}

/** Reads a nested value (`at(obj, "spec", "template")`), failing loudly when a step is missing. */
// `any` on purpose: tests walk recorded Kubernetes objects (untyped JSON) and assert on their shape with expect().
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function at(value: unknown, ...path: (string | number)[]): any {
  let v: unknown = value;
  for (const key of path) {
    if (typeof v !== "object" || v === null) throw new Error(`no ${String(key)} in ${JSON.stringify(v)}`);
    v = (v as Record<string | number, unknown>)[key];
  }
  return v;
}
