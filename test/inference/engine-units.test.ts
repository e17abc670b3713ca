// Unit tests of the engine's pure parts (no model): the longest-prefix sequence picker, the decode gate's step
// barrier, the batch-sharing strategy and the default thread count from cgroup files.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BatchItem, Token } from "node-llama-cpp";
import { afterEach, describe, expect, it } from "vitest";
import { continuousBatchingStrategy } from "../../inference/src/engine/batching.js";
import { DecodeGate } from "../../inference/src/engine/decodeGate.js";
import {
  commonPrefixLength,
  longestPrefixIndex,
  reusablePrefixLength,
} from "../../inference/src/engine/prefix.js";
import { cgroupCpuLimit, defaultThreads } from "../../inference/src/engine/threads.js";

describe("longest-prefix sequence picker", () => {
  it("picks the cached sequence sharing the longest prefix with the prompt", () => {
    const prompt = [1, 2, 3, 4, 5, 6];
    const cached = [[1, 2, 9], [1, 2, 3, 4, 8, 8, 8], [], [1, 2, 3]];
    expect(longestPrefixIndex(cached, prompt)).toBe(1);
    expect(commonPrefixLength(cached[1] ?? [], prompt)).toBe(4);
  });

  it("breaks ties by order (least recently used first) and handles no candidates", () => {
    expect(longestPrefixIndex([[7], [8], [9]], [1, 2])).toBe(0);
    expect(
      longestPrefixIndex(
        [
          [1, 5],
          [1, 6],
        ],
        [1, 2],
      ),
    ).toBe(0);
    expect(longestPrefixIndex([], [1, 2])).toBe(-1);
  });

  it("never counts the prompt's last token as reusable (its logits start generation)", () => {
    expect(reusablePrefixLength([1, 2, 3], [1, 2, 3])).toBe(2);
    expect(reusablePrefixLength([1, 2, 3, 4], [1, 2])).toBe(1);
    expect(reusablePrefixLength([5], [1, 2])).toBe(0);
    expect(reusablePrefixLength([], [])).toBe(0);
  });
});

/** A gate driven by hand: deferred releases and timers run only when the test says so. */
function manualGate() {
  const deferred: (() => void)[] = [];
  const timers: { fn: () => void; cancelled: boolean }[] = [];
  const gate = new DecodeGate({
    stragglerMs: 5,
    defer: (fn) => deferred.push(fn),
    startTimer: (fn) => {
      const t = { fn, cancelled: false };
      timers.push(t);
      return { cancel: () => (t.cancelled = true) };
    },
  });
  const decodes: number[][] = [];
  let step: number[] | undefined;
  let finishStep: (() => void) | undefined;
  let stepDone: Promise<void> = Promise.resolve();
  /** Submits a decode for `seq` that completes when the test calls completeStep(). */
  const submit = (seq: number) =>
    gate.submit(seq, () => {
      if (step === undefined) {
        step = [];
        decodes.push(step);
        stepDone = new Promise<void>((res) => (finishStep = res));
      }
      step.push(seq);
      return stepDone.then(() => seq);
    });
  return {
    gate,
    decodes,
    submit,
    /** Runs the pending deferred release (the next macrotask). */
    releaseNow: () => {
      for (const fn of deferred.splice(0)) fn();
      step = undefined;
    },
    completeStep: async () => {
      finishStep?.();
      await new Promise((res) => setImmediate(res));
    },
    fireTimers: () => {
      for (const t of timers.splice(0)) if (!t.cancelled) t.fn();
    },
    pendingReleases: () => deferred.length,
  };
}

describe("decode gate", () => {
  it("starts a step only once every generating sequence has queued, all in one decode", async () => {
    const g = manualGate();
    const first = [g.submit(0), g.submit(1), g.submit(2)];
    expect(g.pendingReleases()).toBe(1);
    g.releaseNow();
    expect(g.decodes).toEqual([[0, 1, 2]]);
    await g.completeStep();
    expect(await Promise.all(first)).toEqual([0, 1, 2]);
    // Sequence 0 queues its next token first: the step waits for 1 and 2.
    const second = [g.submit(0)];
    expect(g.pendingReleases()).toBe(0);
    second.push(g.submit(2), g.submit(1));
    expect(g.pendingReleases()).toBe(1);
    g.releaseNow();
    expect(g.decodes[1]).toEqual([0, 2, 1]);
    await g.completeStep();
    await Promise.all(second);
  });

  it("holds new work while a step is in flight, so the batch loop empties between steps", async () => {
    const g = manualGate();
    const a = g.submit(0);
    g.releaseNow();
    // A new request's prompt arrives mid-step: it waits for the step to end, then joins the next one.
    const b = g.submit(5);
    expect(g.pendingReleases()).toBe(0);
    await g.completeStep();
    await a;
    const a2 = g.submit(0);
    expect(g.pendingReleases()).toBe(1);
    g.releaseNow();
    expect(g.decodes).toEqual([[0], [5, 0]]);
    await g.completeStep();
    await Promise.all([a2, b]);
  });

  it("stops waiting for a sequence that left or missed the straggler bound", async () => {
    const g = manualGate();
    const first = [g.submit(0), g.submit(1), g.submit(2)];
    g.releaseNow();
    await g.completeStep();
    await Promise.all(first);
    const next = [g.submit(0)];
    g.gate.leave(2); // generation of sequence 2 ended
    expect(g.pendingReleases()).toBe(0); // still waiting for 1
    g.fireTimers(); // 1 is late: the step goes without it
    expect(g.pendingReleases()).toBe(1);
    g.releaseNow();
    expect(g.decodes[1]).toEqual([0]);
    // The straggler rejoins when it queues; the step after waits for it again.
    next.push(g.submit(1));
    await g.completeStep();
    await next[0];
    expect(g.pendingReleases()).toBe(0); // 1 queued, 0 not yet
    next.push(g.submit(0));
    expect(g.pendingReleases()).toBe(1);
    g.releaseNow();
    expect(g.decodes[2]).toEqual([1, 0]);
    await g.completeStep();
    await Promise.all(next);
  });

  it("passes a failed decode's error to its caller and keeps going", async () => {
    const gate = new DecodeGate({ stragglerMs: 5, defer: (fn) => fn() });
    await expect(gate.submit(0, () => Promise.reject(new Error("decode failed")))).rejects.toThrow(
      "decode failed",
    );
    await expect(gate.submit(0, () => Promise.resolve("ok"))).resolves.toBe("ok");
  });
});

describe("batch sharing strategy", () => {
  const item = (n: number): BatchItem => ({
    tokens: Array.from({ length: n }, (_, i) => i as Token),
    logits: [],
    evaluationPriority: 5,
  });

  it("gives every generating sequence its token and the rest of the batch to prompts", () => {
    const steps: [number, number][] = [];
    const strategy = continuousBatchingStrategy((s, t) => steps.push([s, t]));
    const items = [item(600), item(1), item(1), item(40), item(1)];
    const out = strategy({ items, size: 512 });
    const amount = new Map(out.map((p) => [p.item, p.processAmount]));
    expect(items.map((i) => amount.get(i))).toEqual([469, 1, 1, 40, 1]);
    expect(out.reduce((s, p) => s + p.processAmount, 0)).toBe(512);
    expect(steps).toEqual([[5, 512]]);
  });

  it("never hands out more tokens than the batch holds", () => {
    const strategy = continuousBatchingStrategy(() => undefined);
    const items = Array.from({ length: 6 }, () => item(1));
    const out = strategy({ items, size: 4 });
    expect(out.length).toBe(4);
    expect(out.every((p) => p.processAmount === 1)).toBe(true);
  });
});

describe("default threads", () => {
  let root: string | undefined;
  afterEach(() => {
    if (root) rmSync(root, { recursive: true, force: true });
    root = undefined;
  });
  const cgroup = (files: Record<string, string>) => {
    root = mkdtempSync(join(tmpdir(), "cgroup-"));
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(join(root, path, ".."), { recursive: true });
      writeFileSync(join(root, path), content);
    }
    return root;
  };

  it("takes the cgroup v2 CPU quota when it is below the CPUs the process may run on", () => {
    const cgroupRoot = cgroup({ "cpu.max": "200000 100000\n" });
    expect(cgroupCpuLimit({ cgroupRoot })).toBe(2);
    expect(defaultThreads({ cgroupRoot, parallelism: 16 })).toBe(2);
    expect(defaultThreads({ cgroupRoot, parallelism: 1 })).toBe(1);
  });

  it("rounds a fractional quota down, never below one thread", () => {
    expect(defaultThreads({ cgroupRoot: cgroup({ "cpu.max": "150000 100000" }), parallelism: 8 })).toBe(1);
    rmSync(root ?? "", { recursive: true, force: true });
    expect(defaultThreads({ cgroupRoot: cgroup({ "cpu.max": "50000 100000" }), parallelism: 8 })).toBe(1);
  });

  it("falls back to the CPUs available when there is no quota", () => {
    expect(defaultThreads({ cgroupRoot: cgroup({ "cpu.max": "max 100000" }), parallelism: 6 })).toBe(6);
    rmSync(root ?? "", { recursive: true, force: true });
    expect(defaultThreads({ cgroupRoot: cgroup({}), parallelism: 3 })).toBe(3);
  });

  it("reads the cgroup v1 CFS files (-1 = no quota)", () => {
    const v1 = cgroup({
      "cpu,cpuacct/cpu.cfs_quota_us": "400000\n",
      "cpu,cpuacct/cpu.cfs_period_us": "100000\n",
    });
    expect(defaultThreads({ cgroupRoot: v1, parallelism: 8 })).toBe(4);
    rmSync(root ?? "", { recursive: true, force: true });
    const unlimited = cgroup({ "cpu/cpu.cfs_quota_us": "-1", "cpu/cpu.cfs_period_us": "100000" });
    expect(defaultThreads({ cgroupRoot: unlimited, parallelism: 8 })).toBe(8);
  });
});
