/**
 * How a component owns its settings: its zod schema, the dev-safe defaults a standalone `new Xxx(name, {})` gets,
 * and what each environment changes on top of them. infra/config.ts assembles these per `genai:<key>`; the
 * component applies the same defaults to its Args, so the two cannot drift apart.
 */
import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { describeIssue } from "../configError.js";
import type { Environment } from "../environment.js";
import { type DeepPartial, deepPartialSchema, mergeBySchema } from "./schemaMerge.js";

export interface ComponentConfig<T extends object> {
  /** The stack config key: `genai:<key>`. */
  readonly key: string;
  /** The resolved settings; strict objects, so a typo is an error rather than a silent default. */
  readonly schema: z.ZodType<T> & z.ZodObject;
  /** The dev footprint: the base of every preset and the default of every optional Args field. */
  readonly defaults: T;
  /** Per environment, only what differs from `defaults` (dev: nothing). */
  readonly presets: Readonly<Record<Environment, DeepPartial<T>>>;
}

/** The settings of `config` in `environment`: its defaults with that environment's preset laid over them. */
export function presetFor<T extends object>(config: ComponentConfig<T>, environment: Environment): T {
  return mergeBySchema(config.schema, config.defaults, config.presets[environment]) as T;
}

/**
 * The settings named by `keys` from a component's Args, laid over the defaults and validated with the component's
 * schema. A bad value raises `pulumi.InputPropertyError` naming the property (e.g. `prometheus.replicas`) and what
 * is allowed; the engine prints both.
 */
export function resolveArgs<T extends object, K extends keyof T & string>(
  config: ComponentConfig<T>,
  keys: readonly K[],
  given: { readonly [P in K]?: DeepPartial<T[P]> },
  component: string,
): Pick<T, K> {
  const mask = Object.fromEntries(keys.map((k) => [k, true])) as Record<string, true>;
  const schema = config.schema.pick(mask);
  const defaults = Object.fromEntries(keys.map((k) => [k, config.defaults[k]]));
  const picked = Object.fromEntries(keys.filter((k) => given[k] !== undefined).map((k) => [k, given[k]]));
  // The partial check first: the merge walks only known keys, so an unknown one would otherwise vanish silently.
  const partial = deepPartialSchema(schema).safeParse(picked);
  const result = partial.success ? schema.safeParse(mergeBySchema(schema, defaults, partial.data)) : partial;
  if (result.success) return result.data as Pick<T, K>;
  const [issue, ...more] = result.error.issues;
  if (!issue) throw new Error(`${component}: invalid arguments`);
  const propertyPath = issue.path.map(String).join(".");
  const others = more.length > 0 ? `; also ${more.map((i) => i.path.map(String).join(".")).join(", ")}` : "";
  throw new pulumi.InputPropertyError({
    propertyPath,
    reason: `${component}: ${propertyPath}: ${describeIssue(issue)}${others}`,
  });
}

/** A bad Args value that the schema cannot express (a rule across two properties). */
export function argsError(
  component: string,
  propertyPath: string,
  reason: string,
): pulumi.InputPropertyError {
  return new pulumi.InputPropertyError({ propertyPath, reason: `${component}: ${propertyPath}: ${reason}` });
}
