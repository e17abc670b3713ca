// The life of one generation, shared by every API route: readiness, bounds, rate limit, prompt accounting,
// deadline, drain and client-disconnect abort, the gen_ai span, metrics and the summary log line. The cheap
// checks come first: a request is bounded and rate-limited before its prompt is rendered or tokenized.
import { SpanKind, SpanStatusCode, context, trace } from "@opentelemetry/api";
import type { FastifyReply, FastifyRequest } from "fastify";
import { randomUUID } from "node:crypto";
import type { TenantRateLimiter } from "./auth/rate-limit.js";
import type { Config, RequestLimits } from "./config.js";
import type {
  GenerationHooks,
  GenerationResult,
  PreparedPrompt,
  Prompt,
  SamplingParams,
} from "./engine/engine.js";
import { ApiError } from "./errors.js";
import type { Lifecycle } from "./lifecycle.js";
import type { Metrics } from "./metrics/metrics.js";
import type { SamplingBody } from "./routes/schemas.js";
import { abortError, requestSignals } from "./requestSignals.js";
import type { SerialWork } from "./serial-work.js";
import type { Tracing } from "./tracing.js";

export interface GenerationDeps {
  config: Config;
  lifecycle: Lifecycle;
  metrics: Metrics;
  limiter: TenantRateLimiter;
  tracing: Tracing;
  /** Where prompts are rendered and tokenized, one at a time. */
  prepareWork: SerialWork;
}

export interface GenerationRequest {
  route: string;
  operation: "chat" | "text_completion";
  prompt: Prompt;
  params: SamplingParams;
  hooks?: GenerationHooks;
  /** Aborts this generation from outside (e.g. a sibling in a batch failed). */
  signal?: AbortSignal;
  /** Prefix of `param` in errors about this prompt (`0.` for the first prompt of a batch). */
  paramPrefix?: string;
}

export interface Generation {
  id: string;
  model: string;
  created: number;
  result: GenerationResult;
}

/** A fresh OpenAI-style id (`chatcmpl-…`, `cmpl-…`). */
export const newId = (prefix: string): string => `${prefix}-${randomUUID().replace(/-/g, "")}`;

/** Sampling parameters shared by every route, with the cap on max_tokens applied. */
export function samplingParams(
  cfg: Config,
  body: SamplingBody,
  maxTokensParam = "max_tokens",
): SamplingParams {
  const maxTokens = body.max_tokens ?? cfg.defaultMaxTokens;
  if (maxTokens > cfg.maxTokensCap) {
    throw new ApiError(
      400,
      `${maxTokensParam} is ${maxTokens}, above this server's cap of ${cfg.maxTokensCap}.`,
      {
        param: maxTokensParam,
        code: "invalid_value",
      },
    );
  }
  const stop = body.stop == null ? undefined : typeof body.stop === "string" ? [body.stop] : body.stop;
  return {
    maxTokens,
    temperature: body.temperature ?? undefined,
    topP: body.top_p ?? undefined,
    seed: body.seed ?? undefined,
    stop,
    presencePenalty: body.presence_penalty ?? undefined,
    frequencyPenalty: body.frequency_penalty ?? undefined,
  };
}

/** 400 when the prompt text as a whole is longer than MAX_PROMPT_CHARS (each string is bounded by the schema). */
export function checkPromptSize(limits: RequestLimits, prompt: Prompt, paramPrefix = ""): void {
  const chars =
    prompt.kind === "chat" ? prompt.messages.reduce((n, m) => n + m.content.length, 0) : prompt.text.length;
  if (chars > limits.maxPromptChars) {
    const param = `${paramPrefix}${prompt.kind === "chat" ? "messages" : "prompt"}`;
    throw new ApiError(
      400,
      `'${param}' holds ${chars} characters of text, above this server's limit of ${limits.maxPromptChars} (MAX_PROMPT_CHARS).`,
      { param, code: "string_above_max_length" },
    );
  }
}

export async function runGeneration(
  deps: GenerationDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  job: GenerationRequest,
): Promise<Generation> {
  const engine = deps.lifecycle.requireEngine();
  const model = engine.info.model;
  checkPromptSize(deps.config.limits, job.prompt, job.paramPrefix);
  deps.limiter.admit(request.tenant);
  // In flight until the response is fully written (or abandoned), not just until the engine is done.
  reply.raw.once("close", deps.lifecycle.begin());

  const { client, deadline, drain, signal, detach } = requestSignals(
    deps.lifecycle,
    reply,
    deps.config.requestTimeoutMs,
    job.signal,
  );
  let prepared: PreparedPrompt;
  try {
    prepared = await deps.prepareWork.run(() => engine.prepare(job.prompt, job.params.maxTokens), signal);
  } catch (err) {
    detach();
    throw abortError(err, client);
  }

  const parent = request.span ? trace.setSpan(context.active(), request.span) : context.active();
  const span = deps.tracing.tracer.startSpan(
    `${job.operation} ${model}`,
    {
      kind: SpanKind.INTERNAL,
      attributes: {
        "gen_ai.operation.name": job.operation,
        "gen_ai.provider.name": "llama.cpp",
        "gen_ai.request.model": model,
        "gen_ai.request.max_tokens": job.params.maxTokens,
        ...(job.params.temperature !== undefined
          ? { "gen_ai.request.temperature": job.params.temperature }
          : {}),
        ...(job.params.topP !== undefined ? { "gen_ai.request.top_p": job.params.topP } : {}),
        ...(job.params.seed !== undefined ? { "gen_ai.request.seed": job.params.seed } : {}),
        "gen_ai.usage.input_tokens": prepared.promptTokens,
      },
    },
    parent,
  );
  const hooks: GenerationHooks = {
    ...job.hooks,
    onAdmitted: (s) => {
      deps.metrics.queueWait(s);
      job.hooks?.onAdmitted?.(s);
    },
    onFirstToken: (s) => deps.metrics.ttft(job.route, s),
    onTokenGap: (s) => deps.metrics.interToken(job.route, s),
  };

  try {
    const queueSignal =
      deps.config.queueTimeoutMs > 0
        ? AbortSignal.any([signal, AbortSignal.timeout(deps.config.queueTimeoutMs)])
        : signal;
    const result = await engine.generate(prepared, job.params, signal, hooks, queueSignal);
    deps.metrics.inference(job.route, result.inferenceSeconds);
    deps.metrics.tokens(job.route, request.tenantLabel, result.promptTokens, result.completionTokens);
    deps.limiter.charge(request.tenant, result.promptTokens + result.completionTokens);
    const id = newId(job.operation === "chat" ? "chatcmpl" : "cmpl");
    span.setAttributes({
      "gen_ai.response.id": id,
      "gen_ai.response.model": model,
      "gen_ai.response.finish_reasons": [result.finishReason],
      "gen_ai.usage.output_tokens": result.completionTokens,
    });
    request.log.info(
      {
        tenant: request.tenant,
        route: job.route,
        prompt_tokens: result.promptTokens,
        completion_tokens: result.completionTokens,
        finish_reason: result.finishReason,
        aborted: result.aborted,
        queue_ms: Math.round(result.queueSeconds * 1000),
        ttft_ms: result.ttftSeconds === undefined ? null : Math.round(result.ttftSeconds * 1000),
        inference_ms: Math.round(result.inferenceSeconds * 1000),
        ...(deps.config.logPrompts ? { prompt: job.prompt, completion: result.text } : {}),
      },
      "generation finished",
    );
    if (result.aborted && drain.aborted && !client.aborted) throw drain.reason;
    if (result.aborted && deadline.aborted && !client.aborted) {
      throw new ApiError(504, `The request exceeded the ${deps.config.requestTimeoutMs} ms deadline.`, {
        code: "timeout",
      });
    }
    return { id, model, created: Math.floor(Date.now() / 1000), result };
  } catch (err) {
    const apiErr = abortError(err, client);
    span.recordException(apiErr as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (apiErr as Error).message });
    throw apiErr;
  } finally {
    span.end();
    detach();
  }
}
