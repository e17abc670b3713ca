/**
 * Real traffic against the real server: streaming and non-streaming generations on the OpenAI and simple
 * routes, bad requests (400), model listing, and a burst from a second tenant that trips its rate limit.
 */
import { postJson, sseEvents } from "../../inference/support/http.js";

export interface TrafficKeys {
  /** Tenant sending steady traffic. */
  readonly steady: string;
  /** Tenant sending one burst larger than its requests/minute limit. */
  readonly burst: string;
}

export interface TrafficSummary {
  readonly byStatus: Record<number, number>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One request of the steady mix, chosen by `i`; returns its HTTP status. */
async function steadyRequest(url: string, key: string, model: string, i: number): Promise<number> {
  const chat = {
    model,
    messages: [{ role: "user", content: `Count to ${(i % 5) + 2}.` }],
    max_tokens: 8,
    temperature: 0,
  };
  switch (i % 4) {
    case 0: {
      const res = await postJson(`${url}/v1/chat/completions`, { ...chat, stream: true }, { key });
      if (!res.ok) {
        await res.text();
        return res.status;
      }
      for await (const event of sseEvents(res)) if (event === "[DONE]") break;
      return res.status;
    }
    case 1: {
      const res = await postJson(
        `${url}/v1/completions`,
        { model, prompt: "The sky is", max_tokens: 8 },
        { key },
      );
      await res.text();
      return res.status;
    }
    case 2: {
      const res = await postJson(`${url}/v1/chat/completions`, chat, { key });
      await res.text();
      return res.status;
    }
    default: {
      // A request the server must reject with 400 (max_tokens must be positive), and a model listing.
      const bad = await postJson(`${url}/v1/chat/completions`, { ...chat, max_tokens: -1 }, { key });
      await bad.text();
      const models = await fetch(`${url}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
      await models.text();
      return bad.status;
    }
  }
}

/** Sends traffic for `durationMs` and returns how many responses of each status it got. */
export async function runTraffic(
  url: string,
  keys: TrafficKeys,
  durationMs: number,
): Promise<TrafficSummary> {
  const byStatus: Record<number, number> = {};
  const count = (status: number): void => {
    byStatus[status] = (byStatus[status] ?? 0) + 1;
  };
  const listing = await fetch(`${url}/v1/models`, { headers: { authorization: `Bearer ${keys.steady}` } });
  const model = ((await listing.json()) as { data: { id: string }[] }).data[0]?.id;
  if (!model) throw new Error("GET /v1/models listed no model");
  const deadline = Date.now() + durationMs;
  const worker = async (offset: number): Promise<void> => {
    for (let i = offset; Date.now() < deadline; i += 1) {
      const status = await steadyRequest(url, keys.steady, model, i);
      count(status);
      if (status === 429) await sleep(500);
    }
  };
  const burst = async (): Promise<void> => {
    const body = { model, messages: [{ role: "user", content: "Hi" }], max_tokens: 4 };
    const statuses = await Promise.all(
      Array.from({ length: 16 }, async () => {
        const res = await postJson(`${url}/v1/chat/completions`, body, { key: keys.burst });
        await res.text();
        return res.status;
      }),
    );
    statuses.forEach(count);
  };
  await Promise.all([worker(0), worker(1), worker(2), burst()]);
  return { byStatus };
}
