import { z } from "zod";

/** A value of T with any subset of its (nested) keys: what a stack may write over a preset. Arrays replace whole. */
export type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/**
 * Stack config is a preset with the stack's values on top. These two helpers derive both the "everything optional"
 * input schema and the merge from the one resolved schema, so the preset, the input and the result cannot drift apart.
 * Only plain objects are walked; anything else (unions, arrays, records, optional objects) is a leaf that is
 * replaced as a whole.
 */

/** A strict copy of `schema` in which every object field, at any depth, is optional. Refinements are dropped. */
export function deepPartialSchema(schema: z.ZodType): z.ZodType {
  if (!(schema instanceof z.ZodObject)) return schema;
  const shape: Record<string, z.ZodType> = {};
  for (const [key, field] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
    shape[key] = deepPartialSchema(field).optional();
  }
  return z.strictObject(shape);
}

/** `override` laid over `base`, walking the objects of `schema`; an undefined override keeps the base value. */
export function mergeBySchema(schema: z.ZodType, base: unknown, override: unknown): unknown {
  if (override === undefined) return base;
  if (!(schema instanceof z.ZodObject) || !isPlainObject(base) || !isPlainObject(override)) return override;
  const result: Record<string, unknown> = { ...base };
  for (const [key, field] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
    const merged = mergeBySchema(field, base[key], override[key]);
    if (merged !== undefined) result[key] = merged;
  }
  return result;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
