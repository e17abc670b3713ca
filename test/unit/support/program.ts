/**
 * Runs the real stack program (`index.ts`) under Pulumi mocks with a stack's config and records every resource
 * the program registers: its type, name, inputs (secrets kept visible as such), parent and dependencies.
 *
 *   const run = await runProgram("prod", { monitoring: { enabled: false } });
 *   run.one("kubernetes:helm.sh/v3:Release", "genai-monitoring-kps").inputs.version
 *
 * Config comes from `Pulumi.<stack>.yaml` (when the file exists) with `overrides` deep-merged on top; keys are
 * without the `genai:` prefix, `undefined` removes a key. `secrets` are set as secret config keys.
 */
import { readFileSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import * as pulumi from "@pulumi/pulumi";
import { vi } from "vitest";
import { parse as parseYaml } from "yaml";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const PROJECT = "genai-platform";
const NAMESPACE = "genai";
/** How Pulumi marks a secret value on the wire: `{ [SIG_KEY]: SECRET_SIG, value }` (runtime/rpc.ts). */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly custom: boolean;
  /** Inputs with secrets unwrapped (use `isSecret` to check the marking). */
  readonly inputs: Record<string, unknown>;
  /** Inputs as sent to the engine: secret values are `{ [sig]: SECRET_SIG, value }`. */
  readonly wireInputs: Record<string, unknown>;
  /** URN of the parent ("" for none). */
  readonly parent: string;
  /** URNs this resource depends on: `dependsOn` plus the resources its inputs came from. */
  readonly dependencies: readonly string[];
  /** Provider reference (`<urn>::<id>`), "" when none was given. */
  readonly provider: string;
}

export interface ProgramRun {
  readonly resources: readonly RecordedResource[];
  /** The stack outputs (the program's exports), resolved. */
  readonly outputs: Record<string, unknown>;
  /** Resources of `type` (optionally with `name`). */
  all(type: string, name?: string): RecordedResource[];
  /** The single resource of `type` (and `name`); throws when there are none or several. */
  one(type: string, name?: string): RecordedResource;
  /** The resource with `urn`. */
  byUrn(urn: string): RecordedResource;
  /** Does `resource` depend on `other`, directly or through one of its ancestors' dependencies? */
  dependsOn(resource: RecordedResource, other: RecordedResource): boolean;
  /** Is `resource` below `ancestor` in the parent tree? */
  isDescendant(resource: RecordedResource, ancestor: RecordedResource): boolean;
}

export type StackName = "dev" | "prod" | "ci" | (string & {});
export type ConfigValues = Record<string, unknown>;
export type MockState = (
  type: string,
  name: string,
  inputs: Record<string, unknown>,
) => Record<string, unknown>;

export interface RunOptions {
  /** Config of this run on top of the stack file (deep-merged), keys without `genai:`. */
  readonly overrides?: ConfigValues;
  /** Secret config keys (without `genai:`), e.g. `{ backupsCredentials: { accessKeyId, secretAccessKey } }`. */
  readonly secrets?: ConfigValues;
  /** Ignore Pulumi.<stack>.yaml. Default: false. */
  readonly ignoreStackFile?: boolean;
  /** Extra outputs for a resource type (the defaults give random/tls resources believable outputs). */
  readonly state?: MockState;
  /** The program module, relative to the repository root. Default: index.ts. */
  readonly program?: string;
}

/** The config a stack would see: its stack file's `genai:` keys with `overrides` deep-merged on top. */
export function stackConfig(
  stack: StackName,
  overrides: ConfigValues = {},
  ignoreStackFile = false,
): ConfigValues {
  const file = path.join(ROOT, `Pulumi.${stack}.yaml`);
  const fromFile: ConfigValues = {};
  if (!ignoreStackFile && existsSync(file)) {
    const doc = (parseYaml(readFileSync(file, "utf8")) ?? {}) as { config?: ConfigValues };
    for (const [key, value] of Object.entries(doc.config ?? {})) {
      if (!key.startsWith(`${NAMESPACE}:`)) continue;
      // Encrypted values cannot be read here; tests pass secrets through `secrets`.
      if (isObject(value) && "secure" in value) continue;
      fromFile[key.slice(NAMESPACE.length + 1)] = value;
    }
  }
  return deepMerge(fromFile, overrides) as ConfigValues;
}

export async function runProgram(stack: StackName, options: RunOptions = {}): Promise<ProgramRun> {
  const config = stackConfig(stack, options.overrides, options.ignoreStackFile);
  const secrets = options.secrets ?? {};
  const all: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...config, ...secrets })) {
    if (value === undefined) continue;
    all[`${NAMESPACE}:${key}`] = typeof value === "string" ? value : JSON.stringify(value);
  }
  pulumi.runtime.setAllConfig(
    all,
    Object.keys(secrets).map((k) => `${NAMESPACE}:${k}`),
  );

  const recorded: RecordedResource[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => ({
        id: args.custom ? `${args.name}-id` : undefined,
        state: {
          ...args.inputs,
          ...defaultState(args.type, args.name),
          ...(options.state?.(args.type, args.name, args.inputs) ?? {}),
        },
      }),
      call: (args) => args.inputs,
    },
    PROJECT,
    stack,
    false,
  );
  recordRegistrations(recorded);

  vi.resetModules();
  const program = (await import(path.join(ROOT, options.program ?? "index.ts"))) as Record<string, unknown>;
  const outputs: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(program)) outputs[key] = await resolve(value);
  await settle();
  return makeRun(recorded, outputs);
}

/** Wraps the mock monitor's registerResource to keep what the mocks' newResource does not see. */
function recordRegistrations(into: RecordedResource[]): void {
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource(
      req: RegisterRequest,
      callback: (err: unknown, res: { getUrn(): string } | undefined) => void,
    ): void;
  };
  const original = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    original(req, (err, res) => {
      if (!err && res) {
        const wireInputs = req.getObject().toJavaScript();
        into.push({
          type: req.getType(),
          name: req.getName(),
          urn: res.getUrn(),
          custom: req.getCustom(),
          inputs: unwrapSecrets(wireInputs) as Record<string, unknown>,
          wireInputs,
          parent: req.getParent(),
          dependencies: req.getDependenciesList(),
          provider: req.getProvider(),
        });
      }
      callback(err, res);
    });
  };
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getCustom(): boolean;
  getParent(): string;
  getProvider(): string;
  getDependenciesList(): string[];
  getObject(): { toJavaScript(): Record<string, unknown> };
}

/** Believable outputs for resources whose outputs the program reads. */
function defaultState(type: string, name: string): Record<string, unknown> {
  switch (type) {
    case "random:index/randomPassword:RandomPassword":
    case "random:index/randomString:RandomString":
      return { result: `mock-${name}-value` };
    case "tls:index/privateKey:PrivateKey":
      return {
        privateKeyPem: `-----BEGIN PRIVATE KEY-----\nmock-${name}\n-----END PRIVATE KEY-----\n`,
        publicKeyPem: "mock",
      };
    case "tls:index/selfSignedCert:SelfSignedCert":
    case "tls:index/locallySignedCert:LocallySignedCert":
      return { certPem: `-----BEGIN CERTIFICATE-----\nmock-${name}\n-----END CERTIFICATE-----\n` };
    default:
      return {};
  }
}

/** Waits until the runtime has no RPC in flight (every resource registered, every apply run). */
async function settle(): Promise<void> {
  const require = createRequire(import.meta.url);
  // Internal but stable: the same wait `pulumi up` does before it disconnects.
  const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };
  for (let i = 0; i < 3; i++) {
    await settings.waitForRPCs();
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function resolve(value: unknown): Promise<unknown> {
  if (pulumi.Output.isInstance(value)) {
    return new Promise((res) => (value as pulumi.Output<unknown>).apply((v) => res(v)));
  }
  if (Array.isArray(value)) return Promise.all(value.map(resolve));
  if (isObject(value)) {
    const entries = await Promise.all(
      Object.entries(value).map(async ([k, v]) => [k, await resolve(v)] as const),
    );
    return Object.fromEntries(entries);
  }
  return value;
}

function makeRun(resources: RecordedResource[], outputs: Record<string, unknown>): ProgramRun {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const run: ProgramRun = {
    resources,
    outputs,
    all: (type, name) => resources.filter((r) => r.type === type && (name === undefined || r.name === name)),
    one: (type, name) => {
      const found = run.all(type, name);
      if (found.length !== 1) {
        const known = resources.filter((r) => r.type === type).map((r) => r.name);
        throw new Error(
          `expected one ${type}${name ? ` named ${name}` : ""}, found ${found.length} (of this type: ${known.join(", ") || "none"})`,
        );
      }
      return found[0] as RecordedResource;
    },
    byUrn: (urn) => {
      const found = byUrn.get(urn);
      if (!found) throw new Error(`no resource with urn ${urn}`);
      return found;
    },
    dependsOn: (resource, other) => {
      for (
        let r: RecordedResource | undefined = resource;
        r;
        r = r.parent ? byUrn.get(r.parent) : undefined
      ) {
        if (r.dependencies.includes(other.urn)) return true;
      }
      return false;
    },
    isDescendant: (resource, ancestor) => {
      for (let r = byUrn.get(resource.parent); r; r = r.parent ? byUrn.get(r.parent) : undefined) {
        if (r.urn === ancestor.urn) return true;
      }
      return false;
    },
  };
  return run;
}

/** Is the value at `path` (e.g. ["spec", "data", "password"]) marked secret, or inside a secret? */
export function isSecret(resource: RecordedResource, ...keys: string[]): boolean {
  let value: unknown = resource.wireInputs;
  for (const key of keys) {
    if (isSecretValue(value)) return true;
    if (!isObject(value) && !Array.isArray(value)) return false;
    value = (value as Record<string, unknown>)[key];
  }
  return isSecretValue(value);
}

function isSecretValue(value: unknown): boolean {
  return isObject(value) && value[SIG_KEY] === SECRET_SIG;
}

function unwrapSecrets(value: unknown): unknown {
  if (isSecretValue(value)) return unwrapSecrets((value as Record<string, unknown>).value);
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (isObject(value))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v)]));
  return value;
}

/** `override` over `base`: plain objects merge key by key, anything else replaces; `undefined` removes a key. */
export function deepMerge(base: unknown, override: unknown): unknown {
  if (!isObject(base) || !isObject(override)) return override;
  const result: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (value === undefined) delete result[key];
    else result[key] = deepMerge(base[key], value);
  }
  return result;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
