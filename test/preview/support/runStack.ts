import { spawnSync } from "node:child_process";
import * as os from "node:os";
import * as path from "node:path";
import type { StackReport } from "../../../scripts/preview/report.js";
import { repoRoot } from "../../../scripts/preview/versions.js";

/** Stacks the suite previews: $PREVIEW_STACKS (comma-separated), default dev and prod. */
export const previewStacks = (process.env.PREVIEW_STACKS ?? "dev,prod").split(",").filter(Boolean);

/**
 * Runs scripts/preview/stack.ts for one stack in its own process (the engine's progress and diff stream to
 * this process' stderr) and returns its report. Work files go to $PREVIEW_WORK_DIR or the temp dir.
 */
export function runStack(stack: string): StackReport {
  const workRoot = process.env.PREVIEW_WORK_DIR ?? path.join(os.tmpdir(), "genai-preview");
  const workDir = path.join(workRoot, stack);
  const res = spawnSync("node", ["--import", "tsx", "scripts/preview/stack.ts", stack, workDir], {
    cwd: repoRoot,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 256 * 1024 * 1024,
    timeout: 1_100_000,
  });
  if (res.error) throw res.error;
  if (res.status !== 0) throw new Error(`preview of ${stack} failed (exit ${res.status}); its log is above`);
  const last = res.stdout.trim().split("\n").pop() ?? "";
  return JSON.parse(last) as StackReport;
}
