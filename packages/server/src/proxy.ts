/**
 * The compressing proxy. `POST /v1/chat/completions` (OpenAI), `POST /v1/responses` (OpenAI Responses API) and
 * `POST /v1/messages` (Anthropic) compress `messages` / `input` with `compressChat`; every other request under `/v1`
 * is relayed to the upstream unchanged (`passthroughRequest`). The compressed value is spliced into the body as the
 * caller sent it, so every other byte reaches the upstream unchanged. Fail-open by default: a compression that throws
 * or runs out of time forwards the original request.
 * @module
 */
import type { ChatCompressionResult } from '@ctxpress/core';
import { CtxpressError } from '@ctxpress/core';
import { budgetOf, type BudgetSpec, type ServerConfig } from './config.js';
import { clientClosedError, errorResponse, failureReason, HttpError, readBody, withTimeLimit, type ErrorStyle } from './http.js';
import { editJsonObject, topLevelMembers } from './json-splice.js';
import type { Metrics } from './metrics.js';

/** The provider API of a compressing route. */
export type ProxyKind = 'openai' | 'openai-responses' | 'anthropic';

/** Options the proxy passes to the chat compressor. */
export interface ProxyChatOptions {
  readonly budget: BudgetSpec;
  readonly format: ProxyKind;
  readonly tokenizer?: string;
  readonly system?: string;
  readonly keepLastTurns?: number;
  readonly prefixStable?: boolean;
  /** The library's cooperative time limit (in-thread compression only; a worker is terminated instead). */
  readonly timeLimitMs?: number;
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

/**
 * What the proxy did: `compressed` (the compressor ran; when the chat was already within the budget, tokens before =
 * after and the caller's bytes go as they are), `skipped` (not compressed, `reason` says why), `failed-open`
 * (compression failed, the original was forwarded).
 */
type Outcome =
  | { readonly status: 'compressed'; readonly before: number; readonly after: number; readonly ms: number }
  | { readonly status: 'skipped' | 'failed-open'; readonly reason: string };

/** Why a request was not compressed (the `x-ctxpress-reason` header and the metrics label). */
export type SkipReason = 'no-budget' | 'below-min-tokens' | 'not-json' | 'no-messages' | 'stored-conversation';

const encoder = new TextEncoder();
const MESSAGE_OVERHEAD = 4;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The API whose key rules and error shape a request follows. */
function keyKind(kind: ProxyKind | ErrorStyle): 'openai' | 'anthropic' {
  return kind === 'anthropic' ? 'anthropic' : 'openai';
}

/** The body without its `ctxpress` field. */
function withoutControls(body: Record<string, unknown>): Record<string, unknown> {
  const rest = { ...body };
  delete rest['ctxpress'];
  return rest;
}

interface Plan {
  readonly body: Uint8Array;
  readonly outcome: Outcome;
}

/**
 * Compresses the chat in a proxied body and returns the bytes to forward: the caller's bytes with the `ctxpress` field
 * removed and, when compression changed it, the `messages` / `input` value replaced. A Response when the request must
 * not be forwarded (fail mode closed).
 */
async function compressBody(raw: Uint8Array, headers: Headers, kind: ProxyKind, route: string, context: ProxyContext): Promise<Plan | Response> {
  const { config, metrics } = context;
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(raw));
  } catch {
    parsed = undefined; // not JSON: forwarded as is, the upstream answers it (ctxpress headers still apply)
  }
  const body = isRecord(parsed) ? parsed : undefined;
  const controls = controlsOf(headers, body?.['ctxpress']);
  if (body === undefined) return { body: raw, outcome: { status: 'skipped', reason: 'not-json' } };
  // the caller's bytes minus the ctxpress field (the fallback re-serialises, which the scanner should never need)
  const stripped = (): Uint8Array => {
    if (!('ctxpress' in body)) return raw;
    return editJsonObject(raw, { remove: ['ctxpress'] }) ?? encoder.encode(JSON.stringify(withoutControls(body)));
  };
  const skip = (reason: SkipReason): Plan => ({ body: stripped(), outcome: { status: 'skipped', reason } });

  const budget = controls.budget ?? config.budget;
  if (budget === undefined) return skip('no-budget');
  const field = kind === 'openai-responses' ? 'input' : 'messages';
  const value = body[field];
  const list: unknown[] | undefined = Array.isArray(value)
    ? value
    : kind === 'openai-responses' && typeof value === 'string'
      ? [{ role: 'user', content: value }]
      : undefined;
  if (list === undefined) return skip('no-messages');
  // A stored conversation (previous_response_id, conversation) holds the calls the new tool outputs answer, which
  // ctxpress cannot see: the request goes through as it is.
  if (
    kind === 'openai-responses' &&
    (body['previous_response_id'] != null || body['conversation'] != null) &&
    list.some((item) => isRecord(item) && typeof item['type'] === 'string' && item['type'].endsWith('_call_output'))
  ) {
    return skip('stored-conversation');
  }
  const system =
    kind === 'anthropic'
      ? systemText(body['system'])
      : kind === 'openai-responses' && typeof body['instructions'] === 'string'
        ? body['instructions']
        : undefined;
  // The configured threshold (a budget sent with the request ignores it). Every token is at least one byte, so the
  // byte length of the chat's JSON bounds its token count from above: small requests skip without being counted.
  const minTokens = controls.budget === undefined ? config.minTokens : undefined;
  if (minTokens !== undefined) {
    const member = topLevelMembers(raw)?.findLast((m) => m.key === field);
    const systemBytes = system === undefined ? 0 : encoder.encode(system).length + MESSAGE_OVERHEAD;
    if (member !== undefined && member.valueEnd - member.valueStart + MESSAGE_OVERHEAD + systemBytes < minTokens) return skip('below-min-tokens');
  }

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
  let result: ChatCompressionResult;
  let ms: number;
  try {
    ({ value: result, ms } = await withTimeLimit(() => context.compressChat(list, options), config.timeoutMs));
    if (!Array.isArray(result.messages)) throw new CtxpressError('INVALID_INPUT', 'the chat compressor returned no messages.');
  } catch (error) {
    const reason = failureReason(error);
    metrics.failure(reason);
    if (config.failMode === 'closed') {
      metrics.proxyOutcome(route, 'failed', reason);
      return errorResponse(
        502,
        'COMPRESSION_FAILED',
        `compression failed (${reason}); the request was not forwarded (fail mode closed).`,
        { 'x-ctxpress-status': 'failed', 'x-ctxpress-error': reason },
        kind === 'anthropic' ? 'anthropic' : 'openai',
      );
    }
    return { body: stripped(), outcome: { status: 'failed-open', reason } };
  }
  const { original, compressed } = result.tokens;
  if (minTokens !== undefined && original < minTokens) return skip('below-min-tokens');
  metrics.compressed(route, original, compressed);
  const json = JSON.stringify(result.messages);
  // nothing was cut (within the budget): the caller's bytes
  if (json === JSON.stringify(list)) return { body: stripped(), outcome: { status: 'compressed', before: original, after: compressed, ms } };
  // a string input stays a string when it came back as one plain user message
  const only = result.messages.length === 1 ? result.messages[0] : undefined;
  const replacement =
    typeof value === 'string' && isRecord(only) && only['role'] === 'user' && typeof only['content'] === 'string' && Object.keys(only).length === 2
      ? JSON.stringify(only['content'])
      : json;
  const spliced =
    editJsonObject(raw, { remove: ['ctxpress'], replace: { key: field, json: replacement } }) ??
    encoder.encode(JSON.stringify({ ...withoutControls(body), [field]: JSON.parse(replacement) as unknown }));
  return { body: spliced, outcome: { status: 'compressed', before: original, after: compressed, ms } };
}

/** Handles one compressing route. Never throws for compression failures; HttpError for bad controls and body size. */
export async function proxyRequest(request: Request, kind: ProxyKind, route: string, context: ProxyContext): Promise<Response> {
  const { config, metrics } = context;
  const style: ErrorStyle = keyKind(kind);
  if (config.upstream === undefined) {
    return errorResponse(503, 'UPSTREAM_NOT_CONFIGURED', 'no upstream is configured (set --upstream or CTXPRESS_UPSTREAM).', {}, style);
  }
  const raw = await readBody(request, config.maxBodyBytes);
  const plan = await compressBody(raw, request.headers, kind, route, context);
  if (plan instanceof Response) return plan;
  const { outcome } = plan;
  metrics.proxyOutcome(route, outcome.status, 'reason' in outcome ? outcome.reason : 'none');
  const headers = upstreamHeaders(request.headers, config, keyKind(kind));
  if (!headers.has('content-type')) headers.set('content-type', 'application/json');
  return forward(request, config.upstream, { method: 'POST', headers, body: plan.body }, ctxpressHeaders(outcome), style);
}

/**
 * Relays any other request under the base path (`GET /v1/models`, `POST /v1/embeddings`, `/v1/messages/count_tokens`,
 * …) to the upstream unchanged: method, query string, headers minus hop-by-hop ones, the body streamed both ways, with
 * the same key rules as the compressing routes. `style` picks the key header and the error shape.
 */
export async function passthroughRequest(request: Request, route: string, style: ErrorStyle, context: ProxyContext): Promise<Response> {
  const { config, metrics } = context;
  if (config.upstream === undefined) {
    return errorResponse(503, 'UPSTREAM_NOT_CONFIGURED', 'no upstream is configured (set --upstream or CTXPRESS_UPSTREAM).', {}, style);
  }
  const tooLarge = (): HttpError => new HttpError(413, 'PAYLOAD_TOO_LARGE', `request body is larger than ${config.maxBodyBytes} bytes.`);
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > config.maxBodyBytes) throw tooLarge();
  const hasBody = request.method !== 'GET' && request.method !== 'HEAD' && request.body !== null;
  const headers = upstreamHeaders(request.headers, config, keyKind(style));
  // The body is not changed, so its length is the caller's (a streamed body without one goes chunked).
  if (hasBody && declared !== null) headers.set('content-length', declared);
  let over = false;
  const body = hasBody ? limited(request.body!, config.maxBodyBytes, () => (over = true)) : undefined;
  metrics.proxyOutcome(route, 'passthrough');
  const response = await forward(
    request,
    config.upstream,
    { method: request.method, headers, ...(body === undefined ? {} : { body, duplex: 'half' }) },
    { 'x-ctxpress-status': 'passthrough' },
    style,
  );
  if (over) {
    await response.body?.cancel();
    throw tooLarge();
  }
  return response;
}

/** The request body, failing once it passes `maxBytes` (for bodies without a content-length). */
function limited(body: ReadableStream<Uint8Array>, maxBytes: number, onOver: () => void): ReadableStream<Uint8Array> {
  let size = 0;
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        size += chunk.byteLength;
        if (size > maxBytes) {
          onOver();
          controller.error(new Error('request body too large'));
        } else controller.enqueue(chunk);
      },
    }),
  );
}

/** Request headers for the upstream: the caller's minus hop-by-hop, credentials and `x-ctxpress-*`, plus the key rules. */
function upstreamHeaders(incoming: Headers, config: ServerConfig, kind: 'openai' | 'anthropic'): Headers {
  const headers = new Headers();
  incoming.forEach((value, name) => {
    if (!DROP_REQUEST.has(name) && !name.startsWith('x-ctxpress-')) headers.set(name, value);
  });
  if (config.upstreamApiKey !== undefined) {
    if (kind === 'anthropic') headers.set('x-api-key', config.upstreamApiKey);
    else headers.set('authorization', `Bearer ${config.upstreamApiKey}`);
  } else if (config.apiKeys.length === 0) {
    // No ctxpress auth and no configured key: the caller brings the upstream key.
    for (const name of ['authorization', 'x-api-key']) {
      const value = incoming.get(name);
      if (value !== null) headers.set(name, value);
    }
  }
  return headers;
}

/** Sends the request to the upstream and relays its answer (status, headers minus hop-by-hop ones, body as it streams). */
async function forward(request: Request, base: string, init: RequestInit, extra: Record<string, string>, style: ErrorStyle): Promise<Response> {
  let upstream: Response;
  try {
    upstream = await fetch(upstreamUrl(base, new URL(request.url)), { ...init, signal: request.signal, redirect: 'manual' });
  } catch (error) {
    if (request.signal.aborted) throw clientClosedError();
    const cause = (error as { cause?: { code?: unknown } }).cause;
    const detail = typeof cause?.code === 'string' ? cause.code : error instanceof Error ? error.name : 'error';
    return errorResponse(502, 'UPSTREAM_UNAVAILABLE', `the upstream could not be reached (${detail}).`, extra, style);
  }
  const responseHeaders = new Headers();
  upstream.headers.forEach((value, name) => {
    if (!DROP_RESPONSE.has(name)) responseHeaders.set(name, value);
  });
  for (const [name, value] of Object.entries(extra)) responseHeaders.set(name, value);
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
        'x-ctxpress-status': outcome.status,
        'x-ctxpress-tokens-before': String(outcome.before),
        'x-ctxpress-tokens-after': String(outcome.after),
        'x-ctxpress-compress-ms': outcome.ms.toFixed(1),
      };
    case 'skipped':
      return { 'x-ctxpress-status': 'skipped', 'x-ctxpress-reason': outcome.reason };
    case 'failed-open':
      return { 'x-ctxpress-status': 'failed-open', 'x-ctxpress-error': outcome.reason };
  }
}
