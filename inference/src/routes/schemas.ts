// JSON schemas of the request bodies (validated by fastify/ajv with unknown fields rejected) and, derived from
// them by json-schema-to-ts, their TypeScript types: the schema is the one definition, so the two cannot drift.
// json-schema-to-ts 3.1.1 and @fastify/type-provider-json-schema-to-ts 5.0.0 (fastify 5) are pinned dev
// dependencies: they only produce types, nothing of them runs.
// The bounds come from the configuration (RequestLimits) so that ajv refuses oversized work before a handler
// runs, and the OpenAPI document shows them as maximum / maxItems / maxLength.
import type { FromSchema } from "json-schema-to-ts";
import { MAX_STOP_SEQUENCES, type RequestLimits } from "../config.js";

/** Bound on short identifier-like strings (model names, `user`, `name`). */
const MAX_NAME_CHARS = 256;
/** llama.cpp seeds are 32-bit unsigned. */
const MAX_SEED = 4_294_967_295;

export function requestSchemas(l: RequestLimits) {
  const name = { type: "string", maxLength: MAX_NAME_CHARS } as const;
  const promptText = { type: "string", minLength: 1, maxLength: l.maxPromptChars } as const;
  const stopString = { type: "string", minLength: 1, maxLength: l.maxStopChars } as const;

  const sampling = {
    max_tokens: { type: ["integer", "null"], minimum: 1, maximum: l.maxTokens },
    temperature: { type: ["number", "null"], minimum: 0, maximum: 2 },
    top_p: { type: ["number", "null"], exclusiveMinimum: 0, maximum: 1 },
    seed: { type: ["integer", "null"], minimum: 0, maximum: MAX_SEED },
    stop: {
      anyOf: [
        stopString,
        { type: "array", items: stopString, maxItems: MAX_STOP_SEQUENCES },
        { type: "null" },
      ],
    },
  } as const;

  const openAI = {
    model: { type: "string", minLength: 1, maxLength: MAX_NAME_CHARS },
    ...sampling,
    presence_penalty: { type: ["number", "null"], minimum: -2, maximum: 2 },
    frequency_penalty: { type: ["number", "null"], minimum: -2, maximum: 2 },
    n: { type: ["integer", "null"], const: 1, description: "Only 1 is supported." },
    stream: { type: ["boolean", "null"] },
    stream_options: {
      type: ["object", "null"],
      additionalProperties: false,
      properties: { include_usage: { type: "boolean" } },
    },
    user: name,
  } as const;

  const textPart = {
    type: "object",
    additionalProperties: false,
    required: ["type", "text"],
    properties: { type: { const: "text" }, text: { type: "string", maxLength: l.maxPromptChars } },
  } as const;

  const chatCompletionBody = {
    type: "object",
    additionalProperties: false,
    required: ["model", "messages"],
    properties: {
      ...openAI,
      max_completion_tokens: { type: ["integer", "null"], minimum: 1, maximum: l.maxTokens },
      messages: {
        type: "array",
        minItems: 1,
        maxItems: l.maxMessages,
        description: `At most ${l.maxMessages} messages (MAX_MESSAGES) and ${l.maxPromptChars} characters of content in all (MAX_PROMPT_CHARS).`,
        items: {
          type: "object",
          additionalProperties: false,
          required: ["role", "content"],
          properties: {
            role: { enum: ["system", "developer", "user", "assistant"] },
            content: {
              anyOf: [
                { type: "string", maxLength: l.maxPromptChars },
                { type: "array", items: textPart, minItems: 1, maxItems: l.maxMessages },
              ],
            },
            name,
          },
        },
      },
    },
  } as const;

  const completionBody = {
    type: "object",
    additionalProperties: false,
    required: ["model", "prompt"],
    properties: {
      ...openAI,
      prompt: {
        description: "A non-empty string, or an array holding one.",
        anyOf: [promptText, { type: "array", items: promptText, minItems: 1, maxItems: 1 }],
      },
      echo: { type: "boolean", const: false },
    },
  } as const;

  /** The original design's simple API: POST /generate. */
  const generateBody = {
    type: "object",
    additionalProperties: false,
    required: ["prompt"],
    properties: {
      prompt: promptText,
      model_name: name,
      max_length: {
        type: "integer",
        minimum: 1,
        maximum: l.maxTokens,
        description: "Maximum generated tokens.",
      },
      ...sampling,
    },
  } as const;

  const batchGenerateBody = {
    type: "array",
    minItems: 1,
    maxItems: l.batchMaxPrompts,
    items: generateBody,
  } as const;

  return { chatCompletionBody, completionBody, generateBody, batchGenerateBody };
}

type Schemas = ReturnType<typeof requestSchemas>;
export type ChatCompletionBody = FromSchema<Schemas["chatCompletionBody"]>;
export type CompletionBody = FromSchema<Schemas["completionBody"]>;
export type GenerateBody = FromSchema<Schemas["generateBody"]>;
/** The sampling fields every route shares (the penalties only on the OpenAI routes). */
export type SamplingBody = Partial<
  Pick<
    ChatCompletionBody,
    "max_tokens" | "temperature" | "top_p" | "seed" | "stop" | "presence_penalty" | "frequency_penalty"
  >
>;

const usage = {
  type: "object",
  properties: {
    prompt_tokens: { type: "integer" },
    completion_tokens: { type: "integer" },
    total_tokens: { type: "integer" },
  },
} as const;

export const generateResponse = {
  type: "object",
  properties: {
    generated_text: { type: "string" },
    model: { type: "string" },
    finish_reason: { enum: ["stop", "length"] },
    tokens_generated: { type: "integer" },
    usage,
  },
} as const;

const errorBody = {
  type: "object",
  properties: {
    error: {
      type: "object",
      properties: {
        message: { type: "string" },
        type: { type: "string" },
        param: { type: ["string", "null"] },
        code: { type: ["string", "null"] },
      },
    },
  },
} as const;

/** Every error status the server answers, and when: the OpenAPI document lists them per route. */
const ERROR_STATUSES = {
  400: "Invalid request: unknown field, wrong type or range, a bound exceeded, bad JSON, context too long",
  401: "Missing or invalid API key / JWT",
  404: "The model is not the one this server serves",
  408: "Headers and body did not arrive within REQUEST_BODY_TIMEOUT_MS (the socket is closed)",
  413: "Body above BODY_LIMIT_BYTES",
  415: "Content-Type is not application/json",
  429: "Tenant rate limit reached or the queue is full (Retry-After)",
  503: "Model not loaded, shutting down, or no free sequence in time (Retry-After)",
  504: "The request deadline (REQUEST_TIMEOUT_MS) passed while generating",
} as const;

export type ErrorStatus = keyof typeof ERROR_STATUSES;

/** Response schemas (OpenAI error body) for `statuses`, each with its description. */
export function errorResponses(statuses: readonly ErrorStatus[]): Record<number, unknown> {
  return Object.fromEntries(statuses.map((s) => [s, { ...errorBody, description: ERROR_STATUSES[s] }]));
}

/** The statuses of a route that takes a JSON body and generates. */
export const GENERATION_ERRORS: readonly ErrorStatus[] = [400, 401, 404, 408, 413, 415, 429, 503, 504];
