/**
 * Runs the inference image the way the Deployment runs its server container: `docker run` flags derived from the
 * Pod spec the real program (dev stack, under the unit suite's mocks) produces, so a change to the Deployment's
 * security context, mounts, limits or environment changes what this suite runs.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { runProgram } from "../../unit/support/program.js";

const exec = promisify(execFile);
export const docker = (...args: string[]) =>
  exec("docker", args, { maxBuffer: 16 * 1024 * 1024 }).then((r) => r.stdout.trim());

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}
interface Container {
  name: string;
  env: EnvVar[];
  securityContext: {
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
    capabilities?: { drop?: string[] };
    runAsNonRoot?: boolean;
  };
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
  resources: { limits?: { cpu?: string; memory?: string } };
}
export interface ServerPodSpec {
  container: Container;
  pod: { runAsUser: number; runAsGroup: number };
  volumes: { name: string; emptyDir?: { sizeLimit?: string } }[];
}

/** The stable track's server container and pod security context of the dev stack's one model (smollm2). */
export async function serverPodSpec(): Promise<ServerPodSpec> {
  const run = await runProgram("dev");
  const deployment = run.one("kubernetes:apps/v1:Deployment", "genai-inference-smollm2-stable");
  const spec = (deployment.inputs.spec as { template: { spec: Record<string, unknown> } }).template.spec as {
    containers: Container[];
    securityContext: { runAsUser: number; runAsGroup: number };
    volumes: ServerPodSpec["volumes"];
  };
  const container = spec.containers.find((c) => c.name === "server");
  if (!container) throw new Error("the Deployment has no container named server");
  return { container, pod: spec.securityContext, volumes: spec.volumes };
}

export interface RunInputs {
  readonly image: string;
  readonly name: string;
  /** Host directory mounted where the Deployment mounts the model cache. */
  readonly modelDir: string;
  /** The value of each Secret-sourced variable (API_KEYS). */
  readonly secrets: Record<string, string>;
  /** Variables whose cluster values cannot work here (the port on the host network, the OTLP endpoint). */
  readonly overrides: Record<string, string>;
}

/** `docker run` arguments for `spec`; throws on anything in the spec this translation does not know. */
export function dockerRunArgs(spec: ServerPodSpec, i: RunInputs): string[] {
  const { container, pod } = spec;
  const sc = container.securityContext;
  const args = [
    "run",
    "-d",
    "--name",
    i.name,
    "--network",
    "host",
    "--user",
    `${pod.runAsUser}:${pod.runAsGroup}`,
  ];
  if (sc.readOnlyRootFilesystem) args.push("--read-only");
  for (const cap of sc.capabilities?.drop ?? []) args.push("--cap-drop", cap);
  if (sc.allowPrivilegeEscalation === false) args.push("--security-opt", "no-new-privileges");
  const limits = container.resources.limits ?? {};
  if (limits.cpu) args.push("--cpus", limits.cpu);
  if (limits.memory) args.push("--memory", limits.memory.replace(/i$/, "").toLowerCase());
  for (const mount of container.volumeMounts) {
    const volume = spec.volumes.find((v) => v.name === mount.name);
    if (volume?.emptyDir) {
      const size = volume.emptyDir.sizeLimit?.replace(/i$/, "").toLowerCase() ?? "1g";
      args.push(
        "--tmpfs",
        `${mount.mountPath}:rw,nosuid,nodev,size=${size},uid=${pod.runAsUser},gid=${pod.runAsGroup}`,
      );
    } else if (mount.readOnly && mount.mountPath === "/models") {
      args.push("-v", `${i.modelDir}:${mount.mountPath}:ro`);
    } else {
      throw new Error(`volume mount ${mount.name} at ${mount.mountPath}: not translated to docker run`);
    }
  }
  for (const env of container.env) {
    const value = i.overrides[env.name] ?? (env.valueFrom?.secretKeyRef ? i.secrets[env.name] : env.value);
    if (value === undefined)
      throw new Error(`env ${env.name}: no value (a Secret this run does not provide?)`);
    args.push("-e", `${env.name}=${value}`);
  }
  // Overrides of variables the Deployment leaves at the server's default.
  const set = new Set(container.env.map((e) => e.name));
  for (const [name, value] of Object.entries(i.overrides))
    if (!set.has(name)) args.push("-e", `${name}=${value}`);
  args.push(i.image);
  return args;
}

/** The container's health as Docker's HEALTHCHECK (the image's own) reports it, waiting up to `timeoutMs`. */
export async function waitHealthy(name: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let status = "";
  while (Date.now() < deadline) {
    status = await docker(
      "inspect",
      "--format",
      "{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}",
      name,
    );
    if (status.endsWith("healthy") && !status.endsWith("unhealthy")) return status;
    if (!status.startsWith("running")) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  // The server logs to stdout and stderr; docker logs replays each on its own stream.
  const logs = await exec("docker", ["logs", "--tail", "40", name]).then(
    (r) => r.stdout + r.stderr,
    () => "",
  );
  throw new Error(`container ${name} is "${status}", not healthy; last logs:\n${logs}`);
}
