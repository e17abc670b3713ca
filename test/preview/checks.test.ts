// The preview's own checks, on inputs made here: they must catch what they claim to catch.
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { badName, type Manifest, plaintextSecrets, readManifests } from "../../scripts/preview/manifests.js";
import { checkKubernetesProvider, stampedVersion, toolPins } from "../../scripts/preview/versions.js";

describe("checkKubernetesProvider", () => {
  const pins = { K8S_PROVIDER_VERSION: "4.25.0-alpha.1+abc", K8S_NPM_ACCEPTED_MISMATCH: "4.32.0" };

  it("accepts a provider built at the npm version", () => {
    const exact = { ...pins, K8S_PROVIDER_VERSION: "4.32.0" };
    expect(checkKubernetesProvider(exact, "4.32.0", "4.32.0")).toEqual({ npm: "4.32.0", plugin: "4.32.0" });
  });

  it("fails loudly when npm moves to a version nobody reviewed", () => {
    expect(() => checkKubernetesProvider(pins, "4.33.0", pins.K8S_PROVIDER_VERSION)).toThrow(
      /VERSION MISMATCH/,
    );
  });

  it("reports the reviewed mismatch as a warning", () => {
    const check = checkKubernetesProvider(pins, "4.32.0", pins.K8S_PROVIDER_VERSION);
    expect(check.warning).toMatch(/VERSION MISMATCH \(reviewed\)/);
  });

  it("fails when the plugin on PATH is not the pinned build", () => {
    expect(() => checkKubernetesProvider(pins, "4.32.0", "4.20.0")).toThrow(/run scripts\/tools\/build.sh/);
  });

  it("reads the pins that build.sh builds", () => {
    const real = toolPins();
    expect(real.PULUMI_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
    expect(real.K8S_PROVIDER_VERSION).toBeTruthy();
  });
});

describe("stampedVersion", () => {
  const tool = () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "tool-"));
    mkdirSync(path.join(dir, "bin"));
    const bin = path.join(dir, "bin", "plugin");
    writeFileSync(bin, "binary");
    // sha256 of "binary"
    const sha = "9a3a45d01531a20e89ac6ae10b0b0beb0492acd7216a368aa062d1a5fecaf9cd";
    writeFileSync(path.join(dir, "VERSION"), `version=1.2.3\nsource=mod@v1.2.3\nsha256:plugin=${sha}\n`);
    return bin;
  };

  it("reads the version stamped for this binary", () => {
    expect(stampedVersion(tool())).toBe("1.2.3");
  });

  it("rejects a binary that is not the stamped one", () => {
    const bin = tool();
    writeFileSync(bin, "another binary");
    expect(() => stampedVersion(bin)).toThrow(/differs from the one stamped/);
  });
});

const manifest = (kind: string, body: Record<string, unknown>, name = "x"): Manifest => ({
  apiVersion: "v1",
  kind,
  name,
  namespace: "ns",
  file: "f.yaml",
  body: { kind, metadata: { name }, ...body },
});

describe("plaintextSecrets", () => {
  const container = (env: unknown[]) => ({
    spec: { template: { spec: { containers: [{ name: "c", env }] } } },
  });

  it("flags credentials in literal env values, not secretKeyRefs or file paths", () => {
    const found = plaintextSecrets([
      manifest("Deployment", container([{ name: "DB_PASSWORD", value: "hunter2" }]), "bad"),
      manifest(
        "Deployment",
        container([{ name: "API_KEY", valueFrom: { secretKeyRef: { name: "s", key: "k" } } }]),
      ),
      manifest("Deployment", container([{ name: "API_KEYS_FILE", value: "/etc/keys/keys.json" }])),
    ]);
    expect(found).toEqual(["Deployment/ns/bad: env DB_PASSWORD has a literal value"]);
  });

  it("flags PEM private keys and known secret values outside Secrets only", () => {
    const pem = "-----BEGIN EC PRIVATE KEY-----\nabc\n-----END EC PRIVATE KEY-----";
    const found = plaintextSecrets(
      [
        manifest("ConfigMap", { data: { key: pem } }, "pem"),
        manifest("ConfigMap", { data: { creds: "s3cr3t-value" } }, "leak"),
        manifest("Secret", { stringData: { key: pem, creds: "s3cr3t-value" } }),
      ],
      ["s3cr3t-value"],
    );
    expect(found).toEqual([
      "ConfigMap/ns/pem: a PEM private key",
      "ConfigMap/ns/leak: a secret config value",
    ]);
  });
});

describe("readManifests", () => {
  it("reads every document of the provider's 0-crd/ and 1-manifest/ directories", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "manifests-"));
    mkdirSync(path.join(dir, "1-manifest"), { recursive: true });
    writeFileSync(
      path.join(dir, "1-manifest", "a.yaml"),
      "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: genai\n---\napiVersion: v1\nkind: ConfigMap\n" +
        "metadata:\n  name: Bad_Name\n  namespace: genai\n",
    );
    const read = readManifests(dir);
    expect(read.map((m) => [m.kind, m.namespace, m.file])).toEqual([
      ["Namespace", undefined, "1-manifest/a.yaml"],
      ["ConfigMap", "genai", "1-manifest/a.yaml"],
    ]);
    expect(read.filter(badName).map((m) => m.name)).toEqual(["Bad_Name"]);
  });

  it("rejects an object without a kind", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "manifests-"));
    writeFileSync(path.join(dir, "b.yaml"), "apiVersion: v1\nmetadata:\n  name: x\n");
    expect(() => readManifests(dir)).toThrow(/without apiVersion, kind or metadata.name/);
  });
});
