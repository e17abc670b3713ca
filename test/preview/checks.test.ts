// The preview's own checks, on inputs made here: they must catch what they claim to catch.
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { badName, type Manifest, plaintextSecrets, readManifests } from "../../scripts/preview/manifests.js";
import { changeSummary, policyPacksRun, readEventLog } from "../../scripts/preview/cli.js";
import {
  checkKubernetesProvider,
  checkLanguageHost,
  stampedVersion,
  toolPins,
} from "../../scripts/preview/versions.js";
import { copyProject, copyStackFile } from "../../scripts/preview/workspace.js";

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

describe("checkLanguageHost", () => {
  const host = (version: string) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "lang-"));
    mkdirSync(path.join(dir, "bin"));
    const bin = path.join(dir, "bin", "pulumi-language-nodejs");
    writeFileSync(bin, "binary");
    const sha = "9a3a45d01531a20e89ac6ae10b0b0beb0492acd7216a368aa062d1a5fecaf9cd";
    writeFileSync(path.join(dir, "VERSION"), `version=${version}\nsha256:pulumi-language-nodejs=${sha}\n`);
    return bin;
  };
  const pins = { LANGUAGE_NODEJS_VERSION: "3.260.0-dev.abc" };

  it("accepts the pinned build", () => {
    expect(checkLanguageHost(pins, host("3.260.0-dev.abc"))).toBe("3.260.0-dev.abc");
  });

  it("names the build command for another build", () => {
    expect(() => checkLanguageHost(pins, host("3.259.0"))).toThrow(
      /is 3\.259\.0, versions\.env pins 3\.260\.0-dev\.abc: run scripts\/tools\/build\.sh language-nodejs/,
    );
  });
});

describe("the project copy", () => {
  const project = () => {
    const root = mkdtempSync(path.join(os.tmpdir(), "project-"));
    const write = (file: string, text: string) => {
      mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      writeFileSync(path.join(root, file), text);
    };
    write("Pulumi.yaml", "name: p\nmain: index.ts\n");
    write("Pulumi.dev.yaml", "encryptionsalt: v1:abc\nconfig:\n  p:x: 1\n");
    write("Pulumi.prod.yaml", "config:\n  p:x: 2\n");
    write("package.json", JSON.stringify({ workspaces: ["pkg"] }));
    write("infra/a.ts", "export {};\n");
    write(".gitignore", "node_modules\nout/\n");
    write("out/build.txt", "ignored\n");
    write("node_modules/dep/index.js", "\n");
    write("pkg/node_modules/dep/index.js", "\n");
    execFileSync("git", ["init", "-q", root]);
    return root;
  };

  it("copies what git lists, one portable stack file, and links node_modules", () => {
    const root = project();
    const dest = mkdtempSync(path.join(os.tmpdir(), "copy-"));
    expect(copyProject("dev", dest, root)).toBe("config:\n  p:x: 1\n");
    expect(readdirSync(dest).sort()).toEqual([
      ".gitignore",
      "Pulumi.dev.yaml",
      "Pulumi.yaml",
      "infra",
      "node_modules",
      "package.json",
      "pkg",
    ]);
    expect(readFileSync(path.join(dest, "Pulumi.yaml"), "utf8")).toContain("main: index.ts");
    expect(realpathSync(path.join(dest, "pkg/node_modules"))).toBe(
      realpathSync(path.join(root, "pkg/node_modules")),
    );
  });

  it("refuses a stack file with values encrypted by another passphrase", () => {
    const root = project();
    writeFileSync(path.join(root, "Pulumi.prod.yaml"), "config:\n  p:token:\n    secure: v1:abc\n");
    expect(() => copyStackFile("prod", mkdtempSync(path.join(os.tmpdir(), "copy-")), root)).toThrow(
      /holds encrypted values/,
    );
  });
});

describe("readEventLog", () => {
  it("reads one engine event per line and names a line that is not one", () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), "events-")), "events.jsonl");
    writeFileSync(
      file,
      '{"sequence":0,"summaryEvent":{"resourceChanges":{"create":2},"PolicyPacks":{"p|local|x":"1"}}}\n',
    );
    const result = { command: "pulumi preview", stdout: "", events: readEventLog(file) };
    expect(changeSummary(result)).toEqual({ create: 2 });
    expect(policyPacksRun(result)).toEqual({ "p|local|x": "1" });
    writeFileSync(file, '{"sequence":0}\nnot json\n');
    expect(() => readEventLog(file)).toThrow(/events\.jsonl:2 is not a JSON engine event/);
  });
});
