/** Runs Debian's promtool (installed by .ci/run) and returns its exit code and output. */
import { spawnSync } from "node:child_process";

export const PROMTOOL = process.env.PROMTOOL ?? "promtool";

export interface ToolResult {
  readonly status: number | null;
  readonly output: string;
}

export function promtool(args: readonly string[], cwd?: string): ToolResult {
  const result = spawnSync(PROMTOOL, args, { cwd, encoding: "utf8", timeout: 60_000 });
  if (result.error)
    throw new Error(`cannot run ${PROMTOOL} (apt-get install prometheus): ${result.error.message}`);
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}
