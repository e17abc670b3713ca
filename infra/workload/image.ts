import * as dockerBuild from "@pulumi/docker-build";
import * as pulumi from "@pulumi/pulumi";
import * as path from "node:path";
import type { InferenceConfig } from "./config.js";

export type ImageConfig = InferenceConfig["image"];

/** The image a track runs: the reference the Deployment uses (by digest where known) and a label-safe version. */
export interface ResolvedImage {
  readonly ref: pulumi.Output<string>;
  readonly version: string;
}

/** `image.build` with the settings a build cannot do without. */
export type BuildSettings = ImageConfig["build"] & { readonly registry: string; readonly context: string };

/**
 * The build settings, once the registry and context are known. Neither has a default: a context only exists inside
 * this repository, and a registry only the stack knows, so a stack that neither names them nor sets `image.ref`
 * fails here, naming the missing key, instead of building `./inference` into `localhost:5000`.
 */
export function buildSettings(build: ImageConfig["build"]): BuildSettings {
  for (const key of ["context", "registry"] as const) {
    if (build[key] === undefined) {
      throw new pulumi.InputPropertyError({
        propertyPath: `config.image.build.${key}`,
        reason:
          key === "context"
            ? "required to build the server image: set genai:inference.image.build.context (the directory holding the inference server's Dockerfile, relative to the Pulumi project) or genai:inference.image.ref (a prebuilt image)"
            : "required to build the server image: set genai:inference.image.build.registry (host[:port] to push to) or genai:inference.image.ref (a prebuilt image)",
      });
    }
  }
  return build as BuildSettings;
}

/**
 * A prebuilt reference is used as given (isPinnedImageRef has refused `latest` and untagged ones); otherwise
 * BuildKit builds the image through @pulumi/docker-build and the Deployment pins `<repository>@<digest>`, so a
 * rebuilt image under the same tag still rolls the pods.
 */
export function resolveImage(
  name: string,
  image: ImageConfig,
  registryPassword: pulumi.Input<string> | undefined,
  projectRoot: string,
  opts: pulumi.CustomResourceOptions,
): ResolvedImage {
  if (image.ref !== undefined) return prebuiltImage(image.ref);
  const b = buildSettings(image.build);
  const repository = `${b.registry}/${b.repository}`;
  const built = new dockerBuild.Image(
    name,
    {
      context: { location: path.resolve(projectRoot, b.context) },
      dockerfile: { location: path.resolve(projectRoot, b.context, "Dockerfile") },
      platforms: [b.platform],
      // inference/Dockerfile: `runtime` is the CPU image, `runtime-cuda` the CUDA one.
      target: b.cuda ? "runtime-cuda" : "runtime",
      tags: [`${repository}:${b.tag}`],
      // An `exports` entry (rather than `push: true`) is what carries `insecure` for plain-HTTP on-prem registries.
      push: false,
      exports: b.push
        ? [{ registry: { names: [`${repository}:${b.tag}`], push: true, insecure: b.insecure } }]
        : [],
      registries:
        b.username !== undefined
          ? [
              {
                address: b.registry,
                username: b.username,
                password: registryPassword && pulumi.secret(registryPassword),
              },
            ]
          : [],
      buildOnPreview: false,
    },
    opts,
  );
  // Without a push there is no registry digest; the tag is then all a node can pull (or find preloaded).
  const ref = built.digest.apply((digest) => (digest ? `${repository}@${digest}` : `${repository}:${b.tag}`));
  return { ref, version: b.tag };
}

/** A prebuilt image, used as given. */
export function prebuiltImage(ref: string): ResolvedImage {
  return { ref: pulumi.output(ref), version: versionOf(ref) };
}

/** The tag of a reference (or `digest` when pinned only by digest), usable as a label value. */
export function versionOf(ref: string): string {
  const [name = ""] = ref.split("@");
  const colon = name.indexOf(":", name.lastIndexOf("/") + 1);
  return colon < 0 ? "digest" : name.slice(colon + 1).slice(0, 63);
}
