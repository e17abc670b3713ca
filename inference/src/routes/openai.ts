// POST /v1/chat/completions and POST /v1/completions: OpenAI's request and response shapes, streamed as
// SSE chunks when `stream` is true (with a final usage chunk when stream_options.include_usage).
import type { JsonSchemaToTsProvider } from "@fastify/type-provider-json-schema-to-ts";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ChatMessage, Prompt } from "../engine/engine.js";
import { ApiError } from "../errors.js";
import { runGeneration, samplingParams, newId, type Generation, type GenerationDeps } from "../generation.js";
import { toApiError } from "../plugins/errors.js";
import {
  GENERATION_ERRORS,
  errorResponses,
  requestSchemas,
  type ChatCompletionBody,
  type CompletionBody,
} from "./schemas.js";
import { SseStream } from "./sse.js";

type Kind = "chat" | "completion";

const usageOf = (g: Generation) => ({
  prompt_tokens: g.result.promptTokens,
  completion_tokens: g.result.completionTokens,
  total_tokens: g.result.promptTokens + g.result.completionTokens,
});

function checkModel(deps: GenerationDeps, model: string): void {
  const served = deps.lifecycle.requireEngine().info.model;
  if (model !== served) {
    throw new ApiError(404, `The model '${model}' does not exist. This server serves '${served}'.`, {
      param: "model",
      code: "model_not_found",
    });
  }
}

const flatten = (content: ChatCompletionBody["messages"][number]["content"]): string =>
  typeof content === "string" ? content : content.map((p) => p.text).join("\n");

/** A streaming choice for one kind: the delta of a chunk, or its final finish_reason. */
function choice(kind: Kind, text: string | undefined, finish: string | null) {
  if (kind === "chat") {
    return {
      index: 0,
      delta: text === undefined ? {} : { content: text },
      logprobs: null,
      finish_reason: finish,
    };
  }
  return { index: 0, text: text ?? "", logprobs: null, finish_reason: finish };
}

interface HandleOptions {
  deps: GenerationDeps;
  kind: Kind;
  request: FastifyRequest;
  reply: FastifyReply;
  body: ChatCompletionBody | CompletionBody;
  prompt: Prompt;
  /** The effective token limit and the field it came from (max_tokens or max_completion_tokens). */
  maxTokens: number | null | undefined;
  maxTokensParam: string;
}

async function handle(o: HandleOptions) {
  const { deps, kind, request, reply, body, prompt } = o;
  checkModel(deps, body.model);
  const params = samplingParams(deps.config, { ...body, max_tokens: o.maxTokens }, o.maxTokensParam);
  const route = kind === "chat" ? "/v1/chat/completions" : "/v1/completions";
  const operation = kind === "chat" ? "chat" : "text_completion";
  const object = kind === "chat" ? "chat.completion" : "text_completion";

  if (!body.stream) {
    const g = await runGeneration(deps, request, reply, { route, operation, prompt, params });
    const choiceBody =
      kind === "chat"
        ? { index: 0, message: { role: "assistant", content: g.result.text }, logprobs: null }
        : { index: 0, text: g.result.text, logprobs: null };
    return {
      id: g.id,
      object,
      created: g.created,
      model: g.model,
      choices: [{ ...choiceBody, finish_reason: g.result.finishReason }],
      usage: usageOf(g),
    };
  }

  // Streaming: headers go out when a sequence is free, so queue-full and validation errors stay plain 4xx.
  const id = newId(kind === "chat" ? "chatcmpl" : "cmpl");
  const created = Math.floor(Date.now() / 1000);
  const model = deps.lifecycle.requireEngine().info.model;
  const chunkObject = kind === "chat" ? "chat.completion.chunk" : "text_completion";
  const includeUsage = body.stream_options?.include_usage === true;
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) => ({
    id,
    object: chunkObject,
    created,
    model,
    choices,
    ...(includeUsage ? { usage: null } : {}),
    ...extra,
  });
  let sse: SseStream | undefined;
  try {
    const g = await runGeneration(deps, request, reply, {
      route,
      operation,
      prompt,
      params,
      hooks: {
        onAdmitted: () => {
          sse = new SseStream(reply);
          if (kind === "chat") {
            sse.send(
              chunk([
                { index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null },
              ]),
            );
          }
        },
        onText: (text) => sse?.send(chunk([choice(kind, text, null)])),
      },
    });
    sse?.send(chunk([choice(kind, undefined, g.result.finishReason)]));
    if (includeUsage) sse?.send(chunk([], { usage: usageOf(g) }));
    sse?.end();
  } catch (err) {
    if (!sse) throw err;
    // Headers are gone: report the failure in-band, as OpenAI does, then close the stream.
    sse.send(toApiError(err).toBody());
    sse.end();
  }
  return reply;
}

export function registerOpenAIRoutes(fastify: FastifyInstance, deps: GenerationDeps): void {
  // Request types come from the schemas themselves (json-schema-to-ts), so they cannot drift apart.
  const app = fastify.withTypeProvider<JsonSchemaToTsProvider>();
  const schemas = requestSchemas(deps.config.limits);
  const response = errorResponses(GENERATION_ERRORS);
  app.post(
    "/v1/chat/completions",
    {
      config: { auth: true, summary: "OpenAI chat completion (SSE when stream=true)" },
      schema: { body: schemas.chatCompletionBody, response },
    },
    async (request, reply) => {
      const body = request.body;
      const messages: ChatMessage[] = body.messages.map((m) => ({
        role: m.role,
        content: flatten(m.content),
      }));
      return handle({
        deps,
        kind: "chat",
        request,
        reply,
        body,
        prompt: { kind: "chat", messages },
        maxTokens: body.max_completion_tokens ?? body.max_tokens,
        maxTokensParam: body.max_completion_tokens != null ? "max_completion_tokens" : "max_tokens",
      });
    },
  );
  app.post(
    "/v1/completions",
    {
      config: { auth: true, summary: "OpenAI text completion (SSE when stream=true)" },
      schema: { body: schemas.completionBody, response },
    },
    async (request, reply) => {
      const body = request.body;
      const text = typeof body.prompt === "string" ? body.prompt : (body.prompt[0] ?? "");
      return handle({
        deps,
        kind: "completion",
        request,
        reply,
        body,
        prompt: { kind: "completion", text },
        maxTokens: body.max_tokens,
        maxTokensParam: "max_tokens",
      });
    },
  );
}
