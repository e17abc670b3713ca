// Streams an https URL to a file and hashes it on the way, so big model files never sit in memory.
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";

/** Downloads `url` to `dest`; returns the sha256 (hex) of what was written. */
export async function downloadTo(url: string, dest: string, signal?: AbortSignal): Promise<string> {
  const res = await fetch(url, { signal: signal ?? null, redirect: "follow" });
  if (!res.ok || !res.body) throw new Error(`GET ${url}: HTTP ${res.status}`);
  const hash = createHash("sha256");
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      cb(null, chunk);
    },
  });
  await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), tap, createWriteStream(dest));
  return hash.digest("hex");
}
