/**
 * @ctxpress/server — the ctxpress HTTP service: `POST /v1/compress`, an OpenAI- and Anthropic-compatible compressing
 * proxy (`/v1/chat/completions`, `/v1/messages`), `GET /healthz` and Prometheus `GET /metrics`.
 * @module
 */
export { closeApp, createApp, VERSION } from './app.js';
export type { AppConfig, AppOptions, AccessLogEntry } from './app.js';
export { startServer } from './server.js';
export type { RunningServer } from './server.js';
export { ConfigError, DEFAULT_CONFIG, configFromEnv, configFromFile, loadConfig, resolveConfig } from './config.js';
export type { BudgetSpec, FailMode, LoadConfigSources, RawConfig, ServerConfig } from './config.js';
export { Metrics } from './metrics.js';
export type { ChatCompressor, ProxyChatOptions, ProxyKind } from './proxy.js';
export { COMPRESS_FORMATS } from './compress-request.js';
export type { CompressFormat } from './compress-request.js';
