// A stack program with one cluster component alone, constructed from the package's curated exports the way another
// stack would (no provider, no namespace unless the args give them), for the standalone tests of test/unit/cluster
// (run by support/component.ts under mocks). `genai:component` holds { kind, args }.
import * as pulumi from "@pulumi/pulumi";
import {
  Backups,
  GpuOperator,
  Logging,
  Mesh,
  Monitoring,
  Namespaces,
  Tracing,
} from "../../../infra/cluster/index.js";

const COMPONENTS = { Namespaces, GpuOperator, Monitoring, Logging, Tracing, Mesh, Backups };
export type ComponentKind = keyof typeof COMPONENTS;

const { kind, args } = new pulumi.Config("genai").requireObject<{ kind: ComponentKind; args: object }>(
  "component",
);
// The args are JSON from the test: their types are the component's own, checked by the component itself.
const Component = COMPONENTS[kind] as unknown as new (name: string, args: object) => pulumi.ComponentResource;
export const urn = new Component(kind.toLowerCase(), args).urn;
