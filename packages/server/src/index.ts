/**
 * @ctxpress/server — the ctxpress HTTP service: `POST /v1/compress`, an OpenAI- and Anthropic-compatible compressing
 * proxy (`/v1/chat/completions`, `/v1/responses`, `/v1/messages`; every other `/v1` route relayed unchanged),
 * `GET /healthz` and Prometheus `GET /metrics`.
 * @module
 */
export { closeApp, createApp, VERSION } from './app.js';
export type { AppConfig, AppOptions, AccessLogEntry } from './app.js';
export { startServer } from './server.js';
export type { RunningServer } from './server.js';
export { ConfigError, DEFAULT_CONFIG, configFromEnv, configFromFile, loadConfig, resolveConfig } from './config.js';
export type { BudgetSpec, FailMode, LoadConfigSources, RawConfig, ServerConfig } from './config.js';
export { Metrics } from './metrics.js';
export type { ChatCompressor, ProxyChatOptions, ProxyKind, SkipReason } from './proxy.js';
export type { ErrorStyle } from './http.js';
export { COMPRESS_FORMATS } from './compress-request.js';
export type { CompressFormat } from './compress-request.js';
export { compactResult, RESPONSE_SHAPES, RESPONSE_TOO_LARGE } from './response-shape.js';
export type { CompactUnits, ResponseShape } from './response-shape.js';
/**
 * The request guards of the service, for other HTTP front doors that must apply the same rules (`ctxpress mcp --http`):
 * Host (DNS rebinding) and Origin checks, the JSON content-type rule, the size-limited body reader (413
 * PAYLOAD_TOO_LARGE) and the coded error responses.
 */
export { hostAllowed, isJsonContentType, originListed, sameOrigin } from './guard.js';
export { errorResponse, HttpError, readBody } from './http.js';
export { apiKeyCheck } from './api-keys.js';
export type { ApiKeyCheck } from './api-keys.js';
