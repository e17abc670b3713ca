// The endpoint picker exactly as the platform deploys it: the `inferencepool` chart rendered by real Helm with the
// values infra/gateway/values.ts builds for the platform (eppValues), and the picker started with the container
// args of that Deployment, its plugins config from that ConfigMap, and the InferencePool object the chart writes.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { parseAllDocuments } from "yaml";
import { CHARTS } from "../../../infra/cluster/charts.js";
import { eppValues } from "../../../infra/gateway/values.js";
import { chartDir, REPO_ROOT } from "../../charts/support/charts.js";
import type { Kube } from "../../e2e/support/kube.js";
import { startDaemon, type Daemon } from "./daemon.js";

const exec = promisify(execFile);

/** A value of scripts/tools/versions.env (where the Go-built tools' pins live). */
export function toolVersion(key: string): string {
  const env = readFileSync(path.join(REPO_ROOT, "scripts/tools/versions.env"), "utf8");
  const m = new RegExp(`^${key}=(.+)$`, "m").exec(env);
  if (!m?.[1]) throw new Error(`scripts/tools/versions.env has no ${key}`);
  return m[1].trim();
}

const toolsCache = () =>
  process.env.GENAI_TOOLS_CACHE ?? path.join(homedir(), ".cache", "genai-platform", "tools");

/** The Helm CLI scripts/tools/build.sh builds (the same one the chart render checks use). */
export function helmBinary(): string {
  return path.join(toolsCache(), `helm-${toolVersion("HELM_VERSION")}`, "bin", "helm");
}

interface Rendered {
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  spec?: { template?: { spec?: { containers?: { name: string; args?: string[] }[] } } };
}

export interface PoolRender {
  /** The picker container's args, as the chart writes them. */
  readonly args: readonly string[];
  /** The plugins config file the args name, from the chart's ConfigMap. */
  readonly pluginsConfig: string;
  /** The InferencePool object the chart writes. */
  readonly inferencePool: Rendered;
  /** The picker's ServiceAccount and the (Cluster)Roles and bindings the chart gives it. */
  readonly rbac: readonly Rendered[];
}

const RBAC_KINDS = new Set(["ServiceAccount", "Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding"]);

/** `helm template` of the pinned inferencepool chart for one pool with the platform's values. */
export async function renderPool(
  pool: string,
  namespace: string,
  selector: Record<string, string>,
  targetPort: number,
): Promise<PoolRender> {
  const dir = mkdtempSync(path.join(tmpdir(), "genai-epp-values-"));
  const valuesFile = path.join(dir, "values.json");
  writeFileSync(valuesFile, JSON.stringify(eppValues(selector, targetPort, 1)));
  const helm = helmBinary();
  const { stdout } = await exec(
    helm,
    ["template", pool, chartDir(CHARTS.inferencePool), "--namespace", namespace, "-f", valuesFile],
    { maxBuffer: 16 * 1024 * 1024 },
  ).catch((e: { code?: string; stderr?: string }) => {
    throw new Error(
      e.code === "ENOENT"
        ? `helm is not built (${helm}): run scripts/tools/build.sh helm`
        : `helm template of the inferencepool chart failed: ${e.stderr ?? String(e)}`,
    );
  });
  const docs = parseAllDocuments(stdout)
    .map((d) => d.toJS() as Rendered | null)
    .filter((d): d is Rendered => d !== null);
  const one = (kind: string) => {
    const found = docs.find((d) => d.kind === kind);
    if (!found) throw new Error(`the inferencepool chart rendered no ${kind}`);
    return found;
  };
  const container = one("Deployment").spec?.template?.spec?.containers?.find((c) => c.name === "epp");
  const args = container?.args ?? [];
  const configArg = args[args.indexOf("--config-file") + 1];
  const configName = configArg ? path.basename(configArg) : "";
  const pluginsConfig = one("ConfigMap").data?.[configName];
  if (!pluginsConfig) throw new Error(`the chart's ConfigMap has no ${configName} (args: ${args.join(" ")})`);
  return {
    args,
    pluginsConfig,
    inferencePool: one("InferencePool"),
    rbac: docs.filter((d) => RBAC_KINDS.has(d.kind)),
  };
}

export interface PickerPorts {
  readonly grpc: number;
  readonly health: number;
  readonly metrics: number;
}

/**
 * Starts the picker binary with the chart's args. Only what a pod provides differently is changed: the config file
 * path (the chart mounts its ConfigMap at /config), the kubeconfig (serviceAccountKubeconfig: in a pod, the
 * mounted service account token) and NAMESPACE
 * (the chart's downward API), and, for a second picker in the same network namespace, its three ports (in the
 * cluster each picker pod has its own).
 */
export function startPicker(
  eppBinary: string,
  render: PoolRender,
  kubeconfig: string,
  namespace: string,
  ports?: PickerPorts,
): Daemon {
  const dir = mkdtempSync(path.join(tmpdir(), "genai-epp-config-"));
  const configFile = path.join(dir, "plugins.yaml");
  writeFileSync(configFile, render.pluginsConfig);
  const args = [...render.args];
  args[args.indexOf("--config-file") + 1] = configFile;
  args.push("--kubeconfig", kubeconfig);
  if (ports) {
    args.push("--grpc-port", String(ports.grpc), "--grpc-health-port", String(ports.health));
    args.push("--metrics-port", String(ports.metrics));
  }
  return startDaemon(`epp ${render.inferencePool.metadata.name}`, eppBinary, args, { NAMESPACE: namespace });
}

interface KubeconfigView {
  clusters: { cluster: { server: string; "certificate-authority-data": string } }[];
}

/**
 * A kubeconfig that authenticates as the picker's ServiceAccount (a token from the TokenRequest API, as a pod's
 * projected token is), so the picker runs with exactly the rights the chart grants it, as in the cluster.
 */
export async function serviceAccountKubeconfig(
  kube: Kube,
  render: PoolRender,
  namespace: string,
): Promise<string> {
  await kube.apply(render.rbac);
  const sa = render.rbac.find((o) => o.kind === "ServiceAccount")?.metadata.name;
  if (!sa) throw new Error("the inferencepool chart rendered no ServiceAccount");
  const token = (await kube.kubectl(["create", "token", sa, "-n", namespace, "--duration=1h"])).trim();
  const view = JSON.parse(
    await kube.kubectl(["config", "view", "--raw", "--minify", "-o", "json"]),
  ) as KubeconfigView;
  const cluster = view.clusters[0]?.cluster;
  if (!cluster) throw new Error("the admin kubeconfig names no cluster");
  const file = path.join(mkdtempSync(path.join(tmpdir(), "genai-epp-sa-")), "kubeconfig");
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "local", cluster }],
    users: [{ name: sa, user: { token } }],
    contexts: [{ name: sa, context: { cluster: "local", user: sa, namespace } }],
    "current-context": sa,
  };
  writeFileSync(file, JSON.stringify(config), { mode: 0o600 });
  return file;
}
