// The original design's simple API: POST /generate {prompt, max_length, temperature, ...} ->
// {generated_text, ...}, and POST /batch_generate [GenerateRequest, ...] -> {results: [...]}. The prompt is
// sent as one user turn through the model's chat template (the default model is an instruct model).
import type { JsonSchemaToTsProvider } from "@fastify/type-provider-json-schema-to-ts";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ApiError } from "../errors.js";
import { runGeneration, samplingParams, type GenerationDeps } from "../generation.js";
import {
  GENERATION_ERRORS,
  errorResponses,
  generateResponse,
  requestSchemas,
  type GenerateBody,
} from "./schemas.js";

interface GenerateOptions {
  deps: GenerationDeps;
  request: FastifyRequest;
  reply: FastifyReply;
  route: string;
  body: GenerateBody;
  /** Prefix of `param` in errors (`0.` for the first prompt of a batch). */
  param: string;
  signal?: AbortSignal;
}

async function generateOne({ deps, request, reply, route, body, param, signal }: GenerateOptions) {
  const served = deps.lifecycle.requireEngine().info.model;
  if (body.model_name !== undefined && body.model_name !== served) {
    throw new ApiError(
      404,
      `The model '${body.model_name}' does not exist. This server serves '${served}'.`,
      {
        param: `${param}model_name`,
        code: "model_not_found",
      },
    );
  }
  const params = samplingParams(
    deps.config,
    { ...body, max_tokens: body.max_length ?? body.max_tokens },
    `${param}${body.max_length !== undefined ? "max_length" : "max_tokens"}`,
  );
  const g = await runGeneration(deps, request, reply, {
    route,
    operation: "chat",
    prompt: { kind: "chat", messages: [{ role: "user", content: body.prompt }] },
    params,
    paramPrefix: param,
    ...(signal ? { signal } : {}),
  });
  return {
    generated_text: g.result.text,
    model: g.model,
    finish_reason: g.result.finishReason,
    tokens_generated: g.result.completionTokens,
    usage: {
      prompt_tokens: g.result.promptTokens,
      completion_tokens: g.result.completionTokens,
      total_tokens: g.result.promptTokens + g.result.completionTokens,
    },
  };
}

export function registerSimpleRoutes(fastify: FastifyInstance, deps: GenerationDeps): void {
  const app = fastify.withTypeProvider<JsonSchemaToTsProvider>();
  const schemas = requestSchemas(deps.config.limits);
  const errors = errorResponses(GENERATION_ERRORS);
  app.post(
    "/generate",
    {
      config: { auth: true, summary: "Generate text for one prompt (original design's API)" },
      schema: { body: schemas.generateBody, response: { 200: generateResponse, ...errors } },
    },
    async (request, reply) =>
      generateOne({ deps, request, reply, route: "/generate", body: request.body, param: "" }),
  );
  app.post(
    "/batch_generate",
    {
      config: {
        auth: true,
        summary: "Generate for several prompts at once; they share the engine's batches",
      },
      schema: {
        body: schemas.batchGenerateBody,
        response: {
          200: { type: "object", properties: { results: { type: "array", items: generateResponse } } },
          ...errors,
        },
      },
    },
    async (request, reply) => {
      // All prompts are queued together; the first failure (e.g. queue full) fails the batch and stops the
      // others, so they do not keep sequences busy for an answer nobody will read.
      const batch = new AbortController();
      try {
        const results = await Promise.all(
          request.body.map((item, i) =>
            generateOne({
              deps,
              request,
              reply,
              route: "/batch_generate",
              body: item,
              param: `${i}.`,
              signal: batch.signal,
            }).catch((err: unknown) => {
              batch.abort(err);
              throw err;
            }),
          ),
        );
        return { results };
      } finally {
        batch.abort();
      }
    },
  );
}
