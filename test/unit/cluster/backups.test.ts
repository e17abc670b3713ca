// infra/cluster/backups: Velero in the platform stacks, and the component alone.
import { beforeAll, describe, expect, it } from "vitest";
import { CHARTS } from "../../../infra/cluster/charts.js";
import { argsErrorOf, runComponent } from "../support/component.js";
import { at, cr, PROD_SECRETS, RELEASE, SECRET } from "../support/fixtures.js";
import { isSecret, type ProgramRun, runProgram } from "../support/program.js";

let dev: ProgramRun;
let prod: ProgramRun;

beforeAll(async () => {
  dev = await runProgram("dev");
  prod = await runProgram("prod", { secrets: PROD_SECRETS });
});

describe("Backups", () => {
  it("Velero points at the S3-compatible location from config, credentials in a secret Secret", () => {
    const release = prod.one(RELEASE, "genai-backups-velero");
    expect(release.inputs).toMatchObject({
      chart: "velero",
      version: CHARTS.velero.version,
      namespace: "velero",
    });
    expect(at(release.inputs, "values", "configuration", "backupStorageLocation", 0)).toMatchObject({
      provider: "aws",
      bucket: "genai-backups",
      config: {
        s3Url: "https://minio.backup.example.internal:9000",
        s3ForcePathStyle: "true",
        region: "minio",
      },
    });
    expect(at(release.inputs, "values", "credentials")).toEqual({
      useSecret: true,
      existingSecret: "velero-credentials",
    });
    const creds = prod.one(SECRET, "genai-backups-credentials");
    expect(isSecret(creds, "stringData", "cloud")).toBe(true);
    expect(at(creds.inputs, "stringData", "cloud")).toContain("aws_secret_access_key=fake-secret-key");
    expect(JSON.stringify(release.inputs)).not.toContain("fake-secret-key");
  });

  it("schedules: every 4 hours the workload (volumes included) and observability configs, daily a full backup", () => {
    const velero = prod.one(RELEASE, "genai-backups-velero");
    const spec = (name: string) => {
      const schedule = cr(prod, "Schedule", `genai-backups-${name}`);
      expect(prod.dependsOn(schedule, velero), name).toBe(true);
      return schedule.inputs.spec;
    };
    expect(spec("workload")).toMatchObject({
      schedule: "0 */4 * * *",
      template: { includedNamespaces: ["genai"], defaultVolumesToFsBackup: true },
    });
    expect(spec("observability")).toMatchObject({
      schedule: "0 */4 * * *",
      template: { includedNamespaces: ["monitoring", "logging", "tracing", "istio-system"] },
    });
    expect(at(spec("observability"), "template", "includedResources")).toEqual(
      expect.arrayContaining(["configmaps", "prometheusrules.monitoring.coreos.com"]),
    );
    expect(spec("full")).toMatchObject({
      schedule: "30 1 * * *",
      template: { ttl: "720h", includeClusterResources: true },
    });
  });

  it("is off in dev", () => {
    expect(dev.all("genai:cluster:Backups")).toHaveLength(0);
  });
});

describe("Velero metrics (Backups)", () => {
  const serviceMonitor = (run: ProgramRun) =>
    at(run.one(RELEASE, "genai-backups-velero").inputs, "values", "metrics", "serviceMonitor", "enabled");

  it("its ServiceMonitor is on when monitoring is, off otherwise", async () => {
    expect(serviceMonitor(prod)).toBe(true);
    const run = await runProgram("prod", {
      secrets: PROD_SECRETS,
      overrides: { monitoring: { enabled: false, adapter: { enabled: false } } },
    });
    expect(serviceMonitor(run)).toBe(false);
  });
});

const LOCATION = { bucket: "genai-backups", endpoint: "https://minio.example:9000" };
const CREDENTIALS = { accessKeyId: "id", secretAccessKey: "key" };

describe("Backups alone (infra/cluster/backups with only the location and credentials)", () => {
  it("installs Velero in velero with the default region, node agent and schedules of the genai namespace", async () => {
    const run = await runComponent("Backups", { s3: LOCATION, credentials: CREDENTIALS });
    const velero = run.one(RELEASE, "backups-velero").inputs;
    expect(velero.namespace).toBe("velero");
    expect(at(velero.values, "configuration", "backupStorageLocation", 0)).toMatchObject({
      bucket: "genai-backups",
      config: { region: "minio", s3Url: "https://minio.example:9000", insecureSkipTLSVerify: "false" },
    });
    expect(at(velero.values, "deployNodeAgent")).toBe(true);
    const workload = cr(run, "Schedule", "backups-workload").inputs;
    expect(at(workload, "spec")).toMatchObject({
      schedule: "0 */4 * * *",
      template: { includedNamespaces: ["genai"], ttl: "168h" },
    });
    expect(at(cr(run, "Schedule", "backups-full").inputs, "spec", "schedule")).toBe("30 1 * * *");
  });

  it("bad Args raise an InputPropertyError naming the property", async () => {
    const endpoint = await argsErrorOf("Backups", {
      s3: { ...LOCATION, endpoint: "minio" },
      credentials: CREDENTIALS,
    });
    expect(endpoint.propertyPath).toBe("s3.endpoint");
    const ttl = await argsErrorOf("Backups", {
      s3: LOCATION,
      credentials: CREDENTIALS,
      schedules: { full: { ttl: "30 days" } },
    });
    expect(ttl.propertyPath).toBe("schedules.full.ttl");
  });
});
