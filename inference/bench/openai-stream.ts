// The streaming client both HTTP servers are driven with: POST /v1/chat/completions with stream: true, read
// the SSE chunks, time each one that carries text, and take the token count from the final usage chunk
// (falling back to the number of text chunks when a server sends none).
import { postJson, sseEvents } from "../../test/inference/support/http.js";
import { arrivalClock, type Completion } from "./engine.js";
import type { Prompt } from "./prompts.js";

interface ChatChunk {
  choices?: { delta?: { content?: string | null } }[];
  usage?: { completion_tokens?: number } | null;
}

export async function streamChat(
  url: string,
  opts: { apiKey?: string; model: string; prompt: Prompt; maxTokens: number; signal: AbortSignal },
): Promise<Completion> {
  const clock = arrivalClock();
  const res = await postJson(
    `${url}/v1/chat/completions`,
    {
      model: opts.model,
      messages: [
        { role: "system", content: opts.prompt.system },
        { role: "user", content: opts.prompt.user },
      ],
      max_tokens: opts.maxTokens,
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
    },
    { ...(opts.apiKey ? { key: opts.apiKey } : {}), signal: opts.signal },
  );
  if (res.status !== 200) throw new Error(`${url}: HTTP ${res.status}: ${(await res.text()).slice(0, 500)}`);
  let chunks = 0;
  let usageTokens: number | undefined;
  for await (const data of sseEvents(res)) {
    if (data === "[DONE]") break;
    const chunk = JSON.parse(data) as ChatChunk;
    const text = chunk.choices?.[0]?.delta?.content;
    if (typeof text === "string" && text !== "") {
      clock.arrived();
      chunks++;
    }
    if (typeof chunk.usage?.completion_tokens === "number") usageTokens = chunk.usage.completion_tokens;
  }
  clock.result.tokens = usageTokens ?? chunks;
  return clock.result;
}
