/**
 * `createApp(config)`: the Hono app with every route. Pure — it does not listen and reads no process globals.
 * @module
 */
import { readFileSync } from 'node:fs';
import { Hono } from 'hono';
import type { NodeCacheOption, OwnedCacheStore } from '@ctxpress/node';
import { apiKeyCheck } from './api-keys.js';
import { cacheSpec } from './cache-spec.js';
import { isCtxpressError, type CompressionSummary } from '@ctxpress/core';
import { planCompress } from './compress-request.js';
import { resolveConfig, type RawConfig, type ServerConfig } from './config.js';
import {
  CompressionQueue,
  errorResponse,
  failureReason,
  HttpError,
  parseJsonBody,
  readBody,
  responseForError,
  TimeoutError,
  withTimeLimit,
  type ErrorStyle,
} from './http.js';
import { hostAllowed, isJsonContentType, originListed, sameOrigin } from './guard.js';
import { Metrics } from './metrics.js';
import { playgroundHandler } from './playground/page.js';
import { estimateJsonBytes, isResponseTooLarge, RESPONSE_TOO_LARGE, responseLimit, responseTooLarge } from './response-shape.js';
import { passthroughRequest, proxyRequest, type ChatCompressor, type ProxyContext } from './proxy.js';
import { CompressionWorkerPool } from './worker-pool.js';

/** The service's app: a Hono app that owns what it starts (worker threads, cache stores) and releases it in `close()`. */
export type CtxpressApp = Hono & {
  /** Starts the worker threads now rather than on the first requests (`startServer` does). */
  warm(): void;
  /** Stops the worker threads and closes the cache stores the app opened. Idle, neither keeps the process alive. */
  close(): Promise<void>;
};

/** Same as `app.warm()` (kept for callers written before the app had it). */
export function warmApp(app: CtxpressApp): void {
  app.warm();
}

/** Same as `app.close()` (kept for callers written before the app had it). */
export async function closeApp(app: CtxpressApp): Promise<void> {
  await app.close();
}

/** One line per request for the access log: never headers or bodies. */
export interface AccessLogEntry {
  readonly method: string;
  /** The route pattern: a ctxpress route, `passthrough` (relayed under /v1) or `unmatched`. */
  readonly route: string;
  readonly status: number;
  readonly ms: number;
  /** Proxy routes: what ctxpress did (the `x-ctxpress-*` response headers), without any prompt content. */
  readonly proxy?: {
    readonly status: string;
    /** Why it skipped, or the failure reason. */
    readonly reason?: string;
    readonly tokensBefore?: number;
    readonly tokensAfter?: number;
  };
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

/** Does a /v1/compress body have a regular expression (`"/re/flags"`) in `keep`? */
function hasRegexKeep(body: unknown): boolean {
  const keep = typeof body === 'object' && body !== null ? (body as { keep?: unknown }).keep : undefined;
  return Array.isArray(keep) && keep.some((pattern) => typeof pattern === 'string' && pattern.startsWith('/') && pattern.lastIndexOf('/') >= 2);
}

/**
 * Requests over this size (the body of /v1/compress, the messages of a proxied chat) and /v1/compress requests with a
 * regular expression in keep are heavy: they run on all worker threads but one (worker-pool.ts), so a few slow inputs
 * cannot stall every other request.
 */
export const HEAVY_REQUEST_BYTES = 128 * 1024;

/** ctxpress's own routes: they take precedence over the passthrough, and other methods on them answer 405. */
const OWN_ROUTES = ['/', '/healthz', '/metrics', '/v1/compress'];
const ROUTES = [...OWN_ROUTES, '/v1/chat/completions', '/v1/responses', '/v1/messages'];
/** Routes whose body is JSON: only `application/json` is accepted (a cross-site form or `text/plain` POST is refused). */
const JSON_ROUTES = ['/v1/compress', '/v1/chat/completions', '/v1/responses', '/v1/messages'];

/**
 * The error shape a request gets: ctxpress's own on its routes, Anthropic's on `/v1/messages…`, `/v1/complete` and any
 * request with an `anthropic-version` header (the Anthropic SDK always sends one), OpenAI's on the rest of `/v1`.
 */
export function errorStyleOf(path: string, headers: Headers): ErrorStyle {
  if (OWN_ROUTES.includes(path) || !path.startsWith('/v1/')) return 'ctxpress';
  if (path === '/v1/messages' || path.startsWith('/v1/messages/') || path === '/v1/complete' || headers.has('anthropic-version')) return 'anthropic';
  return 'openai';
}

/** The metrics and log label of a path: a route pattern, `passthrough` (anything else under /v1) or `unmatched`. */
function routeLabel(path: string): string {
  if (ROUTES.includes(path)) return path;
  return path.startsWith('/v1/') ? 'passthrough' : 'unmatched';
}

/** What the proxy did, from its response headers (for the access log). */
function proxyLogOf(headers: Headers): AccessLogEntry['proxy'] {
  const status = headers.get('x-ctxpress-status');
  if (status === null) return undefined;
  const reason = headers.get('x-ctxpress-reason') ?? headers.get('x-ctxpress-error');
  const before = headers.get('x-ctxpress-tokens-before');
  const after = headers.get('x-ctxpress-tokens-after');
  return {
    status,
    ...(reason === null ? {} : { reason }),
    ...(before === null ? {} : { tokensBefore: Number(before) }),
    ...(after === null ? {} : { tokensAfter: Number(after) }),
  };
}

/**
 * Builds the service.
 *
 * @example
 * const app = createApp({ upstream: 'https://api.openai.com', budget: { ratio: 4 } });
 * const res = await app.request('/v1/compress', { method: 'POST', body: JSON.stringify({ text, budget: { tokens: 500 } }) });
 */
export function createApp(config: AppConfig = {}, options: AppOptions = {}): CtxpressApp {
  const resolved = resolveConfig(config as RawConfig);
  const metrics = options.metrics ?? new Metrics();
  const apiKeys = apiKeyCheck(resolved.apiKeys);
  // The segment cache of the in-thread compressions: one store per app (memory, a directory or Redis), made on first
  // use and closed by app.close(); worker threads open their own from the same spec (compress-worker.ts).
  let store: Promise<OwnedCacheStore> | undefined;
  const cache = async (): Promise<NodeCacheOption | undefined> => {
    const spec = resolved.cache;
    if (spec === undefined) return undefined;
    return (store ??= import('@ctxpress/node').then((node) => node.createCacheStore(cacheSpec(spec, resolved.cacheMaxBytes))));
  };
  const compressContext = {
    cache,
    onCacheEvent: (event: { type: 'hit' | 'miss' }) => metrics.cache(event.type === 'hit'),
    regexKeep: resolved.regexKeep,
  };
  // the proxy's compressor: @ctxpress/node's compressChat with the same cache (unless a test hook replaces it)
  const compressChat: ChatCompressor =
    options.compressChat ??
    (async (messages, chatOptions) => {
      const node = await import('@ctxpress/node');
      const store = await cache();
      return node.compressChat(messages, store === undefined ? chatOptions : { ...chatOptions, cache: store, onCacheEvent: compressContext.onCacheEvent });
    });
  /** What a worker needs to open the same cache. */
  const workerCache = {
    ...(resolved.cache === undefined ? {} : { cache: resolved.cache }),
    ...(resolved.cacheMaxBytes === undefined ? {} : { cacheMaxBytes: resolved.cacheMaxBytes }),
  };
  const countCache = (reply: { hits: number; misses: number }): void => {
    if (reply.hits > 0) metrics.cacheHits.inc({}, reply.hits);
    if (reply.misses > 0) metrics.cacheMisses.inc({}, reply.misses);
  };
  const queue = new CompressionQueue();
  // Worker threads when configured (and for chat unless a test hook replaces the compressor); else the in-thread queue.
  const pool = resolved.workers > 0 ? new CompressionWorkerPool(resolved.workers) : undefined;
  // With workers: 0, a request with a regular expression in keep still runs in a (single, lazily started) worker: a
  // match cannot be interrupted on the event loop, and a thread past the time limit can be terminated (ADR 0013).
  let regexPool: CompressionWorkerPool | undefined;
  metrics.queueDepth = () => queue.depth + (pool?.depth ?? 0);
  /** Every compression goes through the queue; its time limit counts the wait. */
  const limited = <T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> => {
    const deadline = performance.now() + resolved.timeoutMs;
    return withTimeLimit(() => queue.run(work, deadline), resolved.timeoutMs);
  };
  const queuedChat: ChatCompressor =
    pool !== undefined && options.compressChat === undefined
      ? async (messages, chatOptions) => {
          const heavy = estimateJsonBytes(messages, HEAVY_REQUEST_BYTES) > HEAVY_REQUEST_BYTES;
          const reply = await pool.run({ kind: 'chat', messages, options: chatOptions, ...workerCache }, performance.now() + resolved.timeoutMs, { heavy });
          countCache(reply);
          return reply.value as Awaited<ReturnType<ChatCompressor>>;
        }
      : // in-thread: the library stops itself at the time limit (TIME_LIMIT, failed open like a timeout) instead of
        // holding the event loop; a test hook (options.compressChat) gets the options as the proxy built them
        (messages, chatOptions) =>
          queue.run(
            () => compressChat(messages, options.compressChat === undefined ? { ...chatOptions, timeLimitMs: resolved.timeoutMs } : chatOptions),
            performance.now() + resolved.timeoutMs,
          );
  const app = Object.assign(new Hono(), {
    warm(): void {
      pool?.start();
    },
    async close(): Promise<void> {
      await Promise.all([pool?.close(), regexPool?.close(), store?.then((opened) => opened.close())]);
    },
  });

  // Metrics and access log around everything; the route label is the pattern, or "unmatched".
  app.use('*', async (c, next) => {
    const start = performance.now();
    await next();
    const route = routeLabel(c.req.path);
    const ms = performance.now() - start;
    metrics.request(route, c.req.method, c.res.status, ms / 1000);
    const proxy = options.log === undefined ? undefined : proxyLogOf(c.res.headers);
    options.log?.({ method: c.req.method, route, status: c.res.status, ms: Math.round(ms * 10) / 10, ...(proxy === undefined ? {} : { proxy }) });
  });

  // Host and Origin (docs: README "Security"): DNS rebinding and cross-site pages must not reach the routes.
  app.use('*', async (c, next) => {
    const headers = c.req.raw.headers;
    const style = errorStyleOf(c.req.path, headers);
    const host = headers.get('host') ?? new URL(c.req.url).host;
    if (!hostAllowed(host, resolved.host, resolved.allowedHosts)) {
      return errorResponse(
        403,
        'HOST_NOT_ALLOWED',
        `this service does not answer for host ${JSON.stringify(host.slice(0, 100))} (add it to allowedHosts / --allowed-host / CTXPRESS_ALLOWED_HOSTS).`,
        {},
        style,
      );
    }
    const origin = headers.get('origin');
    if (origin === null) {
      // no Origin: not a browser, or a browser's no-cors request (`<img src>`, `<script src>`, a link). Browsers mark
      // those from other sites with Sec-Fetch-Site; only a navigation to the playground page is let through.
      const site = headers.get('sec-fetch-site');
      const navigation = headers.get('sec-fetch-mode') === 'navigate' && c.req.path === '/' && (c.req.method === 'GET' || c.req.method === 'HEAD');
      if ((site === 'cross-site' || site === 'same-site') && !navigation) {
        return errorResponse(403, 'ORIGIN_NOT_ALLOWED', 'requests from other sites without an Origin header are not allowed.', {}, style);
      }
      return next();
    }
    if (sameOrigin(origin, host)) return next();
    if (!originListed(origin, resolved.allowedOrigins)) {
      return errorResponse(
        403,
        'ORIGIN_NOT_ALLOWED',
        `requests from web pages of ${JSON.stringify(origin.slice(0, 100))} are not allowed (add it to allowedOrigins / --allowed-origin / CTXPRESS_ALLOWED_ORIGINS).`,
        {},
        style,
      );
    }
    // an allowed cross-origin page: CORS (preflight answered here, before the API key check: browsers send no key with it)
    const cors: Record<string, string> = { 'access-control-allow-origin': origin, vary: 'origin' };
    if (c.req.method === 'OPTIONS' && headers.has('access-control-request-method')) {
      return new Response(null, {
        status: 204,
        headers: {
          ...cors,
          'access-control-allow-methods': 'GET, HEAD, POST, OPTIONS',
          'access-control-allow-headers': headers.get('access-control-request-headers') ?? 'authorization, content-type, x-api-key',
          'access-control-max-age': '600',
        },
      });
    }
    await next();
    for (const [name, value] of Object.entries(cors)) c.res.headers.set(name, value);
    c.res.headers.set(
      'access-control-expose-headers',
      'x-ctxpress-status, x-ctxpress-reason, x-ctxpress-error, x-ctxpress-tokens-before, x-ctxpress-tokens-after',
    );
  });

  // API keys: every route but /healthz, /metrics and the playground page (GET/HEAD /; it sends the key it is given).
  app.use('*', async (c, next) => {
    const page = c.req.path === '/' && (c.req.method === 'GET' || c.req.method === 'HEAD');
    if (!apiKeys.required || page || c.req.path === '/healthz' || c.req.path === '/metrics') return next();
    if (!apiKeys.allows(c.req.raw.headers)) {
      return errorResponse(
        401,
        'UNAUTHORIZED',
        'a valid API key is required (authorization: Bearer KEY, or x-api-key: KEY).',
        { 'www-authenticate': 'Bearer' },
        errorStyleOf(c.req.path, c.req.raw.headers),
      );
    }
    return next();
  });

  // JSON routes take JSON only: what the OpenAI and Anthropic SDKs send (`application/json`), the playground too.
  app.use('*', async (c, next) => {
    if (c.req.method !== 'POST' || !JSON_ROUTES.includes(c.req.path) || isJsonContentType(c.req.raw.headers.get('content-type'))) return next();
    return errorResponse(
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      `${c.req.path} accepts only content-type: application/json.`,
      {},
      errorStyleOf(c.req.path, c.req.raw.headers),
    );
  });

  app.get('/', playgroundHandler({ apiKeyRequired: apiKeys.required }));
  app.get('/healthz', (c) => c.json({ status: 'ok', version: VERSION }));
  app.get('/metrics', () => new Response(metrics.render(), { headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' } }));

  app.post('/v1/compress', async (c) => {
    const raw = await readBody(c.req.raw, resolved.maxBodyBytes);
    const body = parseJsonBody(raw);
    // the response may be at most maxResponseRatio × the request (at least 1 MiB, at most maxResponseBytes): 413 above
    const limit = responseLimit(raw.byteLength, resolved.maxResponseRatio, resolved.maxResponseBytes);
    const workers = pool ?? (hasRegexKeep(body) && resolved.regexKeep !== 'none' ? (regexPool ??= new CompressionWorkerPool(1)) : undefined);
    // in-thread work stops itself at the time limit (a worker is terminated instead)
    const inThreadLimit = workers === undefined ? { timeLimitMs: resolved.timeoutMs } : {};
    const job = planCompress(body, { ...compressContext, ...inThreadLimit, responseLimit: limit }); // a bad request is a 400 here, before any worker
    let workerFormat: string | undefined; // the compressor the worker's run resolved to
    const inWorker = async (): Promise<CompressionSummary> => {
      const reply = await workers!.run(
        { kind: 'compress', body, regexKeep: resolved.regexKeep, responseLimit: limit, ...workerCache },
        performance.now() + resolved.timeoutMs,
        { heavy: raw.byteLength > HEAVY_REQUEST_BYTES || hasRegexKeep(body) },
      );
      countCache(reply);
      workerFormat = reply.format;
      return reply.value as CompressionSummary;
    };
    try {
      const { value: result } = workers === undefined ? await limited(job.run) : await withTimeLimit(inWorker, resolved.timeoutMs);
      const json = JSON.stringify(result);
      // the estimate (before the JSON was built) counts UTF-16 units; the JSON's own UTF-8 size decides
      const bytes = Buffer.byteLength(json);
      if (bytes > limit) throw responseTooLarge(bytes, limit, false);
      metrics.compressed('/v1/compress', result.tokens.original, result.tokens.compressed);
      // which compressor ran (`format: auto` detects JSON and logs in a text), as the run resolved it: no second scan
      // of the text on the event loop
      const format = workerFormat ?? job.format;
      const headers: Record<string, string> = { 'content-type': 'application/json', ...(format === undefined ? {} : { 'x-ctxpress-format': format }) };
      return new Response(json, { status: 200, headers });
    } catch (error) {
      metrics.failure(failureReason(error));
      if (error instanceof TimeoutError) throw new HttpError(504, 'TIMEOUT', error.message);
      if (isCtxpressError(error) && error.code === 'TIME_LIMIT') throw new HttpError(504, 'TIMEOUT', error.message);
      if (isResponseTooLarge(error)) throw new HttpError(413, RESPONSE_TOO_LARGE, (error as Error).message);
      throw error;
    }
  });

  const proxyContext: ProxyContext = { config: resolved, metrics, compressChat: queuedChat };
  app.post('/v1/chat/completions', (c) => proxyRequest(c.req.raw, 'openai', '/v1/chat/completions', proxyContext));
  app.post('/v1/responses', (c) => proxyRequest(c.req.raw, 'openai-responses', '/v1/responses', proxyContext));
  app.post('/v1/messages', (c) => proxyRequest(c.req.raw, 'anthropic', '/v1/messages', proxyContext));
  // everything else under /v1 (other methods on the proxied routes too) is relayed unchanged
  app.all('/v1/*', (c) => {
    if (OWN_ROUTES.includes(c.req.path)) return errorResponse(405, 'METHOD_NOT_ALLOWED', `${c.req.method} is not allowed on ${c.req.path}.`);
    return passthroughRequest(c.req.raw, 'passthrough', errorStyleOf(c.req.path, c.req.raw.headers), proxyContext);
  });

  app.notFound((c) =>
    OWN_ROUTES.includes(c.req.path)
      ? errorResponse(405, 'METHOD_NOT_ALLOWED', `${c.req.method} is not allowed on ${c.req.path}.`)
      : errorResponse(404, 'NOT_FOUND', `no route ${c.req.method} ${c.req.path}.`, {}, errorStyleOf(c.req.path, c.req.raw.headers)),
  );
  app.onError((error, c) => responseForError(error, errorStyleOf(c.req.path, c.req.raw.headers), c.req.raw.signal.aborted));
  return app;
}
