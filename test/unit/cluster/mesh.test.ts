// infra/cluster/mesh: Istio in the platform stacks, an existing Istio instead, and the component alone.
import { beforeAll, describe, expect, it } from "vitest";
import { argsErrorOf, runComponent } from "../support/component.js";
import { at, cr, PROD_SECRETS, RELEASE, SECRET } from "../support/fixtures.js";
import { isSecret, type ProgramRun, runProgram } from "../support/program.js";

let dev: ProgramRun;
let prod: ProgramRun;

beforeAll(async () => {
  dev = await runProgram("dev");
  prod = await runProgram("prod", { secrets: PROD_SECRETS });
});

describe("Mesh", () => {
  it("installs base, cni, istiod and the gateway in order", () => {
    const r = (name: string) => prod.one(RELEASE, `genai-mesh-${name}`);
    expect(prod.dependsOn(r("istiod"), r("base"))).toBe(true);
    expect(prod.dependsOn(r("istiod"), r("cni"))).toBe(true);
    expect(prod.dependsOn(r("gateway"), r("istiod"))).toBe(true);
    expect(r("istiod").inputs.values).toMatchObject({ replicaCount: 2, cni: { enabled: true } });
    expect(r("gateway").inputs.values).toMatchObject({
      replicaCount: 3,
      service: { type: "LoadBalancer" },
      podDisruptionBudget: { minAvailable: 2 },
    });
    expect(at(dev.one(RELEASE, "genai-mesh-gateway").inputs, "values", "replicaCount")).toBe(1);
  });

  it("mesh-wide STRICT mTLS, after the CRDs", () => {
    const pa = cr(prod, "PeerAuthentication", "genai-mesh-mtls");
    expect(pa.inputs).toMatchObject({
      metadata: { name: "default", namespace: "istio-system" },
      spec: { mtls: { mode: "STRICT" } },
    });
    expect(prod.dependsOn(pa, prod.one(RELEASE, "genai-mesh-base"))).toBe(true);
  });

  it("the shared Gateway serves HTTPS with a @pulumi/tls certificate by default", () => {
    const gw = cr(prod, "Gateway", "genai-mesh-gateway");
    expect(at(gw.inputs, "spec", "servers", 0)).toMatchObject({
      hosts: ["genai.example.internal"],
      tls: { mode: "SIMPLE", credentialName: "genai-gateway-tls" },
    });
    expect(prod.dependsOn(gw, prod.one(RELEASE, "genai-mesh-base"))).toBe(true);
    expect(
      prod.one("tls:index/selfSignedCert:SelfSignedCert", "genai-mesh-gateway-cert").inputs.dnsNames,
    ).toEqual(["genai.example.internal"]);
    expect(isSecret(prod.one(SECRET, "genai-mesh-gateway-tls"), "stringData", "tls.key")).toBe(true);
    expect(prod.outputs.gateway).toBe("istio-system/genai-gateway");
  });

  it("uses a supplied certificate instead, kept secret", async () => {
    const run = await runProgram("dev", {
      secrets: {
        gatewayTls: {
          certificate: "-----BEGIN CERTIFICATE-----\nsupplied",
          privateKey: "-----BEGIN PRIVATE KEY-----\nk",
        },
      },
    });
    expect(run.all("tls:index/selfSignedCert:SelfSignedCert", "genai-mesh-gateway-cert")).toHaveLength(0);
    const secret = run.one(SECRET, "genai-mesh-gateway-tls");
    expect(isSecret(secret, "stringData")).toBe(true);
    expect(at(secret.inputs, "stringData", "tls.crt")).toContain("supplied");
  });
});

describe("an existing Istio instead of the Mesh component", () => {
  it("reports genai:mesh.existingGateway; the models route through their own Gateway API Gateway", async () => {
    const run = await runProgram("dev", {
      overrides: { mesh: { enabled: false, existingGateway: "ingress/shared-gw" } },
    });
    expect(run.all("genai:cluster:Mesh")).toHaveLength(0);
    expect(run.outputs.gateway).toBe("ingress/shared-gw");
    // The models are routed by their own Gateway API Gateway (an Istio Gateway cannot route by InferencePool).
    const route = run.one("kubernetes:gateway.networking.k8s.io/v1:HTTPRoute");
    expect(at(route.inputs, "spec", "parentRefs", 0)).toMatchObject({
      kind: "Gateway",
      name: "genai-models",
    });
  });

  it("refuses a malformed reference", async () => {
    await expect(
      runProgram("dev", { overrides: { mesh: { enabled: false, existingGateway: "shared-gw" } } }),
    ).rejects.toThrow(/genai:mesh\.existingGateway: expected <namespace>\/<name>/);
  });
});

describe("Mesh alone (infra/cluster/mesh with empty Args)", () => {
  it("installs Istio in istio-system with STRICT mTLS and a one-replica gateway for any host", async () => {
    const run = await runComponent("Mesh");
    const pa = cr(run, "PeerAuthentication", "mesh-mtls").inputs;
    expect(pa).toMatchObject({ metadata: { namespace: "istio-system" }, spec: { mtls: { mode: "STRICT" } } });
    expect(at(run.one(RELEASE, "mesh-gateway").inputs, "values")).toMatchObject({
      replicaCount: 1,
      service: { type: "NodePort" },
    });
    expect(at(run.one(RELEASE, "mesh-istiod").inputs, "values", "replicaCount")).toBe(1);
    const gateway = cr(run, "Gateway", "mesh-gateway").inputs;
    expect(at(gateway, "spec", "servers", 0, "hosts")).toEqual(["*"]);
    expect(at(gateway, "spec", "selector")).toEqual({ istio: "ingressgateway" });
    expect(at(run.one(SECRET, "mesh-gateway-tls").inputs, "metadata", "name")).toBe("genai-gateway-tls");
  });

  it("bad Args raise an InputPropertyError naming the property and the allowed values", async () => {
    const mtls = await argsErrorOf("Mesh", { mtls: "OFF" });
    expect(mtls.propertyPath).toBe("mtls");
    expect(mtls.reason).toContain('allowed: "STRICT", "PERMISSIVE"');
    const host = await argsErrorOf("Mesh", { gateway: { hosts: ["Not A Host"] } });
    expect(host.propertyPath).toBe("gateway.hosts.0");
    expect(host.reason).toContain("expected a hostname or *");
  });
});
