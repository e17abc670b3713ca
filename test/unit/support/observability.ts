// Runs the observability components alone (support/observabilityProgram.ts) under mocks.
import { type RecordedResource, runProgram } from "./program.js";

const PROGRAM = "test/unit/support/observabilityProgram.ts";

/** Runs the observability-only program with `observability` as its args; returns what it registered. */
export async function runObservability(observability: Record<string, unknown>): Promise<RecordedResource[]> {
  const run = await runProgram("dev", {
    program: PROGRAM,
    ignoreStackFile: true,
    overrides: { observability },
  });
  return [...run.resources];
}
