import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AMX_VARIANT, amxVariants } from "../../inference/bench/cpu-variant.js";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function nodeModules(files: string[]): string {
  const root = mkdtempSync(join(tmpdir(), "genai-cpu-variant-"));
  dirs.push(root);
  for (const f of files) {
    mkdirSync(join(root, f, ".."), { recursive: true });
    writeFileSync(join(root, f), "");
  }
  return root;
}

describe("amxVariants", () => {
  it("finds the AMX variant in every prebuilt package and nothing else", () => {
    const root = nodeModules([
      `@node-llama-cpp/linux-x64/bins/linux-x64/${AMX_VARIANT}`,
      "@node-llama-cpp/linux-x64/bins/linux-x64/libggml-cpu-icelake.so",
      `@node-llama-cpp/linux-x64-cuda/bins/linux-x64-cuda/${AMX_VARIANT}`,
      "@node-llama-cpp/linux-arm64/bins/linux-arm64/libggml-cpu-armv8.so",
    ]);
    expect(amxVariants(root).map((p) => p.slice(root.length + 1))).toEqual([
      `@node-llama-cpp/linux-x64/bins/linux-x64/${AMX_VARIANT}`,
      `@node-llama-cpp/linux-x64-cuda/bins/linux-x64-cuda/${AMX_VARIANT}`,
    ]);
  });

  it("is empty once the variant is gone, or without node-llama-cpp's binaries", () => {
    expect(
      amxVariants(nodeModules(["@node-llama-cpp/linux-x64/bins/linux-x64/libggml-cpu-icelake.so"])),
    ).toEqual([]);
    expect(amxVariants(nodeModules([]))).toEqual([]);
  });
});
