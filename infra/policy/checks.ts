/**
 * The platform's workload rules as pure functions over plain resource objects, so the policy pack (index.ts) and
 * the unit tests run exactly the same code. A resource is `{ type, urn, props }` as Pulumi presents it to a pack.
 */

export interface CheckedResource {
  readonly type: string;
  readonly urn: string;
  readonly props: Record<string, unknown>;
}

export interface Violation {
  readonly urn: string;
  readonly rule: RuleName;
  readonly message: string;
}

export const RULES = {
  "restricted-security-context":
    "Pods run as non-root with a read-only root filesystem, no privilege escalation, all capabilities dropped and seccomp RuntimeDefault.",
  "requests-and-limits": "Every container sets CPU and memory requests and limits.",
  "pinned-images": "Images name a tag other than latest, or a digest.",
  probes: "Long-running containers have liveness and readiness probes.",
  "no-plain-secrets":
    "No environment variable carries a secret-looking value in plain text; use secretKeyRef.",
  "pdb-per-deployment": "Every Deployment is covered by a PodDisruptionBudget.",
  "networkpolicy-per-deployment": "Every Deployment is selected by a NetworkPolicy.",
} as const;
export type RuleName = keyof typeof RULES;

type Obj = Record<string, unknown>;

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const PDB = "kubernetes:policy/v1:PodDisruptionBudget";
const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

/** Where the pod template sits, per workload kind. */
const POD_SPEC_PATHS: Record<string, readonly string[]> = {
  "kubernetes:core/v1:Pod": ["spec"],
  [DEPLOYMENT]: ["spec", "template", "spec"],
  "kubernetes:apps/v1:StatefulSet": ["spec", "template", "spec"],
  "kubernetes:apps/v1:DaemonSet": ["spec", "template", "spec"],
  "kubernetes:apps/v1:ReplicaSet": ["spec", "template", "spec"],
  "kubernetes:batch/v1:Job": ["spec", "template", "spec"],
  "kubernetes:batch/v1:CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
};
/** Kinds whose containers serve for a long time and so need probes (Jobs run to completion). */
const LONG_RUNNING = new Set([DEPLOYMENT, "kubernetes:apps/v1:StatefulSet", "kubernetes:apps/v1:DaemonSet"]);

/**
 * Resources rendered from a third-party Helm chart (helm.v4.Chart children) are governed by the chart's values, not
 * by this pack; their URNs carry the Chart type in the parent chain.
 */
export function isChartRendered(urn: string): boolean {
  return urn.includes("kubernetes:helm.sh/v4:Chart");
}

/** Every rule over every resource. */
export function checkAll(resources: readonly CheckedResource[]): Violation[] {
  const own = resources.filter((r) => !isChartRendered(r.urn));
  return [...own.flatMap(checkResource), ...checkCoverage(own)];
}

/** The per-resource rules (everything except PDB/NetworkPolicy coverage). */
export function checkResource(r: CheckedResource): Violation[] {
  const path = POD_SPEC_PATHS[r.type];
  if (path === undefined) return [];
  const pod = dig(r.props, path);
  if (!isObj(pod)) return [];
  const out: Violation[] = [];
  const report = (rule: RuleName, message: string) => out.push({ urn: r.urn, rule, message });
  const podSc = obj(pod.securityContext);
  const containers = [...list(pod.initContainers), ...list(pod.containers)].filter(isObj);
  for (const c of containers) {
    const name = String(c.name ?? "?");
    for (const problem of securityProblems(podSc, obj(c.securityContext))) {
      report("restricted-security-context", `container ${name}: ${problem}`);
    }
    for (const missing of missingResources(obj(c.resources))) {
      report("requests-and-limits", `container ${name}: no ${missing}`);
    }
    const image = typeof c.image === "string" ? c.image : "";
    if (!isPinnedImage(image))
      report("pinned-images", `container ${name}: image "${image}" is untagged or latest`);
    for (const env of list(c.env).filter(isObj)) {
      if (looksSecret(String(env.name ?? ""), env.value)) {
        report(
          "no-plain-secrets",
          `container ${name}: env ${String(env.name)} holds a plain value; use valueFrom.secretKeyRef`,
        );
      }
    }
  }
  if (LONG_RUNNING.has(r.type)) {
    for (const c of list(pod.containers).filter(isObj)) {
      for (const probe of ["livenessProbe", "readinessProbe"]) {
        if (!isObj(c[probe])) report("probes", `container ${String(c.name ?? "?")}: no ${probe}`);
      }
    }
  }
  return out;
}

/** Every Deployment needs a PDB and a NetworkPolicy in its namespace whose selector matches its pods. */
export function checkCoverage(resources: readonly CheckedResource[]): Violation[] {
  const out: Violation[] = [];
  const inNs = (type: string, ns: unknown) =>
    resources.filter((r) => r.type === type && namespaceOf(r) === ns);
  for (const d of resources.filter((r) => r.type === DEPLOYMENT)) {
    const labels = obj(dig(d.props, ["spec", "template", "metadata", "labels"]));
    const ns = namespaceOf(d);
    if (!inNs(PDB, ns).some((p) => selects(dig(p.props, ["spec", "selector"]), labels))) {
      out.push({
        urn: d.urn,
        rule: "pdb-per-deployment",
        message: "no PodDisruptionBudget selects its pods",
      });
    }
    if (!inNs(NETWORK_POLICY, ns).some((p) => selects(dig(p.props, ["spec", "podSelector"]), labels))) {
      out.push({
        urn: d.urn,
        rule: "networkpolicy-per-deployment",
        message: "no NetworkPolicy selects its pods",
      });
    }
  }
  return out;
}

function securityProblems(pod: Obj, c: Obj): string[] {
  const problems: string[] = [];
  if ((c.runAsNonRoot ?? pod.runAsNonRoot) !== true) problems.push("runAsNonRoot is not true");
  if (c.runAsUser === 0 || (c.runAsUser === undefined && pod.runAsUser === 0)) problems.push("runs as UID 0");
  if (c.allowPrivilegeEscalation !== false) problems.push("allowPrivilegeEscalation is not false");
  if (c.privileged === true) problems.push("is privileged");
  if (c.readOnlyRootFilesystem !== true) problems.push("root filesystem is writable");
  if (!list(obj(c.capabilities).drop).includes("ALL")) problems.push("capabilities do not drop ALL");
  const seccomp = obj(c.seccompProfile).type ?? obj(pod.seccompProfile).type;
  if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost")
    problems.push("seccompProfile is not RuntimeDefault");
  return problems;
}

function missingResources(res: Obj): string[] {
  const missing: string[] = [];
  for (const kind of ["requests", "limits"]) {
    for (const r of ["cpu", "memory"]) if (obj(res[kind])[r] === undefined) missing.push(`${kind}.${r}`);
  }
  return missing;
}

/** A digest, or a tag that is not `latest`, after the last path segment. */
export function isPinnedImage(image: string): boolean {
  if (/@sha256:[a-f0-9]{64}$/.test(image)) return true;
  const lastSegment = image.slice(image.lastIndexOf("/") + 1);
  const colon = lastSegment.indexOf(":");
  return colon > 0 && colon < lastSegment.length - 1 && lastSegment.slice(colon + 1) !== "latest";
}

const SECRET_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEYS?|PRIVATE_?KEY|CREDENTIALS?|ACCESS_?KEY)/i;
const SECRET_VALUE = /-----BEGIN [A-Z ]*PRIVATE KEY-----|^(sk|ghp|xox[bp])[-_][A-Za-z0-9_-]{16,}/;

/** A plain `value` on a secret-sounding name, or a value that looks like a key whatever the name. */
export function looksSecret(name: string, value: unknown): boolean {
  if (typeof value !== "string" || value === "") return false;
  return SECRET_NAME.test(name) || SECRET_VALUE.test(value);
}

/** Does a LabelSelector (matchLabels and matchExpressions In/Exists) select `labels`? An empty one selects all. */
export function selects(selector: unknown, labels: Obj): boolean {
  if (!isObj(selector)) return false;
  const matchLabels = obj(selector.matchLabels);
  if (!Object.entries(matchLabels).every(([k, v]) => labels[k] === v)) return false;
  return list(selector.matchExpressions)
    .filter(isObj)
    .every((e) => {
      const value = labels[String(e.key)];
      const values = list(e.values);
      switch (e.operator) {
        case "In":
          return values.includes(value);
        case "NotIn":
          return !values.includes(value);
        case "Exists":
          return value !== undefined;
        case "DoesNotExist":
          return value === undefined;
        default:
          return false;
      }
    });
}

function namespaceOf(r: CheckedResource): unknown {
  return obj(r.props.metadata).namespace ?? "default";
}

function dig(value: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>((v, key) => (isObj(v) ? v[key] : undefined), value);
}

function isObj(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function obj(value: unknown): Obj {
  return isObj(value) ? value : {};
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
