import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { run } from "./exec.js";
import type { OpResult } from "./stackOp.js";

const repoRoot = path.resolve(import.meta.dirname, "../../..");

/** Environment that puts the engine built by scripts/tools on PATH (their env.sh prints `KEY=value` lines). */
async function engineEnv(): Promise<Record<string, string>> {
  const { stdout } = await run(path.join(repoRoot, "scripts/tools/env.sh"), []);
  const env: Record<string, string> = {};
  for (const line of stdout.split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) env[line.slice(0, eq)] = line.slice(eq + 1);
  }
  if (!env["PATH"]) throw new Error(`scripts/tools/env.sh printed no PATH:\n${stdout}`);
  return env;
}

/**
 * One stack of this project deployed by the real engine into the cluster of `kubeconfig`, with a throwaway
 * file:// backend. Each operation runs stackOp.ts in a process of its own, which runs the Pulumi CLI in the
 * stack's project copy under workDir (the first operation makes the copy).
 */
export class PulumiStack {
  private readonly workDir = mkdtempSync(path.join(tmpdir(), "genai-e2e-"));

  constructor(
    readonly stack: string,
    private readonly kubeconfig: string,
  ) {}

  /** Runs `op` after setting each `configPath=value` (`pulumi config set --path`); the engine log streams. */
  async op(op: "up" | "destroy", settings: readonly string[] = []): Promise<OpResult> {
    const env = { ...(await engineEnv()), KUBECONFIG: this.kubeconfig };
    const script = path.join(import.meta.dirname, "stackOp.ts");
    const { stdout } = await run(
      process.execPath,
      ["--import", "tsx", script, op, this.stack, this.workDir, ...settings],
      { env, cwd: repoRoot, streamStderr: true },
    );
    const last = stdout.trim().split("\n").pop() ?? "";
    return JSON.parse(last) as OpResult;
  }

  /** Removes the backend and the config copy (the cluster's objects are `destroy`'s job). */
  dispose(): void {
    rmSync(this.workDir, { recursive: true, force: true });
  }
}
