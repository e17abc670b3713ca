import path from "node:path";
import { run } from "./exec.js";

/** The parts of Kubernetes objects the e2e assertions read. */
export interface Condition {
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
  readonly message?: string;
}
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  // Specs differ per kind; tests narrow the fields they read.
  readonly spec?: Readonly<Record<string, unknown>>;
  readonly status?: {
    readonly conditions?: readonly Condition[];
    readonly phase?: string;
    readonly capacity?: Readonly<Record<string, string>>;
    readonly [field: string]: unknown;
  };
}
export interface KubeList<T extends KubeObject = KubeObject> {
  readonly items: readonly T[];
}

/** kubectl against one cluster, parsing JSON output. */
export class Kube {
  constructor(
    private readonly kubeBin: string,
    readonly kubeconfig: string,
  ) {}

  /** Runs kubectl with `args`; `input` goes to stdin (e.g. `apply -f -`). */
  async kubectl(args: readonly string[], input?: string): Promise<string> {
    const { stdout } = await run(
      path.join(this.kubeBin, "kubectl"),
      ["--kubeconfig", this.kubeconfig, ...args],
      {
        input,
      },
    );
    return stdout;
  }

  /** `kubectl get ... -o json`, parsed. */
  async get<T = KubeObject>(args: readonly string[]): Promise<T> {
    return JSON.parse(await this.kubectl(["get", ...args, "-o", "json"])) as T;
  }

  /** Lists objects of `resource` (all namespaces unless `namespace` is given). */
  async list<T extends KubeObject = KubeObject>(resource: string, namespace?: string): Promise<readonly T[]> {
    const scope = namespace ? ["-n", namespace] : ["-A"];
    return (await this.get<KubeList<T>>([resource, ...scope])).items;
  }

  /** Applies objects given as JSON (one kubectl call; a List keeps them in order). */
  async apply(objects: readonly object[]): Promise<string> {
    return this.kubectl(
      ["apply", "-f", "-"],
      JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }),
    );
  }
}

/** Polls `probe` until it returns a value other than undefined; fails with `what` after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`, { cause: lastError });
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** True when `obj` has condition `type` with status "True". */
export function hasCondition(obj: KubeObject, type: string): boolean {
  return obj.status?.conditions?.some((c) => c.type === type && c.status === "True") ?? false;
}
