// The CRD check sees what the API server sees: nulls pruned and schema defaults applied before validation.
import { describe, expect, it } from "vitest";
import type { CrdVersion } from "./support/charts.js";
import { apiServerDefaults, crdValidator, formatErrors } from "./support/validate.js";

const schema = {
  type: "object",
  properties: {
    spec: {
      type: "object",
      properties: {
        operator: {
          type: "object",
          required: ["defaultRuntime"],
          properties: {
            defaultRuntime: { type: "string", enum: ["docker", "containerd"], default: "docker" },
            runtimeClass: { type: "string" },
          },
        },
        config: {
          type: "object",
          properties: { name: { type: "string", default: "cfg" }, note: { type: "string", nullable: true } },
        },
        items: {
          type: "array",
          items: { type: "object", properties: { n: { type: "integer", default: 1 } } },
        },
      },
    },
  },
};
const crd: CrdVersion = { group: "example.com", version: "v1", kind: "Thing", source: "test", schema };

describe("apiServerDefaults", () => {
  it("prunes non-nullable nulls, keeps nullable ones, fills absent defaults in objects and array items", () => {
    const sent = { spec: { operator: {}, config: { name: null, note: null }, items: [{}, { n: 5 }] } };
    expect(apiServerDefaults(schema, sent)).toEqual({
      spec: {
        operator: { defaultRuntime: "docker" },
        config: { name: "cfg", note: null },
        items: [{ n: 1 }, { n: 5 }],
      },
    });
    expect(sent.spec.operator).toEqual({});
  });

  it("the CRD validator accepts what defaulting completes and still refuses what it cannot", () => {
    const validate = crdValidator(crd);
    expect(
      validate({
        apiVersion: "example.com/v1",
        kind: "Thing",
        spec: { operator: { runtimeClass: "nvidia" } },
      }),
    ).toBe(true);
    expect(
      validate({
        apiVersion: "example.com/v1",
        kind: "Thing",
        spec: { operator: { defaultRuntime: "rkt" } },
      }),
    ).toBe(false);
    expect(formatErrors(validate.errors).join("\n")).toMatch(
      /defaultRuntime must be equal to one of the allowed values/,
    );
  });
});
