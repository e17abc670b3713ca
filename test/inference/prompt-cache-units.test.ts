// The prompt cache's bookkeeping without a model: which saved state a prompt gets, when a sequence's state is saved
// or loaded, what is kept within the byte bound, and that the files go away. The sequences here write real files.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  planPromptCache,
  PromptCache,
  type StatefulSequence,
} from "../../inference/src/engine/promptCache.js";

/** A sequence whose saved state is its tokens as text, 10 bytes per token. */
class FakeSequence implements StatefulSequence {
  constructor(public contextTokens: number[]) {}
  saveStateToFile(file: string) {
    const text = this.contextTokens.join(",").padEnd(this.contextTokens.length * 10);
    writeFileSync(file, text);
    return Promise.resolve({ fileSize: text.length });
  }
  loadStateFromFile(file: string) {
    if (!existsSync(file)) throw new Error(`no state file ${file}`);
    const text = readFileSync(file, "utf8");
    this.contextTokens = text.trim() === "" ? [] : text.trim().split(",").map(Number);
    return Promise.resolve();
  }
}

const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);
const dirs: string[] = [];
const caches: PromptCache[] = [];
afterEach(() => {
  caches.splice(0).forEach((c) => c.dispose());
  dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true }));
});
function cache(maxBytes: number, minTokens = 4): { cache: PromptCache; parent: string } {
  const parent = mkdtempSync(join(tmpdir(), "genai-pc-test-"));
  dirs.push(parent);
  const c = new PromptCache({ maxBytes, minTokens, parentDir: parent });
  caches.push(c);
  return { cache: c, parent };
}

describe("prompt cache", () => {
  it("restores the saved state sharing the longest prefix with the prompt", async () => {
    const { cache: c } = cache(10_000);
    const system = range(1, 20);
    await c.save(new FakeSequence([...system, 100, 101]));
    await c.save(new FakeSequence([...range(1, 5), 900, 901, 902]));
    const hit = c.best([...system, 200]);
    expect(hit?.shared).toBe(20);
    const target = new FakeSequence(range(500, 30));
    await c.restore(target, hit!);
    expect(target.contextTokens).toEqual([...system, 100, 101]);
    expect(c.best(range(700, 10))).toBeUndefined();
  });

  it("skips short and already covered states, and replaces a saved prefix by its extension", async () => {
    const { cache: c } = cache(10_000);
    expect(await c.save(new FakeSequence([1, 2, 3]))).toBe(false);
    expect(await c.save(new FakeSequence(range(1, 10)))).toBe(true);
    expect(await c.save(new FakeSequence(range(1, 6)))).toBe(false);
    expect(await c.save(new FakeSequence(range(1, 15)))).toBe(true);
    expect(c.size).toBe(1);
    expect(c.totalBytes).toBe(150);
  });

  it("stays within its byte bound, evicting the least recently used state and its file", async () => {
    const { cache: c, parent } = cache(250);
    await c.save(new FakeSequence(range(1, 10)));
    await c.save(new FakeSequence(range(100, 10)));
    await c.restore(new FakeSequence([]), c.best(range(1, 10))!); // the first one is now the most recent
    await c.save(new FakeSequence(range(200, 10)));
    expect(c.totalBytes).toBeLessThanOrEqual(250);
    expect(c.best(range(100, 10))).toBeUndefined();
    expect(c.best(range(1, 10))?.shared).toBe(10);
    expect(c.best(range(200, 10))?.shared).toBe(10);
    expect(await c.save(new FakeSequence(range(300, 30)))).toBe(false); // bigger than the whole cache
    const [dir] = readdirSync(parent);
    expect(readdirSync(join(parent, dir!))).toHaveLength(2);
    c.dispose();
    expect(readdirSync(parent)).toEqual([]);
  });

  it("runs operations one at a time, and a failed one does not block the next", async () => {
    const { cache: c } = cache(10_000);
    const order: string[] = [];
    const slow = c.exclusive(async () => {
      await new Promise((r) => setTimeout(r, 20));
      order.push("first");
      throw new Error("boom");
    });
    const next = c.exclusive(async () => {
      order.push("second");
      return 2;
    });
    await expect(slow).rejects.toThrow("boom");
    expect(await next).toBe(2);
    expect(order).toEqual(["first", "second"]);
  });
});

describe("planPromptCache", () => {
  const hit = (shared: number) => ({ shared, entry: { tokens: [], file: "", bytes: 0, lastUsed: 0 } });
  it("loads a state only when it saves at least minGain tokens, saving the sequence's state first", () => {
    expect(planPromptCache(300, 10, hit(200), 64)).toEqual({ save: true, load: true });
    expect(planPromptCache(300, 150, hit(200), 64)).toEqual({ save: false, load: false });
    expect(planPromptCache(300, 10, undefined, 64)).toEqual({ save: true, load: false });
    expect(planPromptCache(0, 0, undefined, 64)).toEqual({ save: false, load: false });
  });
});
