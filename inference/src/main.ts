// Entry point: config -> HTTP server (probes answer at once) -> model load -> ready. SIGTERM/SIGINT: not
// ready, finish in-flight work within SHUTDOWN_GRACE_MS, close, exit 0.
import { randomBytes } from "node:crypto";
import { buildApp } from "./app.js";
import { createJwtVerifier } from "./auth/jwt.js";
import { loadApiKeys, parseApiKeys } from "./auth/keys.js";
import { TenantRateLimiter } from "./auth/rate-limit.js";
import { ConfigError, loadConfig, type Config } from "./config.js";
import { EmbeddingEngine } from "./engine/embeddings.js";
import { Engine } from "./engine/engine.js";
import { Lifecycle } from "./lifecycle.js";
import { createLogger } from "./logger.js";
import { Metrics } from "./metrics/metrics.js";
import { resolveModel } from "./models/resolve.js";
import { setupTracing } from "./tracing.js";

function readConfig(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`configuration error: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

async function main(): Promise<void> {
  const config = readConfig();
  const logger = createLogger(config.logLevel);
  const tracing = setupTracing({ endpoint: config.otlpEndpoint, serviceName: config.serviceName });
  const metrics = new Metrics({ vllm: config.vllmMetrics });
  const lifecycle = new Lifecycle();
  const limiter = new TenantRateLimiter(config.rateLimitRpm, config.rateLimitTpm, (t) =>
    metrics.rateLimited(t),
  );

  let keys = await loadApiKeys(config.apiKeys, config.apiKeysFile);
  const jwt = await createJwtVerifier(config);
  if (keys.length === 0 && !jwt) {
    // Never serve unauthenticated: with no credentials configured, make one for this run and say so.
    const key = `sk-local-${randomBytes(18).toString("base64url")}`;
    keys = parseApiKeys(`local:${key}`, "generated");
    logger.warn(
      { tenant: "local", api_key: key },
      "no API_KEYS, API_KEYS_FILE or JWT key configured: generated an API key for this run",
    );
  }

  const app = await buildApp({ config, logger, lifecycle, metrics, limiter, tracing, keys, jwt });
  const url = await app.listen({ host: config.host, port: config.port });
  logger.info({ event: "listening", url }, "listening");

  let shuttingDown = false;
  const shutdown = async (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    lifecycle.phase = "draining";
    logger.info({ signal, in_flight: lifecycle.active }, "draining: not ready, finishing in-flight requests");
    const drained = await lifecycle.waitIdle(config.shutdownGraceMs);
    logger.info({ drained }, "in-flight work done");
    if (!drained) {
      logger.warn({ in_flight: lifecycle.active }, "grace period over: refusing queued requests");
      lifecycle.engine?.rejectQueued();
      lifecycle.embeddings?.rejectQueued();
    }
    // Nothing is in flight now: close the listener and every keep-alive socket (idle ones would otherwise
    // hold close() open until their keep-alive timeout).
    const closing = app.close();
    app.server.closeAllConnections();
    await closing;
    logger.info("http server closed");
    await lifecycle.engine?.dispose();
    await lifecycle.embeddings?.dispose();
    logger.info("engine disposed");
    await tracing.shutdown();
    logger.info("shut down");
    process.exit(0);
  };
  process.once("SIGTERM", () => void shutdown("SIGTERM"));
  process.once("SIGINT", () => void shutdown("SIGINT"));

  try {
    const modelPath = await resolveModel({
      model: config.model,
      cacheDir: config.modelCacheDir,
      download: config.modelDownload,
      sha256: config.modelSha256,
      log: (m) => logger.info(m),
    });
    logger.info({ model_path: modelPath }, "loading model");
    const engineOptions = {
      modelPath,
      modelName: config.modelName,
      gpu: config.gpu,
      gpuLayers: config.gpuLayers,
      contextSize: config.contextSize,
      sequences: config.sequences,
      threads: config.threads,
      batchSize: config.batchSize,
      queueSize: config.queueSize,
      onQueueChange: (running: number, waiting: number) => {
        metrics.setRunning(running);
        metrics.setWaiting(waiting);
      },
    };
    // MODEL_TYPE=embeddings: the same model file behind embedding contexts, serving /v1/embeddings only.
    const engine =
      config.modelType === "embeddings"
        ? (lifecycle.embeddings = await EmbeddingEngine.load(engineOptions))
        : (lifecycle.engine = await Engine.load(engineOptions));
    metrics.setModel(
      engine.info,
      engine.sequences,
      keys.map((k) => k.tenant),
    );
    if (lifecycle.phase === "loading") lifecycle.phase = "ready";
    logger.info({ event: "ready", ...engine.info, sequences: engine.sequences }, "model loaded: ready");
  } catch (err) {
    lifecycle.phase = "failed";
    lifecycle.failure = (err as Error).message;
    logger.error({ event: "model_failed", err }, `model failed to load: ${(err as Error).message}`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`fatal: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
