/**
 * `ctxpress mcp`: the Model Context Protocol server of @ctxpress/mcp (tools compress_text, compress_documents,
 * compress_chat, compress_code).
 *
 * - stdio (default): JSON-RPC on stdin/stdout until stdin closes or SIGINT/SIGTERM. stdout is the protocol channel:
 *   nothing else is ever written there (messages go to stderr).
 * - `--http PORT`: Streamable HTTP at `POST /mcp`, stateless (`createMcpHttpHandler`), bound to 127.0.0.1 unless
 *   `--host`. It applies the rules of `ctxpress serve`, with the service's own functions and configuration (flags over
 *   `CTXPRESS_*` environment variables): the Host check against DNS rebinding (localhost, IP literals, `--host`,
 *   `--allowed-host` / CTXPRESS_ALLOWED_HOSTS), the Origin check (`--allowed-origin` / CTXPRESS_ALLOWED_ORIGINS get
 *   CORS), API keys (`--api-key` / CTXPRESS_API_KEYS: `authorization: Bearer K` or `x-api-key: K`), JSON bodies only,
 *   and the body limit (CTXPRESS_MAX_BODY_BYTES, default 10 MiB). CTXPRESS_TIMEOUT_MS is the time limit of a call.
 * @module
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { format } from 'node:util';
import type { CliIo } from '../io.js';
import { UsageError } from '../usage-error.js';
import { processSignals, type WaitForStop } from './serve.js';

/** The flags as commander hands them over. */
export interface McpFlags {
  /** Streamable HTTP on this port (0 picks a free one) instead of stdio. */
  readonly http?: number;
  readonly host?: string;
  /** API keys a client must send (`--api-key`, repeatable or comma-separated). */
  readonly apiKey?: readonly string[] | string;
  readonly allowedOrigin?: readonly string[] | string;
  readonly allowedHost?: readonly string[] | string;
}

/** The path of the Streamable HTTP endpoint. */
export const MCP_PATH = '/mcp';

/** A repeatable or comma-separated flag as a list. */
function listFlag(value: readonly string[] | string): string[] {
  return (typeof value === 'string' ? [value] : [...value])
    .flatMap((item) => item.split(','))
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/**
 * Runs the MCP server until the client goes away (stdio) or the process is asked to stop.
 * @returns the exit code
 * @throws {UsageError} for HTTP flags without `--http`, or a bad configuration value
 */
export async function runMcp(flags: McpFlags, io: CliIo, waitForStop: WaitForStop = processSignals): Promise<number> {
  if (flags.http === undefined) {
    const httpOnly = (['host', 'apiKey', 'allowedOrigin', 'allowedHost'] as const).filter((name) => flags[name] !== undefined);
    if (httpOnly.length > 0) throw new UsageError(`--${httpOnly[0]!.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} needs --http PORT (stdio has no network)`);
    return runStdio(io, waitForStop);
  }
  return runHttp(flags, io, waitForStop);
}

async function runStdio(io: CliIo, waitForStop: WaitForStop): Promise<number> {
  // stdout is the protocol channel: anything a dependency prints with console.log / info / debug goes to stderr
  const saved = { log: console.log, info: console.info, debug: console.debug };
  console.log = console.info = console.debug = (...args: unknown[]) => void io.stderr.write(`${format(...args)}\n`);
  try {
    const timeLimitMs = timeLimitOf(io.env);
    const { startStdioServer } = await import('@ctxpress/mcp');
    const running = await startStdioServer({ stdin: io.stdin, stdout: io.stdout, ...(timeLimitMs === undefined ? {} : { timeLimitMs }) });
    await Promise.race([running.closed, waitForStop()]);
    await running.close();
    return 0;
  } finally {
    Object.assign(console, saved);
  }
}

/** CTXPRESS_TIMEOUT_MS, as `ctxpress serve` reads it (stdio takes no other configuration). */
function timeLimitOf(env: CliIo['env']): number | undefined {
  const text = env['CTXPRESS_TIMEOUT_MS'];
  if (text === undefined || text.trim() === '') return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new UsageError(`CTXPRESS_TIMEOUT_MS: expected a positive number of milliseconds, got ${JSON.stringify(text)}`);
  return value;
}

function headersOf(request: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.set(name, value);
  }
  return headers;
}

async function send(response: Response, res: ServerResponse): Promise<void> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => (headers[name] = value));
  res.writeHead(response.status, headers);
  if (response.body !== null) {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) res.write(chunk);
  }
  res.end();
}

async function runHttp(flags: McpFlags, io: CliIo, waitForStop: WaitForStop): Promise<number> {
  const [server, { createMcpHttpHandler }] = await Promise.all([import('@ctxpress/server'), import('@ctxpress/mcp')]);
  const rawFlags = {
    port: flags.http,
    ...(flags.host === undefined ? {} : { host: flags.host }),
    ...(flags.apiKey === undefined ? {} : { apiKeys: listFlag(flags.apiKey) }),
    ...(flags.allowedOrigin === undefined ? {} : { allowedOrigins: listFlag(flags.allowedOrigin) }),
    ...(flags.allowedHost === undefined ? {} : { allowedHosts: listFlag(flags.allowedHost) }),
  };
  let config;
  try {
    config = await server.loadConfig({ flags: rawFlags, env: io.env });
  } catch (error) {
    if (error instanceof server.ConfigError) throw new UsageError(error.message);
    throw error;
  }
  const { errorResponse, hostAllowed, HttpError, isJsonContentType, originListed, readBody, sameOrigin } = server;
  const apiKeys = server.apiKeyCheck(config.apiKeys); // the same check as ctxpress serve
  const handle = createMcpHttpHandler({ maxBodyBytes: config.maxBodyBytes, timeLimitMs: config.timeoutMs });

  /** The rules of `ctxpress serve`, in its order: Host, Origin (and CORS), API key, JSON only, body limit. */
  const answer = async (req: IncomingMessage): Promise<Response> => {
    const headers = headersOf(req);
    const host = headers.get('host') ?? '';
    if (!hostAllowed(host, config.host, config.allowedHosts)) {
      return errorResponse(
        403,
        'HOST_NOT_ALLOWED',
        `this service does not answer for host ${JSON.stringify(host.slice(0, 100))} (add it to --allowed-host / CTXPRESS_ALLOWED_HOSTS).`,
      );
    }
    const origin = headers.get('origin');
    let cors: Record<string, string> = {};
    if (origin === null) {
      const site = headers.get('sec-fetch-site');
      if (site === 'cross-site' || site === 'same-site') {
        return errorResponse(403, 'ORIGIN_NOT_ALLOWED', 'requests from other sites without an Origin header are not allowed.');
      }
    } else if (!sameOrigin(origin, host)) {
      if (!originListed(origin, config.allowedOrigins)) {
        return errorResponse(
          403,
          'ORIGIN_NOT_ALLOWED',
          `requests from web pages of ${JSON.stringify(origin.slice(0, 100))} are not allowed (add it to --allowed-origin / CTXPRESS_ALLOWED_ORIGINS).`,
        );
      }
      cors = { 'access-control-allow-origin': origin, vary: 'origin' };
      if (req.method === 'OPTIONS' && headers.has('access-control-request-method')) {
        return new Response(null, {
          status: 204,
          headers: {
            ...cors,
            'access-control-allow-methods': 'POST, OPTIONS',
            'access-control-allow-headers':
              headers.get('access-control-request-headers') ?? 'authorization, content-type, x-api-key, mcp-protocol-version, mcp-session-id',
            'access-control-max-age': '600',
          },
        });
      }
    }
    const withCors = (response: Response): Response => {
      for (const [name, value] of Object.entries(cors)) response.headers.set(name, value);
      return response;
    };
    if (!apiKeys.allows(headers)) {
      return withCors(
        errorResponse(401, 'UNAUTHORIZED', 'a valid API key is required (authorization: Bearer KEY, or x-api-key: KEY).', { 'www-authenticate': 'Bearer' }),
      );
    }
    const url = new URL(req.url ?? '/', `http://${config.host.includes(':') ? `[${config.host}]` : config.host}`);
    if (url.pathname !== MCP_PATH) return withCors(errorResponse(404, 'NOT_FOUND', `no route ${req.method} ${url.pathname}; the MCP endpoint is POST ${MCP_PATH}.`));
    if (req.method !== 'POST') return withCors(await handle(new Request(url, { method: req.method ?? 'GET', headers })));
    if (!isJsonContentType(headers.get('content-type'))) {
      return withCors(errorResponse(415, 'UNSUPPORTED_MEDIA_TYPE', `${MCP_PATH} accepts only content-type: application/json.`));
    }
    const streamed = new Request(url, {
      method: 'POST',
      headers,
      body: Readable.toWeb(req) as ReadableStream<Uint8Array>,
      duplex: 'half',
    } as RequestInit);
    const body = await readBody(streamed, config.maxBodyBytes);
    return withCors(await handle(new Request(url, { method: 'POST', headers, body })));
  };

  const http = createServer((req, res) => {
    answer(req)
      .catch((error: unknown) =>
        error instanceof HttpError ? errorResponse(error.status, error.code, error.message) : errorResponse(500, 'INTERNAL', 'internal error'),
      )
      .then((response) => send(response, res))
      .catch(() => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(config.port, config.host, () => resolve());
  });
  const address = http.address() as AddressInfo;
  const hostText = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${hostText}:${address.port}${MCP_PATH}`;
  io.stderr.write(
    `ctxpress mcp: Streamable HTTP (stateless) on ${url}\n` +
      `  api keys: ${config.apiKeys.length === 0 ? 'off' : config.apiKeys.length} · max body: ${config.maxBodyBytes} bytes · allowed hosts: localhost, IP addresses, ${config.host}${config.allowedHosts.length === 0 ? '' : `, ${config.allowedHosts.join(', ')}`}` +
      ` · allowed origins: ${config.allowedOrigins.length === 0 ? 'none' : config.allowedOrigins.join(', ')}\n`,
  );
  const signal = await waitForStop();
  io.stderr.write(`ctxpress mcp: ${signal}, stopping\n`);
  await new Promise<void>((resolve) => {
    http.close(() => resolve());
    http.closeIdleConnections();
    setTimeout(() => http.closeAllConnections(), 5_000).unref();
  });
  return 0;
}
