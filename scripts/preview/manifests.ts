// Reads the manifests the Kubernetes provider wrote in render mode and finds what should not be in them.
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { parseAllDocuments } from "yaml";

export interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  /** Path relative to the render directory. */
  readonly file: string;
  readonly body: Record<string, unknown>;
}

/** Kinds that live in a namespace; a rendered one without metadata.namespace would land in `default`. */
export const NAMESPACED_KINDS = new Set([
  "ConfigMap",
  "CronJob",
  "DaemonSet",
  "Deployment",
  "DestinationRule",
  "Gateway",
  "HorizontalPodAutoscaler",
  "Job",
  "LimitRange",
  "NetworkPolicy",
  "PeerAuthentication",
  "PersistentVolumeClaim",
  "PodDisruptionBudget",
  "PrometheusRule",
  "ResourceQuota",
  "Role",
  "RoleBinding",
  "Secret",
  "Service",
  "ServiceAccount",
  "ServiceMonitor",
  "StatefulSet",
  "VirtualService",
]);

/** Kinds that never have a namespace. */
export const CLUSTER_KINDS = new Set([
  "APIService",
  "ClusterRole",
  "ClusterRoleBinding",
  "CustomResourceDefinition",
  "MutatingWebhookConfiguration",
  "Namespace",
  "PriorityClass",
  "StorageClass",
  "ValidatingWebhookConfiguration",
]);

/** Every object under `dir` (the provider writes `0-crd/*.yaml` and `1-manifest/*.yaml`). */
export function readManifests(dir: string): Manifest[] {
  const manifests: Manifest[] = [];
  for (const file of yamlFiles(dir)) {
    for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]?.message}`);
      const body: unknown = doc.toJS();
      if (body === null || body === undefined) continue;
      if (typeof body !== "object") throw new Error(`${file}: a document is not an object`);
      manifests.push(toManifest(body as Record<string, unknown>, path.relative(dir, file)));
    }
  }
  return manifests;
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

function toManifest(body: Record<string, unknown>, file: string): Manifest {
  const metadata = (body.metadata ?? {}) as Record<string, unknown>;
  const { apiVersion, kind } = body;
  const { name, namespace } = metadata;
  if (typeof apiVersion !== "string" || typeof kind !== "string" || typeof name !== "string") {
    throw new Error(`${file}: an object without apiVersion, kind or metadata.name`);
  }
  return { apiVersion, kind, name, ...(typeof namespace === "string" ? { namespace } : {}), file, body };
}

/** `kind/namespace/name` for messages and duplicate checks. */
export const idOf = (m: Manifest) => `${m.kind}/${m.namespace ?? "-"}/${m.name}`;

/** Names that Kubernetes rejects (RFC 1123 subdomain: lower case alphanumerics, '-' and '.'). */
export const badName = (m: Manifest) => !/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(m.name);

const SECRET_ENV = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|CREDENTIAL)/i;
/** Env vars that point at a mounted secret file rather than holding one. */
const REFERENCE_ENV = /_(FILE|PATH|DIR)$/i;
const PEM_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

/**
 * Secret material outside Secret objects: PEM private keys anywhere, literal `value`s of container env vars
 * whose names say they are credentials (they belong in a secretKeyRef), and any of `knownSecrets` (values
 * the run itself set as secrets). Secrets themselves carry their data in render mode by design.
 */
export function plaintextSecrets(
  manifests: readonly Manifest[],
  knownSecrets: readonly string[] = [],
): string[] {
  const found: string[] = [];
  for (const m of manifests) {
    if (m.kind === "Secret") continue;
    const text = JSON.stringify(m.body);
    if (PEM_KEY.test(text)) found.push(`${idOf(m)}: a PEM private key`);
    for (const secret of knownSecrets)
      if (text.includes(secret)) found.push(`${idOf(m)}: a secret config value`);
    walk(m.body, (node) => {
      const env = node.env;
      if (!Array.isArray(env)) return;
      for (const e of env as Record<string, unknown>[]) {
        if (
          typeof e.name === "string" &&
          SECRET_ENV.test(e.name) &&
          !REFERENCE_ENV.test(e.name) &&
          typeof e.value === "string" &&
          e.value !== ""
        ) {
          found.push(`${idOf(m)}: env ${e.name} has a literal value`);
        }
      }
    });
  }
  return found;
}

function walk(node: unknown, visit: (obj: Record<string, unknown>) => void): void {
  if (Array.isArray(node)) node.forEach((n) => walk(n, visit));
  else if (node !== null && typeof node === "object") {
    visit(node as Record<string, unknown>);
    Object.values(node).forEach((n) => walk(n, visit));
  }
}
