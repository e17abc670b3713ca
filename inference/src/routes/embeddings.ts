// POST /v1/embeddings: OpenAI's embeddings API on a server started with MODEL_TYPE=embeddings. Input is a
// string, a list of strings, a token list or a list of token lists; vectors come back as floats or as base64
// little-endian float32 (what the official `openai` client asks for by default). Bounds (input count, total
// characters, each input within the context) are checked before the request takes a queue place.
import { SpanKind, SpanStatusCode, context, trace } from "@opentelemetry/api";
import type { FromSchema } from "json-schema-to-ts";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { EmbeddingInput, EmbeddingResult, PreparedEmbeddings } from "../engine/embeddings.js";
import { ApiError, badRequest } from "../errors.js";
import type { GenerationDeps } from "../generation.js";
import { abortError, requestSignals } from "../requestSignals.js";
import { errorResponses, GENERATION_ERRORS } from "./schemas.js";

const ROUTE = "/v1/embeddings";
/** Absolute ceiling of the schema; EMBEDDINGS_MAX_INPUTS (lower) is checked with its own message. */
const SCHEMA_MAX_INPUTS = 2048;

const tokenList = { type: "array", minItems: 1, items: { type: "integer", minimum: 0 } } as const;

export const embeddingsBody = {
  type: "object",
  additionalProperties: false,
  required: ["model", "input"],
  properties: {
    model: { type: "string", minLength: 1, maxLength: 256 },
    input: {
      anyOf: [
        { type: "string" },
        { type: "array", minItems: 1, maxItems: SCHEMA_MAX_INPUTS, items: { type: "string" } },
        tokenList,
        { type: "array", minItems: 1, maxItems: SCHEMA_MAX_INPUTS, items: tokenList },
      ],
    },
    encoding_format: { enum: ["float", "base64"] },
    dimensions: { type: "integer", minimum: 1 },
    user: { type: "string", maxLength: 256 },
  },
} as const;

/** The body's type, derived from the schema above (json-schema-to-ts), so the two cannot drift. */
export type EmbeddingsBody = FromSchema<typeof embeddingsBody>;

/** OpenAI's four input shapes as one list of inputs. */
function inputsOf(input: EmbeddingsBody["input"]): EmbeddingInput[] {
  if (typeof input === "string") return [input];
  if (input.every((x): x is number => typeof x === "number")) return [input as number[]];
  return input as EmbeddingInput[];
}

function checkBounds(deps: GenerationDeps, inputs: readonly EmbeddingInput[]): void {
  const { embeddingsMaxInputs: maxInputs, embeddingsMaxChars: maxChars } = deps.config;
  if (inputs.length > maxInputs) {
    throw badRequest(
      `The request has ${inputs.length} inputs; this server accepts at most ${maxInputs} per request.`,
      "input",
      "too_many_inputs",
    );
  }
  const total = inputs.reduce((n, x) => n + x.length, 0);
  if (total > maxChars) {
    throw badRequest(
      `The inputs hold ${total} characters (tokens for token lists) in all; this server accepts at most ` +
        `${maxChars} per request. Split the request.`,
      "input",
      "input_too_large",
    );
  }
}

const encode = (vector: Float32Array, format: "float" | "base64"): number[] | string =>
  format === "base64"
    ? Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString("base64")
    : Array.from(vector);

async function embed(
  deps: GenerationDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  body: EmbeddingsBody,
): Promise<{ model: string; result: EmbeddingResult }> {
  const engine = deps.lifecycle.requireEmbeddings();
  const model = engine.info.model;
  if (body.model !== model) {
    throw new ApiError(404, `The model '${body.model}' does not exist. This server serves '${model}'.`, {
      param: "model",
      code: "model_not_found",
    });
  }
  if (body.dimensions !== undefined && body.dimensions !== engine.dimensions) {
    throw badRequest(
      `The model '${model}' produces ${engine.dimensions}-dimensional embeddings and cannot shorten them; ` +
        `omit dimensions or set it to ${engine.dimensions}.`,
      "dimensions",
      "invalid_value",
    );
  }
  const inputs = inputsOf(body.input);
  checkBounds(deps, inputs);
  deps.limiter.admit(request.tenant);
  reply.raw.once("close", deps.lifecycle.begin());

  // The client leaving, the deadline and the drain grace stop it, as they stop a chat request.
  const { client, deadline, drain, signal, detach } = requestSignals(
    deps.lifecycle,
    reply,
    deps.config.requestTimeoutMs,
  );
  // Tokenizing is synchronous: one request's inputs at a time, like chat prompts (serial-work.ts).
  let prepared: PreparedEmbeddings;
  try {
    prepared = await deps.prepareWork.run(() => engine.prepare(inputs), signal);
  } catch (err) {
    detach();
    throw abortedError(deps, client, drain, deadline, err);
  }
  const queueSignal =
    deps.config.queueTimeoutMs > 0
      ? AbortSignal.any([signal, AbortSignal.timeout(deps.config.queueTimeoutMs)])
      : signal;
  const parent = request.span ? trace.setSpan(context.active(), request.span) : context.active();
  const span = deps.tracing.tracer.startSpan(
    `embeddings ${model}`,
    {
      kind: SpanKind.INTERNAL,
      attributes: {
        "gen_ai.operation.name": "embeddings",
        "gen_ai.provider.name": "llama.cpp",
        "gen_ai.request.model": model,
        "gen_ai.usage.input_tokens": prepared.promptTokens,
      },
    },
    parent,
  );
  try {
    const result = await engine.embed(prepared, signal, (s) => deps.metrics.queueWait(s), queueSignal);
    deps.metrics.inference(ROUTE, result.inferenceSeconds);
    deps.metrics.tokens(ROUTE, request.tenant, result.promptTokens, 0);
    deps.limiter.charge(request.tenant, result.promptTokens);
    span.setAttribute("gen_ai.response.model", model);
    request.log.info(
      {
        tenant: request.tenant,
        route: ROUTE,
        inputs: inputs.length,
        prompt_tokens: result.promptTokens,
        queue_ms: Math.round(result.queueSeconds * 1000),
        inference_ms: Math.round(result.inferenceSeconds * 1000),
        ...(deps.config.logPrompts ? { input: body.input } : {}),
      },
      "embeddings finished",
    );
    return { model, result };
  } catch (err) {
    const apiErr = abortedError(deps, client, drain, deadline, err);
    span.recordException(apiErr as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (apiErr as Error).message });
    throw apiErr;
  } finally {
    span.end();
    detach();
  }
}

/**
 * Why an embedding stopped between inputs or in a queue: the client left (499), the drain grace ran out (503
 * shutting_down), the deadline (504) or the queue timeout (503) passed.
 */
function abortedError(
  deps: GenerationDeps,
  client: AbortSignal,
  drain: AbortSignal,
  deadline: AbortSignal,
  err: unknown,
): unknown {
  if (err instanceof ApiError || client.aborted) return abortError(err, client);
  if (drain.aborted) return drain.reason;
  if (deadline.aborted) {
    return new ApiError(504, `The request exceeded the ${deps.config.requestTimeoutMs} ms deadline.`, {
      code: "timeout",
    });
  }
  return abortError(err, client);
}

export function registerEmbeddingsRoutes(app: FastifyInstance, deps: GenerationDeps): void {
  const responses = errorResponses(GENERATION_ERRORS);
  app.post<{ Body: EmbeddingsBody }>(
    ROUTE,
    {
      config: { auth: true, summary: "OpenAI embeddings (servers started with MODEL_TYPE=embeddings)" },
      schema: { body: embeddingsBody, response: responses },
    },
    async (request, reply) => {
      const format = request.body.encoding_format ?? "float";
      const { model, result } = await embed(deps, request, reply, request.body);
      return {
        object: "list",
        data: result.vectors.map((v, index) => ({
          object: "embedding",
          index,
          embedding: encode(v, format),
        })),
        model,
        usage: { prompt_tokens: result.promptTokens, total_tokens: result.promptTokens },
      };
    },
  );
}
