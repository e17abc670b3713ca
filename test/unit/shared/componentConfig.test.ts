// infra/shared/componentConfig.ts: presets per environment and Args laid over the component's defaults.
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { monitoringConfig } from "../../../infra/cluster/monitoring/config.js";
import { presetFor, resolveArgs } from "../../../infra/shared/componentConfig.js";

describe("presetFor", () => {
  it("dev is the defaults; prod and ci change only what they name", () => {
    expect(presetFor(monitoringConfig, "dev")).toEqual(monitoringConfig.defaults);
    const prod = presetFor(monitoringConfig, "prod");
    expect(prod.prometheus.replicas).toBe(2);
    expect(prod.alertmanager.escalateAfter).toBe(monitoringConfig.defaults.alertmanager.escalateAfter);
    expect(presetFor(monitoringConfig, "ci")).toMatchObject({
      enabled: false,
      adapter: { enabled: false, replicas: 1 },
    });
  });
});

describe("resolveArgs", () => {
  const resolve = (given: object) =>
    resolveArgs(monitoringConfig, ["prometheus", "adapter"] as const, given, "Monitoring m");

  it("fills what the Args leave out from the defaults, key by key", () => {
    expect(resolve({})).toEqual({
      prometheus: monitoringConfig.defaults.prometheus,
      adapter: monitoringConfig.defaults.adapter,
    });
    expect(resolve({ prometheus: { storage: { persistence: true } } }).prometheus.storage).toEqual({
      persistence: true,
      size: "10Gi",
    });
  });

  it("raises InputPropertyError with the property path and the allowed values", () => {
    const error = (() => {
      try {
        resolve({ prometheus: { retention: "a week" }, adapter: { replicas: 9 } });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(pulumi.InputPropertyError.isInstance(error)).toBe(true);
    const { propertyPath, reason } = error as pulumi.InputPropertyError;
    expect(propertyPath).toBe("prometheus.retention");
    expect(reason).toMatch(
      /^Monitoring m: prometheus\.retention: expected a duration such as 30m, 6h, 15d; also adapter\.replicas$/,
    );
  });
});
