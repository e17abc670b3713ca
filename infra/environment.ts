/** The environments the platform knows. Each component has a preset per environment (its `config.ts`). */
export const ENVIRONMENTS = ["dev", "prod", "ci"] as const;

/**
 * dev: a single node, one replica, CPU allowed, small footprints, no HA.
 * prod: a multi-node HA cluster, GPU, replicas >= 3, persistence, PDBs, canary on.
 * ci: the local test control plane (simulated nodes); chart-based cluster services off.
 */
export type Environment = (typeof ENVIRONMENTS)[number];

export function isEnvironment(value: unknown): value is Environment {
  return typeof value === "string" && (ENVIRONMENTS as readonly string[]).includes(value);
}
