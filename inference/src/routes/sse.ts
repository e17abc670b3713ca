// Server-sent events as the OpenAI API writes them: `data: <json>\n\n`, ending with `data: [DONE]`.
import type { FastifyReply } from "fastify";
import { PassThrough } from "node:stream";

export class SseStream {
  private readonly stream = new PassThrough();

  /** Sends the response headers and starts streaming. */
  constructor(reply: FastifyReply) {
    void reply
      .header("content-type", "text/event-stream; charset=utf-8")
      .header("cache-control", "no-cache")
      .header("x-accel-buffering", "no")
      .send(this.stream);
  }

  send(data: unknown): void {
    if (!this.stream.writableEnded) this.stream.write(`data: ${JSON.stringify(data)}\n\n`);
  }

  end(): void {
    if (this.stream.writableEnded) return;
    this.stream.write("data: [DONE]\n\n");
    this.stream.end();
  }
}
