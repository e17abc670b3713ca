// A host-side cache of evaluated prompt states, like llama-server's prompt cache (--cache-ram): when a request
// gets a sequence whose cached tokens share little with its prompt, but a state saved earlier shares much more
// (the system prompt that another conversation overwrote on this sequence), that state is loaded into the
// sequence instead of evaluating the prefix again. Evaluating a 400-token system prompt costs seconds of CPU;
// loading its KV state (about 23 KB per token for a 135M model) costs milliseconds.
//
// States are saved with node-llama-cpp's public LlamaContextSequence.saveStateToFile / loadStateFromFile, in a
// private directory (under /tmp in the image: the Deployment's writable emptyDir), bounded by bytes, evicted least
// recently used first. A sequence's state is saved when a request that evaluated its prompt ends (engine.ts), and
// just before a request would overwrite most of it.
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { commonPrefixLength } from "./prefix.js";

/** What a cache entry needs from a sequence (LlamaContextSequence has both, and its tokens). */
export interface StatefulSequence {
  readonly contextTokens: readonly number[];
  saveStateToFile(file: string): Promise<{ fileSize: number }>;
  loadStateFromFile(file: string, acceptRisk: { acceptRisk: true }): Promise<void>;
}

export interface PromptCacheOptions {
  /** Bound on the bytes of all saved states; 0 disables the cache. */
  maxBytes: number;
  /** States shorter than this are not worth a file (a chat template's header, a short question). */
  minTokens: number;
  /** Where the state files go; a private directory is made inside it. @default os.tmpdir() */
  parentDir?: string;
}

interface Entry {
  readonly tokens: readonly number[];
  readonly file: string;
  readonly bytes: number;
  lastUsed: number;
}

export interface CacheHit {
  /** Tokens of the prompt the saved state covers. */
  readonly shared: number;
  readonly entry: Readonly<Entry>;
}

export class PromptCache {
  private readonly entries: Entry[] = [];
  private readonly dir: string;
  private serial = 0;
  /** Cache operations run one at a time: a restore must not race the eviction of its file. */
  private queue: Promise<unknown> = Promise.resolve();
  private clock = 0;
  private bytes = 0;

  constructor(private readonly opts: PromptCacheOptions) {
    this.dir = mkdtempSync(join(opts.parentDir ?? tmpdir(), "genai-prompt-cache-"));
  }

  get totalBytes(): number {
    return this.bytes;
  }

  get size(): number {
    return this.entries.length;
  }

  /** The saved state sharing the longest prefix with `prompt`, if any shares at least `minTokens`. */
  best(prompt: readonly number[]): CacheHit | undefined {
    let hit: CacheHit | undefined;
    for (const entry of this.entries) {
      const shared = commonPrefixLength(entry.tokens, prompt);
      if (shared >= this.opts.minTokens && shared > (hit?.shared ?? 0)) hit = { shared, entry };
    }
    return hit;
  }

  /**
   * Saves `sequence`'s state unless it is too short, too big for the cache, or already covered (a saved state
   * starts with all of its tokens). A saved state that is a prefix of this one is replaced by it.
   */
  async save(sequence: StatefulSequence): Promise<boolean> {
    const tokens = [...sequence.contextTokens];
    if (tokens.length < this.opts.minTokens || this.opts.maxBytes <= 0) return false;
    if (this.entries.some((e) => commonPrefixLength(e.tokens, tokens) === tokens.length)) return false;
    const file = join(this.dir, `state-${++this.serial}.bin`);
    const { fileSize } = await sequence.saveStateToFile(file);
    const bytes = fileSize || statSync(file).size;
    if (bytes > this.opts.maxBytes) {
      await rm(file, { force: true });
      return false;
    }
    for (const superseded of this.entries.filter(
      (e) => commonPrefixLength(e.tokens, tokens) === e.tokens.length,
    ))
      await this.remove(superseded);
    this.entries.push({ tokens, file, bytes, lastUsed: ++this.clock });
    this.bytes += bytes;
    while (this.bytes > this.opts.maxBytes) {
      const oldest = this.entries.reduce((a, b) => (b.lastUsed < a.lastUsed ? b : a));
      await this.remove(oldest);
    }
    return true;
  }

  /** Loads a saved state into `sequence` (replacing what it holds). */
  async restore(sequence: StatefulSequence, hit: CacheHit): Promise<void> {
    const entry = this.entries.find((e) => e === hit.entry);
    if (!entry) throw new Error("prompt cache entry was evicted");
    entry.lastUsed = ++this.clock;
    await sequence.loadStateFromFile(entry.file, { acceptRisk: true });
  }

  /** Runs `op` after every operation queued before it (the caller's save-then-restore stays one step). */
  exclusive<T>(op: () => Promise<T>): Promise<T> {
    const run = this.queue.then(op, op);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Deletes every state file and the directory. */
  dispose(): void {
    this.entries.length = 0;
    this.bytes = 0;
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async remove(entry: Entry): Promise<void> {
    const i = this.entries.indexOf(entry);
    if (i < 0) return;
    this.entries.splice(i, 1);
    this.bytes -= entry.bytes;
    await rm(entry.file, { force: true });
  }
}

/**
 * What to do with a sequence before a prompt is evaluated on it: `reuse` tokens of the prompt come from its own
 * cache; `hit`, if any, is the best saved state. Load the saved state when it covers at least `minGain` more of
 * the prompt; save the sequence's state first when the request is about to overwrite most of it.
 */
export function planPromptCache(
  cachedTokens: number,
  reuse: number,
  hit: CacheHit | undefined,
  minGain: number,
): { save: boolean; load: boolean } {
  const load = hit !== undefined && hit.shared - reuse >= minGain;
  // Loading replaces all of it; a new prompt that shares less than half of it replaces most of it.
  return { save: load || reuse < cachedTokens / 2, load };
}
