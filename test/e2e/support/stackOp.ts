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
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { automation } from "@pulumi/pulumi";
import { parse, stringify } from "yaml";
import { checkKubernetesProvider, repoRoot } from "../../../scripts/preview/versions.js";

/** Passphrase of the throwaway backend only: nothing it encrypts outlives the test run. */
const PASSPHRASE = "genai-e2e-throwaway";
/** The preview's stand-ins for the Terraform-bridged random/tls providers, which cannot be built here. */
const STAND_INS = path.join(repoRoot, "scripts/preview/standins");

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
  const projectDir = path.join(workDir, "project");
  for (const dir of [projectDir, path.join(workDir, "backend"), path.join(workDir, "home")]) {
    mkdirSync(dir, { recursive: true });
  }
  if (!existsSync(path.join(projectDir, "Pulumi.yaml"))) copyProjectFiles(stackName, projectDir);

  const program = async (): Promise<Record<string, unknown>> => ({
    ...((await import(pathToFileURL(path.join(repoRoot, "index.ts")).href)) as Record<string, unknown>),
  });
  const workspace = await automation.LocalWorkspace.create({
    workDir: projectDir,
    program,
    pulumiHome: path.join(workDir, "home"),
    secretsProvider: "passphrase",
    envVars: {
      PULUMI_BACKEND_URL: pathToFileURL(path.join(workDir, "backend")).href,
      PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PATH: `${STAND_INS}${path.delimiter}${process.env.PATH ?? ""}`,
    },
  });
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

/**
 * Copies Pulumi.yaml (without `main`: the program is inline) and Pulumi.<stack>.yaml (without a salt of someone
 * else's backend) into the work dir, so `config set` never writes into the repository's stack file.
 */
function copyProjectFiles(stackName: string, projectDir: string): void {
  const project = parse(readFileSync(path.join(repoRoot, "Pulumi.yaml"), "utf8")) as Record<string, unknown>;
  delete project["main"];
  writeFileSync(path.join(projectDir, "Pulumi.yaml"), stringify(project));
  const stackFile = readFileSync(path.join(repoRoot, `Pulumi.${stackName}.yaml`), "utf8");
  const portable = stackFile.replace(/^(encryptionsalt|secretsprovider|encryptedkey):.*\n/gm, "");
  writeFileSync(path.join(projectDir, `Pulumi.${stackName}.yaml`), portable);
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
