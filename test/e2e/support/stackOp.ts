// One Pulumi operation on one stack against the local control plane, in a process of its own:
//
//   node --import tsx test/e2e/support/stackOp.ts <up|destroy> <stack> <workDir> [configPath=value ...]
//
// The real CLI, engine and Kubernetes provider (scripts/tools) run the program in-process through the Automation
// API's inline program, as the preview does (the Node.js language host cannot be built here: docs/engine.md).
// Each operation needs a fresh process because Node caches index.ts: a second `up` in the same process would
// register no resource and delete the stack's objects. State, config copy and PULUMI_HOME live in <workDir>.
// `configPath=value` pairs are set (as `pulumi config set --path`) before the operation.
// Prints an OpResult as JSON on the last stdout line; the engine's progress goes to stderr.
import path from "node:path";
import { pathToFileURL } from "node:url";
import { automation } from "@pulumi/pulumi";
import { checkKubernetesProvider, repoRoot } from "../../../scripts/preview/versions.js";
import { throwawayWorkspace } from "../../../scripts/preview/workspace.js";

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
  const provider = checkKubernetesProvider();
  if (provider.warning) console.error(provider.warning);
  const program = async (): Promise<Record<string, unknown>> => ({
    ...((await import(pathToFileURL(path.join(repoRoot, "index.ts")).href)) as Record<string, unknown>),
  });
  const { workspace } = await throwawayWorkspace({ stackName, workDir, passphrase: PASSPHRASE, program });
  const stack = await automation.Stack.createOrSelect(stackName, workspace);
  for (const setting of settings) {
    const eq = setting.indexOf("=");
    if (eq < 1) throw new Error(`expected configPath=value, got ${JSON.stringify(setting)}`);
    await stack.setConfig(setting.slice(0, eq), { value: setting.slice(eq + 1) }, true);
  }

  const steps = new Map<string, Step>();
  const onEvent = (event: automation.EngineEvent): void => {
    const meta = event.resourcePreEvent?.metadata;
    if (meta) steps.set(meta.urn, { urn: meta.urn, type: meta.type, op: meta.op });
  };
  const onOutput = (out: string): void => void process.stderr.write(out);
  const common = { color: "never" as const, onOutput, onEvent };
  if (op === "up") {
    const up = await stack.up(common);
    return {
      result: up.summary.result,
      resourceChanges: up.summary.resourceChanges ?? {},
      steps: [...steps.values()],
      outputs: Object.fromEntries(
        Object.entries(up.outputs).map(([k, v]) => [k, v.secret ? "[secret]" : v.value]),
      ),
      ...(provider.warning ? { providerWarning: provider.warning } : {}),
    };
  }
  if (op === "destroy") {
    const destroy = await stack.destroy(common);
    return {
      result: destroy.summary.result,
      resourceChanges: destroy.summary.resourceChanges ?? {},
      steps: [...steps.values()],
      outputs: {},
    };
  }
  throw new Error(`unknown operation ${JSON.stringify(op)} (expected up or destroy)`);
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
