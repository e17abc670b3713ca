// JSON schemas of the request bodies (validated by fastify/ajv with unknown fields rejected) and their
// TypeScript shapes. They also feed the OpenAPI document.

const samplingProperties = {
  max_tokens: { type: ["integer", "null"], minimum: 1 },
  temperature: { type: ["number", "null"], minimum: 0, maximum: 2 },
  top_p: { type: ["number", "null"], exclusiveMinimum: 0, maximum: 1 },
  seed: { type: ["integer", "null"] },
  stop: {
    anyOf: [
      { type: "string", minLength: 1 },
      { type: "array", items: { type: "string", minLength: 1 }, maxItems: 4 },
      { type: "null" },
    ],
  },
} as const;

const openAIProperties = {
  model: { type: "string", minLength: 1 },
  ...samplingProperties,
  presence_penalty: { type: ["number", "null"], minimum: -2, maximum: 2 },
  frequency_penalty: { type: ["number", "null"], minimum: -2, maximum: 2 },
  n: { type: ["integer", "null"], const: 1, description: "Only 1 is supported." },
  stream: { type: ["boolean", "null"] },
  stream_options: {
    type: ["object", "null"],
    additionalProperties: false,
    properties: { include_usage: { type: "boolean" } },
  },
  user: { type: "string" },
} as const;

const textPart = {
  type: "object",
  additionalProperties: false,
  required: ["type", "text"],
  properties: { type: { const: "text" }, text: { type: "string" } },
} as const;

export const chatCompletionBody = {
  type: "object",
  additionalProperties: false,
  required: ["model", "messages"],
  properties: {
    ...openAIProperties,
    max_completion_tokens: { type: ["integer", "null"], minimum: 1 },
    messages: {
      type: "array",
      minItems: 1,
      items: {
        type: "object",
        additionalProperties: false,
        required: ["role", "content"],
        properties: {
          role: { enum: ["system", "developer", "user", "assistant"] },
          content: { anyOf: [{ type: "string" }, { type: "array", items: textPart, minItems: 1 }] },
          name: { type: "string" },
        },
      },
    },
  },
} as const;

export const completionBody = {
  type: "object",
  additionalProperties: false,
  required: ["model", "prompt"],
  properties: {
    ...openAIProperties,
    prompt: {
      anyOf: [{ type: "string" }, { type: "array", items: { type: "string" }, minItems: 1, maxItems: 1 }],
    },
    echo: { type: "boolean", const: false },
  },
} as const;

/** The original design's simple API: POST /generate. */
export const generateBody = {
  type: "object",
  additionalProperties: false,
  required: ["prompt"],
  properties: {
    prompt: { type: "string", minLength: 1 },
    model_name: { type: "string" },
    max_length: { type: "integer", minimum: 1, description: "Maximum generated tokens." },
    ...samplingProperties,
  },
} as const;

export const batchGenerateBody = { type: "array", minItems: 1, items: generateBody } as const;

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

export const errorResponse = {
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

type Nullable<T> = T | null | undefined;

export interface SamplingBody {
  max_tokens?: Nullable<number>;
  temperature?: Nullable<number>;
  top_p?: Nullable<number>;
  seed?: Nullable<number>;
  stop?: Nullable<string | string[]>;
}

interface OpenAIBody extends SamplingBody {
  model: string;
  presence_penalty?: Nullable<number>;
  frequency_penalty?: Nullable<number>;
  n?: Nullable<number>;
  stream?: Nullable<boolean>;
  stream_options?: Nullable<{ include_usage?: boolean }>;
  user?: string;
}

export interface ChatCompletionBody extends OpenAIBody {
  max_completion_tokens?: Nullable<number>;
  messages: {
    role: "system" | "developer" | "user" | "assistant";
    content: string | { type: "text"; text: string }[];
    name?: string;
  }[];
}

export interface CompletionBody extends OpenAIBody {
  prompt: string | string[];
  echo?: boolean;
}

export interface GenerateBody extends SamplingBody {
  prompt: string;
  model_name?: string;
  max_length?: number;
}
