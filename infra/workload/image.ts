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
  const b = image.build;
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
