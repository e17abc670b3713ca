// The benchmark's llama-server runs with --no-repack (its native build crashes in ggml's AMX repacking here), so
// the node-llama-cpp engines must run without the AMX CPU variant too, or the rows compare different kernels.
// inference/scripts/drop-amx-cpu-variant.sh removes it (and says why); this finds any copy it has not removed.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

export const AMX_VARIANT = "libggml-cpu-sapphirerapids.so";

/** Paths of the AMX CPU variant under `nodeModules`/@node-llama-cpp/<package>/bins/<platform>/. */
export function amxVariants(nodeModules: string): string[] {
  const scope = join(nodeModules, "@node-llama-cpp");
  if (!existsSync(scope)) return [];
  const found: string[] = [];
  for (const pkg of readdirSync(scope)) {
    const bins = join(scope, pkg, "bins");
    if (!existsSync(bins)) continue;
    for (const platform of readdirSync(bins)) {
      const file = join(bins, platform, AMX_VARIANT);
      if (existsSync(file)) found.push(file);
    }
  }
  return found;
}
