// API keys -> tenants. Keys come from API_KEYS ("tenant:key,tenant:key") and/or API_KEYS_FILE (one
// "tenant:key" per line, # comments; a mounted Kubernetes Secret). Lookups hash the presented key and compare
// against every stored hash in constant time, so neither timing nor an early exit reveals a key.
import { createHash, timingSafeEqual } from "node:crypto";
import { readFile } from "node:fs/promises";
import { ConfigError } from "../config.js";

export interface ApiKeyEntry {
  tenant: string;
  digest: Buffer;
}

const digest = (key: string): Buffer => createHash("sha256").update(key).digest();

export function parseApiKeys(text: string, source: string): ApiKeyEntry[] {
  const entries: ApiKeyEntry[] = [];
  for (const [i, raw] of text.split(/[\n,]/).entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const sep = line.indexOf(":");
    const tenant = line.slice(0, sep).trim();
    const key = line.slice(sep + 1).trim();
    if (sep <= 0 || key.length === 0 || !/^[A-Za-z0-9_.-]{1,64}$/.test(tenant)) {
      throw new ConfigError(
        `${source}: entry ${i + 1} must be "tenant:key" (tenant of letters, digits, _ . -)`,
      );
    }
    if (key.length < 16)
      throw new ConfigError(`${source}: the key of tenant ${tenant} is shorter than 16 characters`);
    entries.push({ tenant, digest: digest(key) });
  }
  return entries;
}

export async function loadApiKeys(
  inline: string | undefined,
  file: string | undefined,
): Promise<ApiKeyEntry[]> {
  const entries = inline ? parseApiKeys(inline, "API_KEYS") : [];
  if (file) {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (err) {
      throw new ConfigError(`API_KEYS_FILE=${file} cannot be read: ${(err as Error).message}`);
    }
    entries.push(...parseApiKeys(text, `API_KEYS_FILE ${file}`));
  }
  return entries;
}

/** The tenant that owns `key`, or undefined. Always compares against every entry. */
export function matchApiKey(entries: readonly ApiKeyEntry[], key: string): string | undefined {
  const d = digest(key);
  let tenant: string | undefined;
  for (const e of entries) {
    if (timingSafeEqual(e.digest, d) && tenant === undefined) tenant = e.tenant;
  }
  return tenant;
}
