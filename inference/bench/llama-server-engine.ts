// Engine (b): llama.cpp's own llama-server, built from the llama.cpp source node-llama-cpp ships
// (scripts/llama-server/build.sh), with the settings that match our server's: the same GGUF, threads,
// slots x context per slot, batch, and default flash attention ("auto" in both), plus --metrics.
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { find, scrape, sum } from "../../test/inference/support/metrics.js";
import { freePort, REPO_ROOT } from "../../test/inference/support/server.js";
import type { BenchEngine } from "./engine.js";
import { streamChat } from "./openai-stream.js";
import type { BenchSettings } from "./settings.js";
import { sleep } from "./stats.js";

const BUILD = resolve(REPO_ROOT, "scripts/llama-server/build.sh");

/** llama-server's command line for these settings (the host and port come last). */
export function llamaServerArgs(s: BenchSettings, port: number): string[] {
  return [
    ["-m", s.model],
    ["-t", String(s.threads)],
    ["-tb", String(s.threads)],
    // -c is the whole KV cache: with an explicit -np it is split evenly, -c / -np tokens per slot (unified
    // KV is only the default when -np is left on auto).
    ["-np", String(s.sequences)],
    ["-c", String(s.sequences * s.contextPerSequence)],
    ["-b", String(s.batchSize)],
    ["-ub", String(s.batchSize)],
    ["--metrics"],
    ["--no-webui"],
    ["--alias", "bench"],
    ["--host", "127.0.0.1"],
    ["--port", String(port)],
  ].flat();
}

/** The binary: LLAMA_SERVER when set, else the build script's cached one (building it when missing). */
export function locateLlamaServer(s: BenchSettings): string {
  if (s.llamaServer !== undefined) {
    if (!existsSync(s.llamaServer)) throw new Error(`LLAMA_SERVER=${s.llamaServer}: no such file`);
    return s.llamaServer;
  }
  // stderr passes through: a cold build prints its progress there for about half an hour.
  const out = spawnSync(BUILD, [], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  if (out.status !== 0) throw new Error(`${BUILD} failed (exit ${out.status})`);
  return out.stdout.trim().split("\n").pop() ?? "";
}

export async function startLlamaServerEngine(s: BenchSettings): Promise<BenchEngine> {
  const bin = locateLlamaServer(s);
  const port = await freePort();
  const args = llamaServerArgs(s, port);
  const child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
  const logs: string[] = [];
  const keep = (chunk: Buffer) => {
    logs.push(...chunk.toString("utf8").split("\n").filter(Boolean));
    if (logs.length > 200) logs.splice(0, logs.length - 200); // only the tail is ever shown
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  const exited = new Promise<void>((res) => child.once("exit", () => res()));
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  void exited.then(() => process.off("exit", killOnExit));

  const url = `http://127.0.0.1:${port}`;
  // /health answers 503 while the model loads, 200 once it can serve.
  const deadline = Date.now() + 150_000;
  let ready = false;
  while (!ready && Date.now() < deadline && child.exitCode === null) {
    ready = await fetch(`${url}/health`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (!ready) await sleep(200);
  }
  if (!ready) {
    child.kill("SIGKILL");
    throw new Error(
      `llama-server did not become ready (${bin} ${args.join(" ")})\n${logs.slice(-30).join("\n")}`,
    );
  }
  return {
    id: "llama-server",
    description: `${bin} ${args.join(" ")} (pid ${child.pid})`,
    complete: (prompt, maxTokens, signal) => streamChat(url, { model: "bench", prompt, maxTokens, signal }),
    async decodeCounters() {
      const samples = await scrape(url);
      if (find(samples, "llamacpp:n_decode_total").length === 0) return undefined;
      // It exports the running average of busy slots per llama_decode() call, not the sum; times the call count
      // gives the sum back (both are cumulative since start), so per-round deltas are exact up to print rounding.
      const steps = sum(samples, "llamacpp:n_decode_total");
      return { steps, sequences: sum(samples, "llamacpp:n_busy_slots_per_decode") * steps };
    },
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
