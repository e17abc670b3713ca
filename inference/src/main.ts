// Entry point: config -> HTTP server (probes answer at once) -> model load -> ready. SIGTERM/SIGINT: not
// ready, finish in-flight work within SHUTDOWN_GRACE_MS; what is still running then ends with 503 (a final
// SSE error event for streams) within SHUTDOWN_ABORT_MS; close, exit 0. A configuration error exits 2.
import { randomBytes } from "node:crypto";
import { buildApp } from "./app.js";
import { createJwtVerifier, type JwtVerifier } from "./auth/jwt.js";
import { loadApiKeys, parseApiKeys, type ApiKeyEntry } from "./auth/keys.js";
import { TenantRateLimiter } from "./auth/rate-limit.js";
import { TenantLabels } from "./auth/tenant-labels.js";
import { ConfigError, loadConfig, type Config } from "./config.js";
import { EmbeddingEngine } from "./engine/embeddings.js";
import { Engine } from "./engine/engine.js";
import { Lifecycle, SHUTDOWN_ABORT_MS } from "./lifecycle.js";
import { createLogger } from "./logger.js";
import { Metrics } from "./metrics/metrics.js";
import { resolveModel } from "./models/resolve.js";
import { SerialWork } from "./serial-work.js";
import { setupTracing } from "./tracing.js";

interface Settings {
  config: Config;
  keys: ApiKeyEntry[];
  jwt: JwtVerifier | undefined;
}

/** Everything read from the environment and the files it names; a problem exits 2 with one line, no stack. */
async function readSettings(): Promise<Settings> {
  try {
    const config = loadConfig();
    const keys = await loadApiKeys(config.apiKeys, config.apiKeysFile);
    const jwt = await createJwtVerifier(config);
    return { config, keys, jwt };
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`configuration error: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

async function main(): Promise<void> {
  const settings = await readSettings();
  const { config, jwt } = settings;
  let keys = settings.keys;
  const logger = createLogger(config.logLevel);
  const tracing = setupTracing({ endpoint: config.otlpEndpoint, serviceName: config.serviceName });
  const metrics = new Metrics({ vllm: config.vllmMetrics });
  const lifecycle = new Lifecycle();
  if (keys.length === 0 && !jwt) {
    // Never serve unauthenticated: with no credentials configured, make one for this run and say so.
    const key = `sk-local-${randomBytes(18).toString("base64url")}`;
    keys = parseApiKeys(`local:${key}`, "generated");
    logger.warn(
      { tenant: "local", api_key: key },
      "no API_KEYS, API_KEYS_FILE or JWT key configured: generated an API key for this run",
    );
  }

  const tenantLabels = new TenantLabels(
    keys.map((k) => k.tenant),
    config.metricsMaxTenants,
  );
  const limiter = new TenantRateLimiter(config.rateLimitRpm, config.rateLimitTpm, (t) =>
    metrics.rateLimited(tenantLabels.of(t)),
  );
  const prepareWork = new SerialWork(config.sequences + config.queueSize);
  if (config.shutdownGraceMs < config.requestTimeoutMs) {
    logger.info(
      { shutdown_grace_ms: config.shutdownGraceMs, request_timeout_ms: config.requestTimeoutMs },
      "requests still running SHUTDOWN_GRACE_MS after SIGTERM will end with 503 shutting_down",
    );
  }

  const app = await buildApp({
    config,
    logger,
    lifecycle,
    metrics,
    limiter,
    tracing,
    keys,
    jwt,
    tenantLabels,
    prepareWork,
  });
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
      // Queued requests get 503, running ones stop: non-streams answer 503, streams get a final error event.
      logger.warn(
        { in_flight: lifecycle.active },
        "grace period over: ending what is still in flight with 503",
      );
      lifecycle.expire();
      // Embedding requests are short and hold no stream: refusing the queued ones (503) is enough.
      lifecycle.embeddings?.rejectQueued();
      const ended = await lifecycle.waitIdle(SHUTDOWN_ABORT_MS);
      logger.info({ ended, in_flight: lifecycle.active }, "in-flight requests answered");
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
      onDecodeStep: (sequences: number, tokens: number) => metrics.decodeStep(sequences, tokens),
      onPromptCache: (cached: number) => metrics.promptCached(cached),
      promptCacheBytes: config.promptCacheBytes,
      promptCacheDir: config.promptCacheDir,
      onPromptCacheError: (err: unknown) =>
        logger.warn(
          { event: "prompt_cache_error", err },
          "prompt cache operation failed; prompt evaluated in full",
        ),
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
    logger.info(
      {
        event: "ready",
        ...engine.info,
        sequences: engine.sequences,
        threads: lifecycle.engine?.threads,
        cpu_features: engine.cpuFeatures,
      },
      "model loaded: ready",
    );
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
