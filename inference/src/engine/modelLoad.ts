// Loading the model file, shared by the chat engine and the embeddings engine: one llama.cpp binding, the model
// with its GPU layers, what /v1/models and the metrics report about it, and one error text for a file that is not
// a model (the `ready`/`model_failed` lifecycle shows it to operators).
import { GgufFileType, getLlama, LlamaLogLevel, type Llama, type LlamaModel } from "node-llama-cpp";
import { basename } from "node:path";
import type { GpuSetting } from "../config.js";
import type { ModelInfo } from "../metrics/metrics.js";

export interface ModelLoadOptions {
  modelPath: string;
  modelName?: string | undefined;
  gpu: GpuSetting;
  gpuLayers?: "auto" | "max" | number | undefined;
}

export interface LoadedModel {
  readonly llama: Llama;
  readonly model: LlamaModel;
}

/**
 * Loads the model, then runs `build` on it (contexts and the rest); if either fails the binding is disposed. A
 * file that does not load gets an error naming it and what to check; `what` names the kind ("model", ...).
 */
export async function withLoadedModel<T>(
  opts: ModelLoadOptions,
  what: string,
  build: (loaded: LoadedModel) => Promise<T>,
): Promise<T> {
  const llama = await getLlama({ gpu: opts.gpu, logLevel: LlamaLogLevel.error });
  let model: LlamaModel;
  try {
    model = await llama.loadModel({ modelPath: opts.modelPath, gpuLayers: opts.gpuLayers ?? "auto" });
  } catch (err) {
    await llama.dispose();
    throw new Error(
      `cannot load ${what} ${opts.modelPath}: ${(err as Error).message}. Is it a valid GGUF file? ` +
        `Set MODEL to a .gguf path or an hf: URI.`,
      { cause: err },
    );
  }
  try {
    return await build({ llama, model });
  } catch (err) {
    // A context that cannot be made (memory, context size) is not a bad file: its own message says why.
    await llama.dispose();
    throw err;
  }
}

/** What /v1/models and the metrics report: the API name (MODEL_NAME or the file name), quantization, GPU. */
export function modelInfo(opts: ModelLoadOptions, loaded: LoadedModel, contextSize: number): ModelInfo {
  return {
    model: opts.modelName ?? basename(opts.modelPath).replace(/\.gguf$/i, ""),
    quantization: quantizationOf(loaded.model),
    contextSize,
    gpu: loaded.llama.gpu === false ? "none" : loaded.llama.gpu,
  };
}

/** The weights' quantization: the GGUF file type, else what the file name says, else "unknown". */
export function quantizationOf(model: LlamaModel): string {
  const fileType = model.fileInfo.metadata.general?.file_type;
  const name = fileType === undefined ? undefined : GgufFileType[fileType];
  if (name) return name.replace(/^MOSTLY_/, "");
  return (
    /(?:^|[.\-_])((?:I?Q\d[A-Z0-9_]*)|BF16|F16|F32)\.gguf$/i.exec(model.filename ?? "")?.[1] ?? "unknown"
  );
}
