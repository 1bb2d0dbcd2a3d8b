/**
 * HTTP building blocks: coded JSON errors, a size-limited body reader, and a time limit around a compression.
 * @module
 */
import { isCtxpressError } from '@ctxpress/core';

/** Codes of the service's own errors (library errors keep the library's code). */
export type ServiceErrorCode =
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'UNAUTHORIZED'
  | 'PAYLOAD_TOO_LARGE'
  | 'RESPONSE_TOO_LARGE'
  | 'INVALID_JSON'
  | 'TIMEOUT'
  | 'COMPRESSION_FAILED'
  | 'UPSTREAM_NOT_CONFIGURED'
  | 'UPSTREAM_UNAVAILABLE'
  | 'HOST_NOT_ALLOWED'
  | 'ORIGIN_NOT_ALLOWED'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'CLIENT_CLOSED'
  | 'INTERNAL';

/**
 * The status of a request whose client went away before the service could answer (nginx's 499): logged and counted as
 * such, never as a server error. The client never sees it.
 */
export const CLIENT_CLOSED_STATUS = 499;

export function clientClosedError(): HttpError {
  return new HttpError(CLIENT_CLOSED_STATUS, 'CLIENT_CLOSED', 'the client closed the request before it was read.');
}

/** An error the service answers with a status and `{ error: { code, message } }`. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Who an error is for: `ctxpress` (its own routes: `{ error: { code, message } }`), `openai` (OpenAI's shape
 * `{ error: { message, type, param, code } }`) or `anthropic` (`{ type: "error", error: { type, message } }`). On the
 * provider routes the ctxpress code is also in the `x-ctxpress-error` header and in the message.
 */
export type ErrorStyle = 'ctxpress' | 'openai' | 'anthropic';

/** OpenAI's error `type` for a status (OpenAI itself answers 4xx, 401 included, with `invalid_request_error`). */
function openaiType(status: number): string {
  return status >= 500 ? 'server_error' : 'invalid_request_error';
}

/** Anthropic's error `type` for a status (https://docs.anthropic.com/en/api/errors). */
function anthropicType(status: number): string {
  switch (status) {
    case 401:
      return 'authentication_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 529:
      return 'overloaded_error';
    default:
      return status >= 500 ? 'api_error' : 'invalid_request_error';
  }
}

export function errorResponse(status: number, code: string, message: string, headers: Record<string, string> = {}, style: ErrorStyle = 'ctxpress'): Response {
  let body: unknown;
  if (style === 'ctxpress') body = { error: { code, message } };
  else if (style === 'openai') body = { error: { message: `ctxpress ${code}: ${message}`, type: openaiType(status), param: null, code } };
  else body = { type: 'error', error: { type: anthropicType(status), message: `ctxpress ${code}: ${message}` } };
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...(style === 'ctxpress' ? {} : { 'x-ctxpress-error': code }), ...headers },
  });
}

/** The response for any thrown value: HttpError as is, CtxpressError as 400 (500 for a missing dependency), anything else 500. */
export function responseForError(error: unknown, style: ErrorStyle = 'ctxpress', aborted = false): Response {
  if (error instanceof HttpError) return errorResponse(error.status, error.code, error.message, {}, style);
  if (isCtxpressError(error)) return errorResponse(error.code === 'DEPENDENCY_MISSING' ? 500 : 400, error.code, error.message, {}, style);
  if (aborted) return errorResponse(CLIENT_CLOSED_STATUS, 'CLIENT_CLOSED', 'the client closed the request.', {}, style);
  return errorResponse(500, 'INTERNAL', 'internal error', {}, style);
}

/**
 * Reads a request body, failing with 413 as soon as it passes `maxBytes` (from `content-length` before reading, and
 * while reading for chunked bodies).
 */
export async function readBody(request: Request, maxBytes: number): Promise<Uint8Array> {
  const tooLarge = (): HttpError => new HttpError(413, 'PAYLOAD_TOO_LARGE', `request body is larger than ${maxBytes} bytes.`);
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > maxBytes) throw tooLarge();
  if (request.body === null) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    let chunk: Awaited<ReturnType<typeof reader.read>>;
    try {
      chunk = await reader.read();
    } catch {
      // the stream fails only when the client aborts the upload (or the connection breaks)
      throw clientClosedError();
    }
    const { done, value } = chunk;
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

/** Parses a JSON body (400 INVALID_JSON when it is not JSON). */
export function parseJsonBody(body: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(body));
  } catch {
    throw new HttpError(400, 'INVALID_JSON', 'the request body must be JSON.');
  }
}

export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/**
 * Runs `work` with a time limit: rejects with TimeoutError when it has not settled after `ms`, and also when it settled
 * but took longer (synchronous compression blocks the event loop, so the timer cannot fire during it).
 */
export async function withTimeLimit<T>(work: () => Promise<T>, ms: number): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`compression took longer than ${ms} ms.`)), ms);
  });
  try {
    const value = await Promise.race([work(), limit]);
    const elapsed = performance.now() - start;
    if (elapsed > ms) throw new TimeoutError(`compression took longer than ${ms} ms (${Math.round(elapsed)} ms).`);
    return { value, ms: elapsed };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs compressions one at a time, first come first served, yielding to the event loop before each one. Compression is
 * synchronous CPU work: without this, every event-loop turn runs all compressions whose bodies just finished reading,
 * and a request whose body needs more turns waits behind many of them (p99 ≫ p50 under load). A job whose deadline
 * passed while it waited is not run (TimeoutError).
 */
export class CompressionQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private waiting = 0;

  /** Jobs queued or running. */
  get depth(): number {
    return this.waiting;
  }

  run<T>(work: () => Promise<T>, deadline: number): Promise<T> {
    this.waiting++;
    const result = this.tail
      .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
      .then(() => {
        if (performance.now() > deadline) throw new TimeoutError('compression waited in the queue past its time limit.');
        return work();
      })
      .finally(() => {
        this.waiting--;
      });
    // The next job starts when this one settles, or at this one's deadline if it hangs (an async stall must not block the queue).
    let timer: NodeJS.Timeout | undefined;
    const expiry = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, Math.max(0, deadline - performance.now()));
    });
    this.tail = Promise.race([result.catch(() => undefined), expiry]).finally(() => clearTimeout(timer));
    return result;
  }
}

/** A short reason for the failures metric: the library's error code, TIMEOUT, or INTERNAL. */
export function failureReason(error: unknown): string {
  if (error instanceof TimeoutError) return 'TIMEOUT';
  if (isCtxpressError(error)) return error.code;
  return 'INTERNAL';
}
