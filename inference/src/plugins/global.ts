// Marks a plugin as non-encapsulated so its hooks and decorators apply to the whole app: the one thing
// fastify-plugin does for us, without adding that dependency.
import type { FastifyPluginAsync } from "fastify";

export function globalPlugin<T extends Record<string, unknown>>(
  name: string,
  fn: FastifyPluginAsync<T>,
): FastifyPluginAsync<T> {
  const plugin = fn as FastifyPluginAsync<T> & Record<symbol, unknown>;
  plugin[Symbol.for("skip-override")] = true;
  plugin[Symbol.for("fastify.display-name")] = name;
  return plugin;
}
