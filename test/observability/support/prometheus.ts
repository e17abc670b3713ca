/**
 * A real Prometheus (Debian's /usr/bin/prometheus) in a temporary directory on a free port, with a short
 * scrape and rule-evaluation interval, and a small client for its HTTP query API.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";

export const PROMETHEUS = process.env.PROMETHEUS ?? "prometheus";

export interface ScrapeTarget {
  /** host:port */
  readonly address: string;
  /** Target labels, as a ServiceMonitor would add them (namespace, service, pod, track). */
  readonly labels: Readonly<Record<string, string>>;
}

export interface PrometheusOptions {
  readonly targets: readonly ScrapeTarget[];
  readonly ruleFiles: readonly string[];
  /** Scrape and rule evaluation interval. Default "1s". */
  readonly interval?: string;
}

export interface QueryResult {
  readonly status: string;
  readonly error?: string;
  readonly resultType?: string;
  /** Instant-vector samples: labels and value (as Prometheus sends it, a string). */
  readonly series: readonly { metric: Record<string, string>; value: [number, string] }[];
}

export interface RunningPrometheus {
  readonly url: string;
  query(expr: string): Promise<QueryResult>;
  close(): Promise<void>;
  readonly logs: string[];
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function config(options: PrometheusOptions): string {
  const interval = options.interval ?? "1s";
  return stringify({
    global: { scrape_interval: interval, evaluation_interval: interval, scrape_timeout: interval },
    rule_files: [...options.ruleFiles],
    scrape_configs: options.targets.map((target, i) => ({
      job_name: `target-${i}`,
      static_configs: [{ targets: [target.address], labels: { ...target.labels } }],
    })),
  });
}

async function waitFor(
  check: () => Promise<boolean>,
  ms: number,
  what: string,
  logs: string[],
): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(
    `${what} within ${ms / 1000}s\n--- prometheus log (tail) ---\n${logs.slice(-20).join("\n")}`,
  );
}

export async function startPrometheus(options: PrometheusOptions): Promise<RunningPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), "genai-prometheus-"));
  const configFile = join(dir, "prometheus.yml");
  writeFileSync(configFile, config(options));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const logs: string[] = [];
  const child: ChildProcess = spawn(
    PROMETHEUS,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--storage.tsdb.retention.time=1h",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const spawnError = new Promise<never>((_, reject) =>
    child.once("error", (error) =>
      reject(new Error(`cannot run ${PROMETHEUS} (apt-get install prometheus): ${error.message}`)),
    ),
  );
  const collect = (chunk: Buffer): void => {
    logs.push(...chunk.toString("utf8").split("\n").filter(Boolean));
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  const close = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const query = async (expr: string): Promise<QueryResult> => {
    const response = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: expr })}`);
    const body = (await response.json()) as {
      status: string;
      error?: string;
      data?: { resultType: string; result: unknown };
    };
    const series = body.data?.resultType === "vector" ? (body.data.result as QueryResult["series"]) : [];
    return { status: body.status, error: body.error, resultType: body.data?.resultType, series };
  };

  try {
    await Promise.race([
      spawnError,
      waitFor(async () => (await fetch(`${url}/-/ready`)).ok, 30_000, "Prometheus not ready", logs),
    ]);
  } catch (error) {
    await close();
    throw error;
  }
  return { url, query, close, logs };
}

/** True when at least one returned series has a finite value (NaN from 0/0 or an empty histogram is no data). */
export function hasFiniteValue(result: QueryResult): boolean {
  return result.series.some((s) => Number.isFinite(Number(s.value[1])));
}
