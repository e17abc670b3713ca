// Runs one cluster component standalone (support/componentProgram.ts) under mocks: what `new Xxx(name, args)` gives
// without the platform, its defaults included, and the InputPropertyError bad args raise.
import * as pulumi from "@pulumi/pulumi";
import type { ComponentKind } from "./componentProgram.js";
import { type ProgramRun, runProgram } from "./program.js";

const PROGRAM = "test/unit/support/componentProgram.ts";

/** Registers `new <kind>(<kind lowercased>, args)` alone; `args` must be plain JSON. */
export function runComponent(kind: ComponentKind, args: object = {}): Promise<ProgramRun> {
  return runProgram("dev", {
    program: PROGRAM,
    ignoreStackFile: true,
    overrides: { component: { kind, args } },
  });
}

/** The InputPropertyError `new <kind>(..., args)` raises; throws when it raises none or something else. */
export async function argsErrorOf(kind: ComponentKind, args: object): Promise<pulumi.InputPropertyError> {
  const error: unknown = await runComponent(kind, args).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!pulumi.InputPropertyError.isInstance(error)) {
    throw new Error(`expected ${kind} to raise an InputPropertyError, got ${String(error)}`);
  }
  return error;
}
