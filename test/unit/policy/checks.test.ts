import { describe, expect, it } from "vitest";
import {
  type CheckedResource,
  checkAll,
  isPinnedImage,
  looksSecret,
  RULES,
  selects,
} from "../../../infra/policy/checks.js";
import { type ProgramRun, runProgram } from "../support/program.js";
import { runWorkload } from "../support/workload.js";

const asChecked = (run: ProgramRun): CheckedResource[] =>
  run.resources.filter((r) => r.custom).map((r) => ({ type: r.type, urn: r.urn, props: r.inputs }));

/** prod refuses to run without the backup location's credentials. */
const PROD_SECRETS = { backupsCredentials: { accessKeyId: "id", secretAccessKey: "key" } };

describe("policy pack over the stacks", () => {
  for (const stack of ["dev", "prod", "ci"] as const) {
    it(`passes on every resource of the ${stack} platform stack`, async () => {
      const run = await runProgram(stack, { secrets: stack === "prod" ? PROD_SECRETS : {} });
      const found = checkAll(asChecked(run)).map(
        (v) => `${v.urn.split("::").at(-1)}: ${v.rule}: ${v.message}`,
      );
      expect(found).toEqual([]);
    });

    it(`passes on every resource of the ${stack} InferenceService, off-hours scaler included`, async () => {
      const run = await runWorkload(stack, { autoscaling: { offHours: { enabled: true, minReplicas: 1 } } });
      const checked = asChecked(run);
      expect(checked.filter((r) => r.type === "kubernetes:apps/v1:Deployment").length).toBeGreaterThan(0);
      expect(checkAll(checked)).toEqual([]);
    });
  }
});

describe("policy pack on a deliberately bad Deployment", () => {
  const bad: CheckedResource = {
    type: "kubernetes:apps/v1:Deployment",
    urn: "urn:pulumi:dev::genai-platform::kubernetes:apps/v1:Deployment::bad",
    props: {
      metadata: { name: "bad", namespace: "genai" },
      spec: {
        selector: { matchLabels: { app: "bad" } },
        template: {
          metadata: { labels: { app: "bad" } },
          spec: {
            containers: [
              {
                name: "app",
                image: "registry.example/app:latest",
                securityContext: { privileged: true },
                env: [
                  { name: "DB_PASSWORD", value: "hunter2" },
                  { name: "TLS", value: "-----BEGIN RSA PRIVATE KEY-----\nMIIE" },
                  { name: "API_KEY", valueFrom: { secretKeyRef: { name: "s", key: "k" } } },
                ],
              },
            ],
          },
        },
      },
    },
  };

  it("fails every rule, naming the container and what is wrong", () => {
    const violations = checkAll([bad]);
    expect(new Set(violations.map((v) => v.rule))).toEqual(new Set(Object.keys(RULES)));
    const messages = violations.map((v) => v.message);
    expect(messages).toContain("container app: is privileged");
    expect(messages).toContain("container app: root filesystem is writable");
    expect(messages).toContain("container app: no limits.memory");
    expect(messages).toContain('container app: image "registry.example/app:latest" is untagged or latest');
    expect(messages).toContain("container app: no readinessProbe");
    expect(messages.filter((m) => m.includes("plain value"))).toEqual([
      "container app: env DB_PASSWORD holds a plain value; use valueFrom.secretKeyRef",
      "container app: env TLS holds a plain value; use valueFrom.secretKeyRef",
    ]);
    expect(violations.every((v) => v.urn === bad.urn)).toBe(true);
  });

  it("accepts a PDB and NetworkPolicy only when they select the pods, in the same namespace", () => {
    const pdb = (ns: string, app: string): CheckedResource => ({
      type: "kubernetes:policy/v1:PodDisruptionBudget",
      urn: `urn:pdb-${ns}-${app}`,
      props: { metadata: { namespace: ns }, spec: { selector: { matchLabels: { app } } } },
    });
    const netpol = (ns: string, podSelector: unknown): CheckedResource => ({
      type: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
      urn: `urn:np-${ns}`,
      props: { metadata: { namespace: ns }, spec: { podSelector } },
    });
    const coverage = (rs: CheckedResource[]) =>
      checkAll([bad, ...rs])
        .map((v) => v.rule)
        .filter((r) => r.endsWith("-per-deployment"));
    expect(coverage([pdb("genai", "other"), netpol("other-ns", {})])).toEqual([
      "pdb-per-deployment",
      "networkpolicy-per-deployment",
    ]);
    expect(coverage([pdb("genai", "bad"), netpol("genai", {})])).toEqual([]);
  });

  it("leaves resources rendered by a third-party Helm chart to the chart's values", () => {
    const chartChild = {
      ...bad,
      urn: "urn:pulumi:dev::p::kubernetes:helm.sh/v4:Chart$kubernetes:apps/v1:Deployment::x",
    };
    expect(checkAll([chartChild])).toEqual([]);
  });
});

describe("policy helpers", () => {
  it("knows pinned images", () => {
    expect(isPinnedImage("nginx")).toBe(false);
    expect(isPinnedImage("registry:5000/nginx")).toBe(false);
    expect(isPinnedImage("nginx:latest")).toBe(false);
    expect(isPinnedImage("registry:5000/nginx:1.27")).toBe(true);
    expect(isPinnedImage(`nginx@sha256:${"a".repeat(64)}`)).toBe(true);
  });

  it("flags secret-looking plain values only", () => {
    expect(looksSecret("REDIS_PASSWORD", "x")).toBe(true);
    expect(looksSecret("LOG_LEVEL", "info")).toBe(false);
    expect(looksSecret("GREETING", "sk-abcdefghijklmnopqrstuv")).toBe(true);
    expect(looksSecret("API_KEYS", undefined)).toBe(false);
  });

  it("matches label selectors like Kubernetes", () => {
    const labels = { app: "a", track: "stable" };
    expect(selects({}, labels)).toBe(true);
    expect(selects(undefined, labels)).toBe(false);
    expect(selects({ matchLabels: { app: "a" } }, labels)).toBe(true);
    expect(selects({ matchLabels: { app: "b" } }, labels)).toBe(false);
    expect(
      selects({ matchExpressions: [{ key: "track", operator: "In", values: ["canary"] }] }, labels),
    ).toBe(false);
    expect(selects({ matchExpressions: [{ key: "track", operator: "Exists" }] }, labels)).toBe(true);
  });
});
