// One Pulumi operation on one stack against the local control plane, in a process of its own:
//
//   node --import tsx test/e2e/support/stackOp.ts <up|destroy> <stack> <workDir> [configPath=value ...]
//
// The real CLI, engine, Node.js language host and Kubernetes provider (scripts/tools) run `pulumi up` / `pulumi
// destroy` in a copy of the project directory, as a user does (scripts/preview/cli.ts, workspace.ts): the CLI starts
// the language host, which runs Pulumi.yaml's program. State, the project copy and PULUMI_HOME live in <workDir>;
// the first operation copies the project, later ones reuse the copy and its stack config.
// `configPath=value` pairs are set (as `pulumi config set --path`) before the operation.
// Prints an OpResult as JSON on the last stdout line; the engine's progress goes to stderr.
import path from "node:path";
import type { automation } from "@pulumi/pulumi";
import {
  changeSummary,
  pulumi,
  selectStack,
  setConfig,
  stackOutputs,
  summaryResult,
} from "../../../scripts/preview/cli.js";
import { checkKubernetesProvider, checkLanguageHost } from "../../../scripts/preview/versions.js";
import { throwawayProject } from "../../../scripts/preview/workspace.js";

/** Passphrase of the throwaway backend only: nothing it encrypts outlives the test run. */
const PASSPHRASE = "genai-e2e-throwaway";

export interface Step {
  readonly urn: string;
  readonly type: string;
  readonly op: string;
}
export interface OpResult {
  readonly result: string;
  readonly resourceChanges: automation.OpMap;
  /** Every resource the engine stepped over, with its operation (same, create, update, replace, delete...). */
  readonly steps: readonly Step[];
  readonly outputs: Record<string, unknown>;
  readonly providerWarning?: string;
}

async function main(op: string, stackName: string, workDir: string, settings: string[]): Promise<OpResult> {
  if (op !== "up" && op !== "destroy") {
    throw new Error(`unknown operation ${JSON.stringify(op)} (expected up or destroy)`);
  }
  const provider = checkKubernetesProvider();
  if (provider.warning) console.error(provider.warning);
  checkLanguageHost();
  const project = throwawayProject({ stackName, workDir, passphrase: PASSPHRASE });
  await selectStack(project, stackName);
  for (const setting of settings) {
    const eq = setting.indexOf("=");
    if (eq < 1) throw new Error(`expected configPath=value, got ${JSON.stringify(setting)}`);
    await setConfig(project, setting.slice(0, eq), setting.slice(eq + 1), { path: true });
  }

  const run = await pulumi(project, [op, "--yes", "--skip-preview"], { events: true });
  const steps = new Map<string, Step>();
  for (const event of run.events) {
    const meta = event.resourcePreEvent?.metadata;
    if (meta) steps.set(meta.urn, { urn: meta.urn, type: meta.type, op: meta.op });
  }
  return {
    result: summaryResult(run),
    resourceChanges: changeSummary(run),
    steps: [...steps.values()],
    outputs: op === "up" ? await stackOutputs(project) : {},
    ...(provider.warning && op === "up" ? { providerWarning: provider.warning } : {}),
  };
}

const [op, stackName, workDir, ...settings] = process.argv.slice(2);
if (!op || !stackName || !workDir) {
  console.error(
    "usage: node --import tsx test/e2e/support/stackOp.ts <up|destroy> <stack> <workDir> [path=value ...]",
  );
  process.exit(2);
}
main(op, stackName, path.resolve(workDir), settings).then(
  (result) => console.log(JSON.stringify(result)),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  },
);
