/**
 * `createApp(config)`: the Hono app with every route. Pure — it does not listen and reads no process globals.
 * @module
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Hono } from 'hono';
import { planCompress } from './compress-request.js';
import { resolveConfig, type RawConfig, type ServerConfig } from './config.js';
import { CompressionQueue, errorResponse, failureReason, HttpError, parseJsonBody, readBody, responseForError, TimeoutError, withTimeLimit } from './http.js';
import { Metrics } from './metrics.js';
import { proxyRequest, type ChatCompressor } from './proxy.js';

/** One line per request for the access log: never headers or bodies. */
export interface AccessLogEntry {
  readonly method: string;
  readonly route: string;
  readonly status: number;
  readonly ms: number;
}

export interface AppOptions {
  /** Metrics registry (default: a new one). Pass one to share it, or to read it in tests. */
  readonly metrics?: Metrics;
  /** The proxy's chat compressor (default `compressChat` of @ctxpress/node). A test hook, or a way to add a cache. */
  readonly compressChat?: ChatCompressor;
  /** Called once per finished request. */
  readonly log?: (entry: AccessLogEntry) => void;
}

/** What `createApp` accepts: a resolved `ServerConfig` or raw values to validate (`resolveConfig`). */
export type AppConfig = ServerConfig | RawConfig;

/** The package version, for `/healthz`. */
export const VERSION: string = (() => {
  try {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
    return manifest.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
})();

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** The API key the caller sent: `authorization: Bearer K` or `x-api-key: K`. */
function callerKey(headers: Headers): string | undefined {
  const authorization = headers.get('authorization');
  const match = authorization === null ? null : /^Bearer\s+(.+)$/i.exec(authorization.trim());
  if (match) return match[1]!.trim();
  return headers.get('x-api-key')?.trim() || undefined;
}

const ROUTES = ['/healthz', '/metrics', '/v1/compress', '/v1/chat/completions', '/v1/messages'];

/**
 * Builds the service.
 *
 * @example
 * const app = createApp({ upstream: 'https://api.openai.com', budget: { ratio: 4 } });
 * const res = await app.request('/v1/compress', { method: 'POST', body: JSON.stringify({ text, budget: { tokens: 500 } }) });
 */
export function createApp(config: AppConfig = {}, options: AppOptions = {}): Hono {
  const resolved = resolveConfig(config as RawConfig);
  const metrics = options.metrics ?? new Metrics();
  const compressChat: ChatCompressor =
    options.compressChat ?? (async (messages, chatOptions) => (await import('@ctxpress/node')).compressChat(messages, chatOptions));
  const keyDigests = resolved.apiKeys.map(digest);
  const queue = new CompressionQueue();
  metrics.queueDepth = () => queue.depth;
  /** Every compression goes through the queue; its time limit counts the wait. */
  const limited = <T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> => {
    const deadline = performance.now() + resolved.timeoutMs;
    return withTimeLimit(() => queue.run(work, deadline), resolved.timeoutMs);
  };
  const queuedChat: ChatCompressor = (messages, chatOptions) => queue.run(() => compressChat(messages, chatOptions), performance.now() + resolved.timeoutMs);
  const app = new Hono();

  // Metrics and access log around everything; the route label is the pattern, or "unmatched".
  app.use('*', async (c, next) => {
    const start = performance.now();
    await next();
    const route = ROUTES.includes(c.req.path) ? c.req.path : 'unmatched';
    const ms = performance.now() - start;
    metrics.request(route, c.req.method, c.res.status, ms / 1000);
    options.log?.({ method: c.req.method, route, status: c.res.status, ms: Math.round(ms * 10) / 10 });
  });

  // API keys: every route but /healthz and /metrics.
  app.use('*', async (c, next) => {
    if (keyDigests.length === 0 || c.req.path === '/healthz' || c.req.path === '/metrics') return next();
    const key = callerKey(c.req.raw.headers);
    const given = key === undefined ? undefined : digest(key);
    if (given === undefined || !keyDigests.some((expected) => timingSafeEqual(expected, given))) {
      return errorResponse(401, 'UNAUTHORIZED', 'a valid API key is required (authorization: Bearer KEY, or x-api-key: KEY).', {
        'www-authenticate': 'Bearer',
      });
    }
    return next();
  });

  app.get('/healthz', (c) => c.json({ status: 'ok', version: VERSION }));
  app.get('/metrics', () => new Response(metrics.render(), { headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' } }));

  app.post('/v1/compress', async (c) => {
    const body = parseJsonBody(await readBody(c.req.raw, resolved.maxBodyBytes));
    const job = planCompress(body);
    try {
      const { value: result } = await limited(job.run);
      metrics.compressed('/v1/compress', result.tokens.original, result.tokens.compressed);
      return c.json(result);
    } catch (error) {
      metrics.failure(failureReason(error));
      if (error instanceof TimeoutError) throw new HttpError(504, 'TIMEOUT', error.message);
      throw error;
    }
  });

  app.post('/v1/chat/completions', (c) => proxyRequest(c.req.raw, 'openai', '/v1/chat/completions', { config: resolved, metrics, compressChat: queuedChat }));
  app.post('/v1/messages', (c) => proxyRequest(c.req.raw, 'anthropic', '/v1/messages', { config: resolved, metrics, compressChat: queuedChat }));

  app.notFound((c) =>
    ROUTES.includes(c.req.path)
      ? errorResponse(405, 'METHOD_NOT_ALLOWED', `${c.req.method} is not allowed on ${c.req.path}.`)
      : errorResponse(404, 'NOT_FOUND', `no route ${c.req.method} ${c.req.path}.`),
  );
  app.onError((error) => responseForError(error));
  return app;
}
