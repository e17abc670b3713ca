// How many CPU threads evaluation should use when THREADS is not set. llama.cpp's thread pool spins while it waits
// for its peers, so one thread more than the cores the process may really run on does not just add nothing: under
// load it collapses throughput (a 32-token request took minutes with 4 threads on 2 cores, 0.2 s with 1). The
// number of cores a container may use is its CFS quota (the Kubernetes CPU limit), which os.cpus() ignores.
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";

export interface CpuEnvironment {
  /** Root of the cgroup file system; `/sys/fs/cgroup` on Linux. */
  cgroupRoot: string;
  /** CPUs the scheduler lets this process run on (affinity), as `os.availableParallelism()` reports. */
  parallelism: number;
  /** Reads a file, or undefined when it does not exist or cannot be read. */
  read?: (path: string) => string | undefined;
}

const readOrUndefined = (path: string): string | undefined => {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
};

/**
 * Whole CPUs allowed by the cgroup CPU quota, or undefined when there is no quota (or no cgroup file system).
 * cgroup v2: `cpu.max` holds `<quota> <period>` or `max <period>`; cgroup v1: `cpu.cfs_quota_us` (-1 = none) and
 * `cpu.cfs_period_us`. A fractional limit rounds down (never below 1): 1.5 CPUs of quota cannot keep two spinning
 * threads busy.
 */
export function cgroupCpuLimit(env: Pick<CpuEnvironment, "cgroupRoot" | "read">): number | undefined {
  const read = env.read ?? readOrUndefined;
  const toCpus = (quota: number, period: number): number | undefined =>
    Number.isFinite(quota) && Number.isFinite(period) && quota > 0 && period > 0
      ? Math.max(1, Math.floor(quota / period))
      : undefined;

  const v2 = read(join(env.cgroupRoot, "cpu.max"));
  if (v2 !== undefined) {
    const [quota, period] = v2.trim().split(/\s+/);
    if (quota === "max") return undefined;
    return toCpus(Number(quota), Number(period ?? "100000"));
  }
  for (const dir of ["cpu", "cpu,cpuacct", "cpuacct,cpu"]) {
    const quota = read(join(env.cgroupRoot, dir, "cpu.cfs_quota_us"));
    const period = read(join(env.cgroupRoot, dir, "cpu.cfs_period_us"));
    if (quota !== undefined && period !== undefined) return toCpus(Number(quota), Number(period));
  }
  return undefined;
}

/** The default evaluation threads: the cgroup CPU limit or the CPUs this process may run on, whichever is smaller. */
export function defaultThreads(
  env: CpuEnvironment = { cgroupRoot: "/sys/fs/cgroup", parallelism: availableParallelism() },
): number {
  const parallelism = Math.max(1, Math.floor(env.parallelism));
  const limit = cgroupCpuLimit(env);
  return limit === undefined ? parallelism : Math.min(limit, parallelism);
}
