// A long-running child (endpoint picker, gateway) the suite starts and must stop by PID: output kept for error
// messages, SIGTERM then SIGKILL after a bound, and SIGKILL if the test runner exits first.
import { spawn, type ChildProcess } from "node:child_process";

export interface Daemon {
  readonly name: string;
  readonly child: ChildProcess;
  /** Every output line so far. */
  readonly logs: string[];
  /** Resolves with the first stdout line matching `re` (fails if the process exits or `timeoutMs` passes). */
  line(re: RegExp, timeoutMs: number): Promise<string>;
  /** SIGTERM, SIGKILL after 10 s; resolves once it has exited. */
  stop(): Promise<void>;
}

export function startDaemon(
  name: string,
  file: string,
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): Daemon {
  const child = spawn(file, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  const logs: string[] = [];
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  const collect = (chunk: Buffer) => {
    for (const l of chunk.toString("utf8").split("\n")) {
      if (l === "") continue;
      logs.push(l);
      for (const w of waiters.filter((x) => x.re.test(l))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(l);
      }
    }
  };
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  const exited = new Promise<void>((res) => child.once("exit", () => res()));
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  void exited.then(() => process.off("exit", killOnExit));
  const tail = () => logs.slice(-40).join("\n");

  return {
    name,
    child,
    logs,
    line(re, timeoutMs) {
      const seen = logs.find((l) => re.test(l));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`${name}: no line matching ${re} within ${timeoutMs} ms\n${tail()}`)),
          timeoutMs,
        );
        void exited.then(() => reject(new Error(`${name} exited (${child.exitCode})\n${tail()}`)));
        waiters.push({
          re,
          resolve: (l) => {
            clearTimeout(timer);
            resolve(l);
          },
        });
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
