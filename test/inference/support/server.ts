// Starts the real inference server (inference/src/main.ts) on the real default model as a child process on
// a random port, and waits until /ready answers 200. Used by the inference and observability suites.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const MAIN = resolve(REPO_ROOT, "inference/src/main.ts");

export interface TestServer {
  url: string;
  apiKey: string;
  /** SIGTERM, then wait for exit (SIGKILL after 30 s). */
  close(): Promise<void>;
  /** The child process (for signal tests). */
  child: ChildProcess;
  /** Every stdout/stderr line so far (pino JSON lines, mostly). */
  logs: string[];
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
}

/** A port that was free a moment ago (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once("error", rej);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => res(port));
    });
  });
}

/** The server process itself, with the test defaults below under `env`; nothing waited for. */
export function serverProcess(env: Record<string, string>): {
  child: ChildProcess;
  logs: string[];
  exited: Promise<number | null>;
} {
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    HOST: "127.0.0.1",
    PORT: "0",
    THREADS: "1",
    SEQUENCES: "4",
    CONTEXT_SIZE: "1024",
    LOG_LEVEL: "info",
    SHUTDOWN_GRACE_MS: "20000",
    ...env,
  };
  const child = spawn(process.execPath, ["--import", "tsx", MAIN], {
    cwd: REPO_ROOT,
    env: childEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: string[] = [];
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString("utf8").split("\n")) if (line !== "") logs.push(line);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = new Promise<number | null>((res) => child.once("exit", (code) => res(code)));
  // Never leave an orphaned server (and its model in memory) behind if the caller dies first.
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  void exited.then(() => process.off("exit", killOnExit));
  return { child, logs, exited };
}

/**
 * Defaults suited to a small CI machine: one CPU thread (llama.cpp's spinning thread pool collapses when
 * cores are oversubscribed), 4 sequences of 1024 tokens, one API key for tenant "test". `env` overrides.
 */
export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  return spawnServer(env, { waitReady: true });
}

/** Like startTestServer, but `waitReady: false` resolves as soon as the server answers /health (ready or not). */
export async function spawnServer(
  env: Record<string, string>,
  opts: { waitReady: boolean },
): Promise<TestServer> {
  const apiKey = `sk-test-${randomBytes(16).toString("hex")}`;
  const port = env.PORT ?? String(await freePort());
  const { child, logs, exited } = serverProcess({ API_KEYS: `test:${apiKey}`, ...env, PORT: port });
  const fail = (why: string) => new Error(`${why}\n--- server log (tail) ---\n${logs.slice(-30).join("\n")}`);

  // Another loopback address when HOST names one (the gateway suite gives each server its own, as pods have).
  const url = `http://${env.HOST ?? "127.0.0.1"}:${port}`;
  const deadline = Date.now() + 150_000;
  let ready = false;
  while (!ready && Date.now() < deadline && child.exitCode === null) {
    ready = await fetch(`${url}${opts.waitReady ? "/ready" : "/health"}`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (!ready) await new Promise((r) => setTimeout(r, 200));
  }
  if (!ready) {
    child.kill("SIGKILL");
    throw fail(
      child.exitCode === null
        ? "server did not become ready within 150 s"
        : `server exited (${child.exitCode})`,
    );
  }

  const close = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    await exited;
    clearTimeout(timer);
  };
  return { url, apiKey, close, child, logs, exited };
}
