import { spawn } from "node:child_process";

export interface RunOptions {
  /** Extra environment variables on top of process.env. */
  readonly env?: Readonly<Record<string, string>>;
  /** Written to the child's stdin, then closed. */
  readonly input?: string;
  /** Forward the child's stderr live (progress of long steps); otherwise it is kept for the error message. */
  readonly streamStderr?: boolean;
  /** Working directory (default: the current one). */
  readonly cwd?: string;
}

export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
}

/** Thrown when a command exits non-zero; the message carries the command and the tail of its stderr. */
export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly exitCode: number | null,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(`${command} exited with ${exitCode ?? "a signal"}:\n${stderr.slice(-4000) || stdout.slice(-4000)}`);
    this.name = "CommandError";
  }
}

/** Runs `file args` without a shell and resolves with its output; rejects with CommandError on failure. */
export function run(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
      if (options.streamStderr) process.stderr.write(d);
    });
    child.on("error", reject);
    child.on("close", (code) => {
      const command = [file, ...args].join(" ");
      if (code === 0) resolve({ stdout, stderr });
      else reject(new CommandError(command, code, stdout, stderr));
    });
    child.stdin.end(options.input ?? "");
  });
}

/** Runs `fn`, logs how long it took under `label` and returns its result (the suite reports step timings). */
export async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await fn();
  } finally {
    const seconds = ((performance.now() - start) / 1000).toFixed(1);
    process.stderr.write(`[e2e] ${label}: ${seconds}s\n`);
  }
}
