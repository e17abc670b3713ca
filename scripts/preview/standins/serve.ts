// Shared start-up of the stand-in provider plugins (random.ts, tls.ts).
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { provider, runtime } from "@pulumi/pulumi";

/** The resource type of a URN (`urn:pulumi:<stack>::<project>::<parent types$>type::<name>`). */
export function typeOfUrn(urn: string): string {
  return urn.split("::")[2]?.split("$").pop() ?? "";
}

/**
 * Diff of a type whose every input forces replacement (both Terraform-bridged providers mark all inputs of the
 * types served here ForceNew): the inputs that changed, ignoring the output properties kept in the old state.
 */
export function replaceOnChange(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  outputs: string[],
) {
  const keys = new Set([...Object.keys(olds), ...Object.keys(news)]);
  const changed = [...keys].filter(
    (k) => !outputs.includes(k) && JSON.stringify(olds[k]) !== JSON.stringify(news[k]),
  );
  return { changes: changed.length > 0, replaces: changed };
}

/**
 * The plain values of a property map: the Node provider server hands secret inputs over wrapped (the engine keeps
 * track of their secretness itself, and outputs named like a secret input stay secret).
 */
export function unwrapSecrets(value: unknown): unknown {
  const plain: unknown = runtime.isRpcSecret(value) ? runtime.unwrapRpcSecret(value) : value;
  if (Array.isArray(plain)) return plain.map(unwrapSecrets);
  if (plain !== null && typeof plain === "object") {
    return Object.fromEntries(Object.entries(plain).map(([k, v]) => [k, unwrapSecrets(v)]));
  }
  return plain;
}

/**
 * Serves `impl` over the provider gRPC protocol when the module is the process' entry point (the engine
 * starts it through the pulumi-resource-<name> launcher beside it); imported by a test, it does nothing.
 */
export function serveStandIn(impl: provider.Provider, moduleUrl: string): void {
  const entry = process.argv[1];
  if (!entry || realpathSync(entry) !== realpathSync(fileURLToPath(moduleUrl))) return;
  console.error(`stand-in provider ${fileURLToPath(moduleUrl)} ${impl.version} (preview only)`);
  void provider.main(impl, process.argv.slice(2));
}
