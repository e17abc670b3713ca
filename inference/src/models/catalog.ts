// The models one endpoint serves. The platform hands every server the whole catalog (MODEL_CATALOG), so
// GET /v1/models lists all of them whichever pod the gateway picked; the pod's own model comes first.
export type ModelType = "chat" | "embeddings";

export const MODEL_TYPES: readonly ModelType[] = ["chat", "embeddings"];

export interface CatalogEntry {
  id: string;
  type: ModelType;
  owned_by: string;
}

export const DEFAULT_OWNER = "genai-platform";

/** Bounds a hostile or mistaken MODEL_CATALOG before it is walked. */
const MAX_ENTRIES = 256;
const ID = /^[\w.:/-]{1,128}$/;

/**
 * Parses MODEL_CATALOG: a JSON list of {id, type?: chat|embeddings, owned_by?}. Throws an Error whose message
 * says what was expected (config.ts names the variable).
 */
export function parseCatalog(raw: string): CatalogEntry[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error('a JSON list such as [{"id":"chat-model","type":"chat"}]');
  }
  if (!Array.isArray(parsed) || parsed.length > MAX_ENTRIES) {
    throw new Error(`a JSON list of at most ${MAX_ENTRIES} {id, type, owned_by} objects`);
  }
  const seen = new Set<string>();
  return parsed.map((item: unknown, i): CatalogEntry => {
    const e = (typeof item === "object" && item !== null ? item : {}) as Record<string, unknown>;
    const where = `entry ${i}`;
    if (typeof e.id !== "string" || !ID.test(e.id)) {
      throw new Error(`${where}: "id" of 1-128 letters, digits or . _ : / -`);
    }
    if (seen.has(e.id)) throw new Error(`${where}: a unique "id" (${e.id} appears twice)`);
    seen.add(e.id);
    const type = e.type ?? "chat";
    if (!MODEL_TYPES.includes(type as ModelType)) {
      throw new Error(`${where}: "type" one of ${MODEL_TYPES.join(", ")}`);
    }
    const owner = e.owned_by ?? DEFAULT_OWNER;
    if (typeof owner !== "string" || owner === "" || owner.length > 128) {
      throw new Error(`${where}: "owned_by" a string of 1-128 characters`);
    }
    const extra = Object.keys(e).filter((k) => !["id", "type", "owned_by"].includes(k));
    if (extra.length > 0) throw new Error(`${where}: only id, type, owned_by (got ${extra.join(", ")})`);
    return { id: e.id, type: type as ModelType, owned_by: owner };
  });
}

/** The served model first, then every other catalog entry once (the catalog may or may not list it). */
export function modelList(served: CatalogEntry, catalog: readonly CatalogEntry[]): CatalogEntry[] {
  const own = catalog.find((e) => e.id === served.id);
  return [own ? { ...own, type: served.type } : served, ...catalog.filter((e) => e.id !== served.id)];
}
