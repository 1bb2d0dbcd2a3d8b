/**
 * The compressing proxy: `POST /v1/chat/completions` (OpenAI) and `POST /v1/messages` (Anthropic). Compresses
 * `messages` with `compressChat`, forwards everything else untouched to the configured upstream, and streams the answer
 * back. Fail-open by default: a compression that throws or runs out of time forwards the original request.
 * @module
 */
import type { ChatCompressionResult } from '@ctxpress/core';
import { CtxpressError } from '@ctxpress/core';
import { budgetOf, type BudgetSpec, type ServerConfig } from './config.js';
import { errorResponse, failureReason, HttpError, readBody, withTimeLimit } from './http.js';
import type { Metrics } from './metrics.js';

export type ProxyKind = 'openai' | 'anthropic';

/** Options the proxy passes to the chat compressor. */
export interface ProxyChatOptions {
  readonly budget: BudgetSpec;
  readonly format: 'openai' | 'anthropic';
  readonly tokenizer?: string;
  readonly system?: string;
  readonly keepLastTurns?: number;
  readonly prefixStable?: boolean;
}

/** The chat compressor (`compressChat` of @ctxpress/node by default; tests inject one that fails). */
export type ChatCompressor = (messages: readonly unknown[], options: ProxyChatOptions) => Promise<ChatCompressionResult>;

export interface ProxyContext {
  readonly config: ServerConfig;
  readonly metrics: Metrics;
  readonly compressChat: ChatCompressor;
}

/** Request headers that are never forwarded: hop-by-hop, recomputed, credentials, and ctxpress's own controls. */
const DROP_REQUEST = new Set([
  'host',
  'connection',
  'keep-alive',
  'proxy-authorization',
  'proxy-authenticate',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'content-length',
  'accept-encoding',
  'authorization',
  'x-api-key',
  'cookie',
  'expect',
]);
/** Response headers that are not passed back: hop-by-hop, and the body encoding fetch has already undone. */
const DROP_RESPONSE = new Set(['connection', 'keep-alive', 'transfer-encoding', 'trailer', 'upgrade', 'content-encoding', 'content-length']);

const BUDGET_FIELDS = new Set(['budget', 'keepLastTurns', 'prefixStable']);

interface Controls {
  readonly budget?: BudgetSpec;
  readonly keepLastTurns?: number;
  readonly prefixStable?: boolean;
}

function badControl(message: string): HttpError {
  return new HttpError(400, 'INVALID_OPTION', message);
}

/** Per-request controls from `x-ctxpress-budget` / `x-ctxpress-ratio` and the body's `ctxpress` field (the field wins). */
function controlsOf(headers: Headers, field: unknown): Controls {
  let budget: BudgetSpec | undefined;
  const tokensHeader = headers.get('x-ctxpress-budget');
  const ratioHeader = headers.get('x-ctxpress-ratio');
  if (tokensHeader !== null && ratioHeader !== null) throw badControl('give x-ctxpress-budget or x-ctxpress-ratio, not both.');
  if (tokensHeader !== null) {
    budget = budgetOf({ tokens: /^\d+$/.test(tokensHeader.trim()) ? Number(tokensHeader.trim()) : NaN });
    if (budget === undefined) throw new HttpError(400, 'INVALID_BUDGET', 'x-ctxpress-budget must be a token count (integer ≥ 1).');
  }
  if (ratioHeader !== null) {
    budget = budgetOf({ ratio: /^\d+(\.\d+)?$/.test(ratioHeader.trim()) ? Number(ratioHeader.trim()) : NaN });
    if (budget === undefined) throw new HttpError(400, 'INVALID_BUDGET', 'x-ctxpress-ratio must be a number ≥ 1.');
  }
  if (field === undefined) return budget === undefined ? {} : { budget };
  if (typeof field !== 'object' || field === null || Array.isArray(field))
    throw badControl('ctxpress must be an object { budget?, keepLastTurns?, prefixStable? }.');
  const record = field as Record<string, unknown>;
  const unknown = Object.keys(record).filter((key) => !BUDGET_FIELDS.has(key));
  if (unknown.length > 0) throw badControl(`ctxpress: unknown field(s) ${unknown.join(', ')}; known: budget, keepLastTurns, prefixStable.`);
  if (record['budget'] !== undefined) {
    budget = budgetOf(record['budget']);
    if (budget === undefined) throw new HttpError(400, 'INVALID_BUDGET', 'ctxpress.budget must be { "tokens": N } (integer ≥ 1) or { "ratio": R } (≥ 1).');
  }
  const { keepLastTurns, prefixStable } = record;
  if (keepLastTurns !== undefined && !(typeof keepLastTurns === 'number' && Number.isSafeInteger(keepLastTurns) && keepLastTurns >= 0)) {
    throw badControl('ctxpress.keepLastTurns must be an integer ≥ 0.');
  }
  if (prefixStable !== undefined && typeof prefixStable !== 'boolean') throw badControl('ctxpress.prefixStable must be true or false.');
  return {
    ...(budget === undefined ? {} : { budget }),
    ...(keepLastTurns === undefined ? {} : { keepLastTurns: keepLastTurns as number }),
    ...(prefixStable === undefined ? {} : { prefixStable: prefixStable as boolean }),
  };
}

/** The upstream URL for an incoming path: the configured base, then the path (one `/v1` when both have it), then the query. */
export function upstreamUrl(base: string, incoming: URL): string {
  const basePath = new URL(base).pathname.replace(/\/+$/, '');
  const path = basePath.endsWith('/v1') && incoming.pathname.startsWith('/v1/') ? incoming.pathname.slice(3) : incoming.pathname;
  return `${base}${path}${incoming.search}`;
}

/** Anthropic's top-level `system` as text (a string, or the text of its content blocks), for counting. */
function systemText(system: unknown): string | undefined {
  if (typeof system === 'string') return system;
  if (Array.isArray(system)) {
    return system.map((block) => (typeof block === 'object' && block !== null && typeof block.text === 'string' ? (block.text as string) : '')).join('\n');
  }
  return undefined;
}

type Outcome =
  | { readonly status: 'compressed'; readonly before: number; readonly after: number; readonly ms: number }
  | { readonly status: 'skipped' }
  | { readonly status: 'failed-open'; readonly reason: string };

/** Handles one proxied request. Never throws for compression failures; HttpError for bad controls and body size. */
export async function proxyRequest(request: Request, kind: ProxyKind, route: string, context: ProxyContext): Promise<Response> {
  const { config, metrics } = context;
  if (config.upstream === undefined) {
    return errorResponse(503, 'UPSTREAM_NOT_CONFIGURED', 'no upstream is configured (set --upstream or CTXPRESS_UPSTREAM).');
  }
  const raw = await readBody(request, config.maxBodyBytes);
  let forwardBody: Uint8Array | string = raw;
  let outcome: Outcome = { status: 'skipped' };

  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(raw));
  } catch {
    parsed = undefined; // not JSON: forwarded as is, the upstream answers it
  }
  const isObject = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
  const body = isObject ? { ...(parsed as Record<string, unknown>) } : undefined;
  const controls = controlsOf(request.headers, body?.['ctxpress']);
  if (body !== undefined && 'ctxpress' in body) {
    delete body['ctxpress'];
    forwardBody = JSON.stringify(body);
  }
  const budget = controls.budget ?? config.budget;
  if (body !== undefined && budget !== undefined && Array.isArray(body['messages'])) {
    const system = kind === 'anthropic' ? systemText(body['system']) : undefined;
    const keepLastTurns = controls.keepLastTurns ?? config.keepLastTurns;
    const prefixStable = controls.prefixStable ?? config.prefixStable;
    const options: ProxyChatOptions = {
      budget,
      format: kind,
      ...(config.tokenizer === undefined ? {} : { tokenizer: config.tokenizer }),
      ...(system === undefined ? {} : { system }),
      ...(keepLastTurns === undefined ? {} : { keepLastTurns }),
      ...(prefixStable === undefined ? {} : { prefixStable }),
    };
    const messages = body['messages'] as unknown[];
    try {
      const { value: result, ms } = await withTimeLimit(() => context.compressChat(messages, options), config.timeoutMs);
      if (!Array.isArray(result.messages)) throw new CtxpressError('INVALID_INPUT', 'the chat compressor returned no messages.');
      metrics.compressed(route, result.tokens.original, result.tokens.compressed);
      outcome = { status: 'compressed', before: result.tokens.original, after: result.tokens.compressed, ms };
      forwardBody = JSON.stringify({ ...body, messages: result.messages });
    } catch (error) {
      const reason = failureReason(error);
      metrics.failure(reason);
      if (config.failMode === 'closed') {
        return errorResponse(502, 'COMPRESSION_FAILED', `compression failed (${reason}); the request was not forwarded (fail mode closed).`, {
          'x-ctxpress-status': 'failed',
          'x-ctxpress-error': reason,
        });
      }
      metrics.failOpen.inc();
      outcome = { status: 'failed-open', reason };
    }
  }

  const headers = new Headers();
  request.headers.forEach((value, name) => {
    if (!DROP_REQUEST.has(name) && !name.startsWith('x-ctxpress-')) headers.set(name, value);
  });
  if (config.upstreamApiKey !== undefined) {
    if (kind === 'anthropic') headers.set('x-api-key', config.upstreamApiKey);
    else headers.set('authorization', `Bearer ${config.upstreamApiKey}`);
  } else if (config.apiKeys.length === 0) {
    // No ctxpress auth and no configured key: the caller brings the upstream key.
    for (const name of ['authorization', 'x-api-key']) {
      const value = request.headers.get(name);
      if (value !== null) headers.set(name, value);
    }
  }
  if (!headers.has('content-type')) headers.set('content-type', 'application/json');

  let upstream: Response;
  try {
    upstream = await fetch(upstreamUrl(config.upstream, new URL(request.url)), {
      method: 'POST',
      headers,
      body: forwardBody,
      signal: request.signal,
      redirect: 'manual',
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: unknown } }).cause;
    const detail = typeof cause?.code === 'string' ? cause.code : error instanceof Error ? error.name : 'error';
    return errorResponse(502, 'UPSTREAM_UNAVAILABLE', `the upstream could not be reached (${detail}).`, ctxpressHeaders(outcome));
  }

  const responseHeaders = new Headers();
  upstream.headers.forEach((value, name) => {
    if (!DROP_RESPONSE.has(name)) responseHeaders.set(name, value);
  });
  for (const [name, value] of Object.entries(ctxpressHeaders(outcome))) responseHeaders.set(name, value);
  return new Response(relay(upstream.body, request.signal), { status: upstream.status, statusText: upstream.statusText, headers: responseHeaders });
}

/**
 * The upstream body, chunk by chunk as it arrives (never buffered). When the client has gone away, the aborted upstream
 * read ends the stream quietly instead of as an error (which the adapter would print); an upstream failure while the
 * client is still there stays an error, so the client sees a cut connection rather than a clean end.
 */
function relay(body: ReadableStream<Uint8Array> | null, signal: AbortSignal): ReadableStream<Uint8Array> | null {
  if (body === null) return null;
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (error) {
        if (signal.aborted) controller.close();
        else controller.error(error);
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}

function ctxpressHeaders(outcome: Outcome): Record<string, string> {
  switch (outcome.status) {
    case 'compressed':
      return {
        'x-ctxpress-status': 'compressed',
        'x-ctxpress-tokens-before': String(outcome.before),
        'x-ctxpress-tokens-after': String(outcome.after),
        'x-ctxpress-compress-ms': outcome.ms.toFixed(1),
      };
    case 'skipped':
      return { 'x-ctxpress-status': 'skipped' };
    case 'failed-open':
      return { 'x-ctxpress-status': 'failed-open', 'x-ctxpress-error': outcome.reason };
  }
}
