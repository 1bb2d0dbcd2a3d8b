import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { closeApp, createApp, type AccessLogEntry } from './app.js';
import { Metrics } from './metrics.js';
import { startServer } from './server.js';
import type { ChatCompressor, ProxyChatOptions } from './proxy.js';
import { topLevelMembers } from './json-splice.js';

const sample = readFileSync(new URL('../../cli/samples/sample.md', import.meta.url), 'utf8');

/** A numeric header of a response; fails the test when it is missing or not a number (`Number(null)` would be 0). */
function numericHeader(res: Response, name: string): number {
  const value = res.headers.get(name);
  expect(value, name).toMatch(/^\d+(\.\d+)?$/);
  return Number(value);
}

interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** A fake LLM API on 127.0.0.1:0 that records every request; `x-test-mode` picks how it answers. */
class FakeUpstream {
  readonly received: Received[] = [];
  url = '';
  private server: Server | undefined;
  /** Streaming mode holds the last chunk until this is called. */
  release: () => void = () => undefined;
  finishedAt = 0;
  /** Resolves when a streaming response's connection closes before the stream ended. */
  clientGone: Promise<void> = Promise.resolve();

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    this.received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
    const mode = req.headers['x-test-mode'];
    if (mode === 'stream') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write('data: {"choices":[{"delta":{"content":"Hel"}}]}\n\n');
      this.clientGone = new Promise((resolve) => res.once('close', () => (res.writableEnded ? undefined : resolve())));
      await new Promise<void>((resolve) => {
        this.release = resolve;
        setTimeout(resolve, 3000); // never hang the suite
      });
      res.write('data: {"choices":[{"delta":{"content":"lo"}}]}\n\n');
      await new Promise((resolve) => setTimeout(resolve, 20));
      res.write('data: [DONE]\n\n');
      this.finishedAt = performance.now();
      res.end();
      return;
    }
    if (mode === 'echo') {
      res.writeHead(201, { 'content-type': 'application/json', 'x-upstream': 'yes', 'set-cookie': 'a=b' });
      res.end(JSON.stringify({ method: req.method, url: req.url, bytes: body.length }));
      return;
    }
    if (mode === '429') {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '7' });
      res.end(JSON.stringify({ error: { type: 'rate_limit', message: 'slow down' } }));
      return;
    }
    if (mode === '500') {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('upstream exploded');
      return;
    }
    if (mode === 'slow') await new Promise((resolve) => setTimeout(resolve, 400));
    res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'req-1' });
    res.end(JSON.stringify({ id: 'chatcmpl-1', choices: [{ message: { role: 'assistant', content: 'ok' } }] }));
  }
}

const upstream = new FakeUpstream();
beforeAll(() => upstream.start());
afterAll(() => upstream.stop());
beforeEach(() => {
  upstream.received.length = 0;
});

const messages = [
  { role: 'system', content: 'You are a helpful assistant.' },
  { role: 'user', content: `Here is the report:\n\n${sample}` },
  { role: 'assistant', content: 'Thanks, I have read it.' },
  { role: 'user', content: 'What limits the battery life of the rover?' },
];

function post(body: unknown, headers: Record<string, string> = {}): RequestInit {
  return { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) };
}

function last(): Received {
  const received = upstream.received.at(-1);
  if (received === undefined) throw new Error('the upstream received nothing');
  return received;
}

describe('OpenAI-compatible proxy', () => {
  it('compresses messages, passes every other field through and reports token counts', async () => {
    const app = createApp({ upstream: upstream.url, upstreamApiKey: 'sk-upstream' });
    const request = {
      model: 'gpt-4o',
      temperature: 0.2,
      tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }],
      messages,
      ctxpress: { budget: { tokens: 400 }, keepLastTurns: 1 },
    };
    const res = await app.request('/v1/chat/completions?api-version=1', post(request, { authorization: 'Bearer caller-key', 'x-ctxpress-ratio': '9' }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: 'chatcmpl-1', choices: [{ message: { role: 'assistant', content: 'ok' } }] });
    expect(res.headers.get('x-request-id')).toBe('req-1');
    expect(res.headers.get('x-ctxpress-status')).toBe('compressed');
    const before = numericHeader(res, 'x-ctxpress-tokens-before');
    const after = numericHeader(res, 'x-ctxpress-tokens-after');
    expect(before).toBeGreaterThan(1000);
    expect(after).toBeLessThanOrEqual(400); // the body field wins over the header
    expect(numericHeader(res, 'x-ctxpress-compress-ms')).toBeGreaterThanOrEqual(0);

    const got = last();
    expect(got.url).toBe('/v1/chat/completions?api-version=1');
    expect(got.headers['authorization']).toBe('Bearer sk-upstream');
    expect(JSON.stringify(got.headers)).not.toContain('caller-key');
    expect(got.headers['x-ctxpress-ratio']).toBeUndefined();
    const sent = JSON.parse(got.body) as Record<string, unknown>;
    expect(sent['ctxpress']).toBeUndefined();
    expect(sent['model']).toBe('gpt-4o');
    expect(sent['temperature']).toBe(0.2);
    expect(sent['tools']).toEqual(request.tools);
    const sentMessages = sent['messages'] as { role: string; content: string }[];
    // the system prompt and the last question are kept as they are; the long report is cut (or dropped)
    expect(sentMessages[0]).toEqual(messages[0]);
    expect(sentMessages.at(-1)).toEqual(messages[3]);
    expect(JSON.stringify(sentMessages).length).toBeLessThan(JSON.stringify(messages).length / 2);
  });

  it('uses the x-ctxpress-budget header and the configured budget', async () => {
    const viaHeader = await createApp({ upstream: upstream.url }).request(
      '/v1/chat/completions',
      post({ model: 'm', messages }, { 'x-ctxpress-budget': '3000' }),
    );
    expect(numericHeader(viaHeader, 'x-ctxpress-tokens-after')).toBeLessThanOrEqual(3000);
    const viaConfig = await createApp({ upstream: upstream.url, budget: { ratio: 2 }, keepLastTurns: 1 }).request(
      '/v1/chat/completions',
      post({ model: 'm', messages }),
    );
    expect(viaConfig.headers.get('x-ctxpress-status')).toBe('compressed');
    const before = numericHeader(viaConfig, 'x-ctxpress-tokens-before');
    expect(numericHeader(viaConfig, 'x-ctxpress-tokens-after')).toBeLessThanOrEqual(Math.floor(before / 2));
  });

  it('forwards the exact bytes when there is no budget, and the caller key when ctxpress has no keys of its own', async () => {
    const raw = JSON.stringify({ model: 'm', messages, stream: false }, null, 1);
    const res = await createApp({ upstream: upstream.url }).request('/v1/chat/completions', post(raw, { authorization: 'Bearer byo-key' }));
    expect(res.headers.get('x-ctxpress-status')).toBe('skipped');
    expect(last().body).toBe(raw);
    expect(last().headers['authorization']).toBe('Bearer byo-key');
  });

  it('rejects malformed ctxpress controls with 400', async () => {
    const app = createApp({ upstream: upstream.url });
    const bad = await app.request('/v1/chat/completions', post({ messages }, { 'x-ctxpress-budget': 'lots' }));
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('INVALID_BUDGET');
    const field = await app.request('/v1/chat/completions', post({ messages, ctxpress: { budget: { tokens: 5 }, url: 'x' } }));
    expect(field.status).toBe(400);
    expect(upstream.received).toHaveLength(0);
  });
});

describe('proxy with a segment cache', () => {
  const metricValue = async (app: ReturnType<typeof createApp>, name: string): Promise<number> => {
    const text = await (await app.request('/metrics')).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    return line === undefined ? 0 : Number(line.split(' ')[1]);
  };
  const turn = (n: number): unknown[] => {
    const out: unknown[] = [{ role: 'system', content: 'You are a helpful assistant.' }];
    for (let t = 0; t < n; t++) {
      out.push({ role: 'user', content: `Report part ${t}:\n\n${sample}` }, { role: 'assistant', content: `Noted part ${t}.` });
    }
    out.push({ role: 'user', content: 'What limits the battery life of the rover?' });
    return out;
  };

  it.each([
    ['in-thread', 0],
    ['in a worker', 1],
  ])('%s: a conversation that grew by a turn hits the cache, and forwards exactly what an uncached proxy forwards', async (_name, workers) => {
    const cached = createApp({ upstream: upstream.url, cache: 'memory', workers, keepLastTurns: 1 });
    const plain = createApp({ upstream: upstream.url, workers: 0, keepLastTurns: 1 });
    try {
      for (const n of [2, 3]) {
        const body = { model: 'gpt-4o', messages: turn(n) };
        const a = await cached.request('/v1/chat/completions', post(body, { 'x-ctxpress-ratio': '4' }));
        expect(a.status).toBe(200);
        expect(a.headers.get('x-ctxpress-status')).toBe('compressed');
        const viaCache = last().body;
        await plain.request('/v1/chat/completions', post(body, { 'x-ctxpress-ratio': '4' }));
        expect(viaCache).toBe(last().body);
      }
      // the second conversation repeats the first one's messages: their counts and term bags were cached
      expect(await metricValue(cached, 'ctxpress_cache_hits_total')).toBeGreaterThan(0);
      expect(await metricValue(cached, 'ctxpress_cache_misses_total')).toBeGreaterThan(0);
    } finally {
      await closeApp(cached);
    }
  });
});

describe('Anthropic-compatible proxy', () => {
  it('compresses with the top-level system counted, and sends the upstream key as x-api-key', async () => {
    const app = createApp({ upstream: `${upstream.url}/v1`, upstreamApiKey: 'sk-ant' });
    const request = {
      model: 'claude-x',
      max_tokens: 100,
      system: 'Be brief.',
      messages: messages.slice(1),
      ctxpress: { budget: { ratio: 3 }, keepLastTurns: 1 },
    };
    const res = await app.request('/v1/messages', post(request, { 'x-api-key': 'caller', 'anthropic-version': '2023-06-01' }));
    expect(res.status).toBe(200);
    expect(res.headers.get('x-ctxpress-status')).toBe('compressed');
    const got = last();
    expect(got.url).toBe('/v1/messages'); // one /v1, not two
    expect(got.headers['x-api-key']).toBe('sk-ant');
    expect(got.headers['anthropic-version']).toBe('2023-06-01');
    const sent = JSON.parse(got.body) as Record<string, unknown>;
    expect(sent['system']).toBe('Be brief.');
    expect(sent['max_tokens']).toBe(100);
    expect(sent['ctxpress']).toBeUndefined();
  });
});

describe('responses from the upstream', () => {
  it('streams SSE chunk by chunk: the client sees the first chunk before the upstream finishes', async () => {
    const server = await startServer({ port: 0, upstream: upstream.url, budget: { ratio: 2 }, keepLastTurns: 1 });
    try {
      const res = await fetch(`${server.url}/v1/chat/completions`, post({ model: 'm', stream: true, messages }, { 'x-test-mode': 'stream' }));
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/event-stream');
      expect(res.headers.get('x-ctxpress-status')).toBe('compressed');
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      const first = await reader.read();
      const firstAt = performance.now();
      expect(decoder.decode(first.value)).toContain('"Hel"');
      expect(upstream.finishedAt === 0 || upstream.finishedAt > firstAt).toBe(true);
      upstream.release();
      let rest = '';
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        rest += decoder.decode(value, { stream: true });
      }
      expect(rest).toContain('"lo"');
      expect(rest).toContain('data: [DONE]');
      expect(upstream.finishedAt).toBeGreaterThan(firstAt);
      expect(JSON.parse(last().body).stream).toBe(true);
    } finally {
      upstream.release();
      await server.close();
    }
  });

  it('cancels the upstream request when the client goes away mid-stream', async () => {
    const server = await startServer({ port: 0, upstream: upstream.url });
    try {
      const controller = new AbortController();
      const res = await fetch(`${server.url}/v1/chat/completions`, {
        ...post({ model: 'm', stream: true, messages }, { 'x-test-mode': 'stream' }),
        signal: controller.signal,
      });
      const reader = res.body!.getReader();
      await reader.read();
      controller.abort();
      const gone = await Promise.race([upstream.clientGone.then(() => true), new Promise((resolve) => setTimeout(() => resolve(false), 2000))]);
      expect(gone).toBe(true);
    } finally {
      upstream.release();
      await server.close();
    }
  });

  it.each([
    ['429', 429, '{"error":{"type":"rate_limit","message":"slow down"}}'],
    ['500', 500, 'upstream exploded'],
  ])('passes upstream error %s through with its status and body', async (mode, status, body) => {
    const res = await createApp({ upstream: upstream.url, budget: { ratio: 2 } }).request('/v1/chat/completions', post({ messages }, { 'x-test-mode': mode }));
    expect(res.status).toBe(status);
    expect(await res.text()).toBe(body);
    if (status === 429) expect(res.headers.get('retry-after')).toBe('7');
  });

  it('waits for a slow upstream', async () => {
    const res = await createApp({ upstream: upstream.url }).request('/v1/chat/completions', post({ messages }, { 'x-test-mode': 'slow' }));
    expect(res.status).toBe(200);
  });
});

describe('faults', () => {
  it('answers 502 UPSTREAM_UNAVAILABLE when the upstream refuses connections', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const res = await createApp({ upstream: `http://127.0.0.1:${port}` }).request('/v1/chat/completions', post({ messages }));
    expect(res.status).toBe(502);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(body.error.message).toContain('ECONNREFUSED');
  });

  it("answers 503 when no upstream is configured (in the route's provider shape)", async () => {
    const res = await createApp().request('/v1/messages', post({ messages }));
    expect(res.status).toBe(503);
    expect(res.headers.get('x-ctxpress-error')).toBe('UPSTREAM_NOT_CONFIGURED');
    expect(((await res.json()) as { type: string; error: { type: string } }).error.type).toBe('api_error');
    const openai = await createApp().request('/v1/chat/completions', post({ messages }));
    expect(((await openai.json()) as { error: { code: string } }).error.code).toBe('UPSTREAM_NOT_CONFIGURED');
  });

  const throwing: ChatCompressor = async () => {
    throw new Error('compressor bug');
  };
  const hanging: ChatCompressor = () => new Promise(() => undefined);

  it('fail-open: a compressor that throws forwards the original request unchanged and is counted', async () => {
    const metrics = new Metrics();
    const app = createApp({ upstream: upstream.url, budget: { ratio: 4 } }, { metrics, compressChat: throwing });
    const raw = JSON.stringify({ model: 'm', messages });
    const res = await app.request('/v1/chat/completions', post(raw));
    expect(res.status).toBe(200);
    expect(res.headers.get('x-ctxpress-status')).toBe('failed-open');
    expect(last().body).toBe(raw);
    expect(metrics.failures.get({ reason: 'INTERNAL' })).toBe(1);
    expect(metrics.failOpen.get({ reason: 'INTERNAL' })).toBe(1);
    expect(metrics.render()).toContain('ctxpress_compression_failures_total{reason="INTERNAL"} 1');
    expect(metrics.render()).toContain('ctxpress_proxy_fail_open_total{reason="INTERNAL"} 1');
    expect(metrics.render()).toContain('ctxpress_proxy_requests_total{route="/v1/chat/completions",status="failed-open",reason="INTERNAL"} 1');
  });

  it('fail-open: a compressor past its time limit forwards the original request (the ctxpress field removed)', async () => {
    const metrics = new Metrics();
    const app = createApp({ upstream: upstream.url, timeoutMs: 50 }, { metrics, compressChat: hanging });
    const res = await app.request('/v1/chat/completions', post({ model: 'm', messages, ctxpress: { budget: { tokens: 100 } } }));
    expect(res.status).toBe(200);
    expect(res.headers.get('x-ctxpress-error')).toBe('TIMEOUT');
    expect(JSON.parse(last().body)).toEqual({ model: 'm', messages });
    expect(metrics.failures.get({ reason: 'TIMEOUT' })).toBe(1);
  });

  it('a compressor that hangs does not block the requests behind it past its time limit', async () => {
    let calls = 0;
    const hangsOnce: ChatCompressor = async (list, options) => {
      if (calls++ === 0) return new Promise(() => undefined);
      const { compressChat } = await import('@ctxpress/node');
      return compressChat(list, options);
    };
    // In-thread compression (a hooked compressor never runs in a worker); load the tokenizer here first so the time
    // limit measures the hang, not a cold start.
    const { compressChat } = await import('@ctxpress/node');
    await compressChat(messages, { budget: { ratio: 2 }, keepLastTurns: 1 });
    const app = createApp({ upstream: upstream.url, timeoutMs: 300, budget: { ratio: 2 }, keepLastTurns: 1 }, { compressChat: hangsOnce });
    const first = app.request('/v1/chat/completions', post({ messages }));
    await new Promise((resolve) => setTimeout(resolve, 350));
    const second = await app.request('/v1/chat/completions', post({ messages }));
    expect(second.headers.get('x-ctxpress-status')).toBe('compressed');
    expect((await first).headers.get('x-ctxpress-status')).toBe('failed-open');
    expect(upstream.received).toHaveLength(2);
  });

  it('fail-open also covers library errors such as an unsatisfiable budget', async () => {
    const metrics = new Metrics();
    const res = await createApp({ upstream: upstream.url, budget: { tokens: 5 } }, { metrics }).request('/v1/chat/completions', post({ messages }));
    expect(res.status).toBe(200);
    expect(res.headers.get('x-ctxpress-error')).toBe('BUDGET_UNSATISFIABLE');
    expect(JSON.parse(last().body)).toEqual({ messages });
    expect(metrics.failures.get({ reason: 'BUDGET_UNSATISFIABLE' })).toBe(1);
  });

  it('fail-closed: answers 502 COMPRESSION_FAILED and forwards nothing', async () => {
    const metrics = new Metrics();
    const app = createApp({ upstream: upstream.url, budget: { ratio: 4 }, failMode: 'closed' }, { metrics, compressChat: throwing });
    const res = await app.request('/v1/chat/completions', post({ messages }));
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('COMPRESSION_FAILED');
    expect(upstream.received).toHaveLength(0);
    expect(metrics.failures.get({ reason: 'INTERNAL' })).toBe(1);
  });
});

describe('security', () => {
  it('answers 401 without a ctxpress key and never forwards the caller key', async () => {
    const log: AccessLogEntry[] = [];
    const app = createApp({ upstream: upstream.url, apiKeys: ['ctx-key'], upstreamApiKey: 'sk-up', budget: { ratio: 2 } }, { log: (entry) => log.push(entry) });
    expect((await app.request('/v1/chat/completions', post({ messages }))).status).toBe(401);
    expect(upstream.received).toHaveLength(0);
    const ok = await app.request('/v1/chat/completions', post({ messages }, { authorization: 'Bearer ctx-key' }));
    expect(ok.status).toBe(200);
    expect(last().headers['authorization']).toBe('Bearer sk-up');
    expect(JSON.stringify(last().headers)).not.toContain('ctx-key');
    // The access log has method, route, status, time and what the proxy did: no prompt text, no keys.
    expect(log.map((entry) => Object.keys(entry).sort())).toEqual([
      ['method', 'ms', 'route', 'status'],
      ['method', 'ms', 'proxy', 'route', 'status'],
    ]);
    expect(log[1]!.proxy).toMatchObject({ status: 'compressed' });
    expect(JSON.stringify(log)).not.toMatch(/ctx-key|rover|battery/i);
  });

  it('without an upstream key, a ctxpress key is not forwarded either', async () => {
    const app = createApp({ upstream: upstream.url, apiKeys: ['ctx-key'] });
    await app.request('/v1/messages', post({ messages }, { 'x-api-key': 'ctx-key' }));
    expect(last().headers['x-api-key']).toBeUndefined();
    expect(last().headers['authorization']).toBeUndefined();
  });

  it('answers 413 for a proxied body over the limit', async () => {
    const res = await createApp({ upstream: upstream.url, maxBodyBytes: 1000 }).request('/v1/chat/completions', post({ messages }));
    expect(res.status).toBe(413);
    expect(upstream.received).toHaveLength(0);
  });

  it('ignores request fields and headers that name another URL (no SSRF)', async () => {
    const evil = new FakeUpstream();
    await evil.start();
    try {
      const app = createApp({ upstream: upstream.url });
      const body = { model: 'm', messages, base_url: evil.url, url: `${evil.url}/v1/chat/completions`, upstream: evil.url };
      const res = await app.request(
        `${evil.url}/v1/chat/completions`,
        post(body, { host: new URL(evil.url).host, 'x-forwarded-host': new URL(evil.url).host, 'x-ctxpress-upstream': evil.url }),
      );
      expect(res.status).toBe(200);
      expect(evil.received).toHaveLength(0);
      expect(upstream.received).toHaveLength(1);
      expect(JSON.parse(last().body)).toEqual(body); // fields the proxy does not own pass through untouched
    } finally {
      await evil.stop();
    }
  });
});

/** The raw text of a top-level member's value in a JSON body. */
function memberText(body: string, key: string): string {
  const raw = new TextEncoder().encode(body);
  const member = topLevelMembers(raw)?.findLast((m) => m.key === key);
  if (member === undefined) throw new Error(`no ${key} in the body`);
  return new TextDecoder().decode(raw.subarray(member.valueStart, member.valueEnd));
}

/** A compressor that records its calls and runs the real one. */
function recording(): { compressor: ChatCompressor; calls: { messages: readonly unknown[]; options: ProxyChatOptions }[] } {
  const calls: { messages: readonly unknown[]; options: ProxyChatOptions }[] = [];
  return {
    calls,
    compressor: async (list, options) => {
      calls.push({ messages: list, options });
      const { compressChat } = await import('@ctxpress/node');
      return compressChat(list, options);
    },
  };
}

describe('byte-faithful forwarding', () => {
  // what re-serialising would change: big integers, 1.0, unicode escapes, key order, white space, look-alike keys in strings
  const before =
    '{\n  "model": "gpt-4o",\n  "seed": 12345678901234567890,\n  "temperature": 1.0,\n  "top_p": 1e0,\n  "metadata": {"note": "caf\\u00e9 \\"messages\\": [] \\"ctxpress\\": {}", "\\u00fc": "\\ud83d\\ude00"},\n  "messages": ';
  const middle = ',\n  "ctxpress" : { "budget": { "ratio": 3 }, "keepLastTurns": 1 }';
  const after = ',\n  "stop": ["\\n\\n"],\n  "z": [1.50, -0, 0.1e-7]\n}\n';

  it("splices the compressed messages into the caller's bytes and removes only the ctxpress member", async () => {
    const raw = `${before}${JSON.stringify(messages, null, 2)}${middle}${after}`;
    const res = await createApp({ upstream: upstream.url, workers: 0 }).request('/v1/chat/completions', post(raw));
    expect(res.headers.get('x-ctxpress-status')).toBe('compressed');
    const sent = last().body;
    const spliced = memberText(sent, 'messages');
    expect(sent).toBe(`${before}${spliced}${after}`);
    expect(spliced.length).toBeLessThan(JSON.stringify(messages).length / 2);
    expect(JSON.parse(sent).seed).toBe(JSON.parse(raw).seed);
  });

  it("forwards the caller's bytes minus the ctxpress member when compression fails open, changes nothing, or has no budget", async () => {
    const raw = `${before}${JSON.stringify(messages)}${middle}${after}`;
    const failing = createApp({ upstream: upstream.url }, { compressChat: async () => Promise.reject(new Error('bug')) });
    expect((await failing.request('/v1/chat/completions', post(raw))).headers.get('x-ctxpress-status')).toBe('failed-open');
    expect(last().body).toBe(`${before}${JSON.stringify(messages)}${after}`);

    const roomy = raw.replace('"ratio": 3', '"tokens": 100000');
    const unchanged = await createApp({ upstream: upstream.url, workers: 0 }).request('/v1/chat/completions', post(roomy));
    expect(unchanged.headers.get('x-ctxpress-status')).toBe('compressed');
    expect(numericHeader(unchanged, 'x-ctxpress-tokens-before')).toBe(numericHeader(unchanged, 'x-ctxpress-tokens-after'));
    expect(last().body).toBe(`${before}${JSON.stringify(messages)}${after}`);

    const plain = `${before}${JSON.stringify(messages)}${after}`;
    const skipped = await createApp({ upstream: upstream.url }).request('/v1/chat/completions', post(plain));
    expect(skipped.headers.get('x-ctxpress-reason')).toBe('no-budget');
    expect(last().body).toBe(plain);
  });

  it('forwards a body that is not JSON as it is', async () => {
    const res = await createApp({ upstream: upstream.url, budget: { ratio: 2 } }).request('/v1/chat/completions', post('not json {'));
    expect(res.headers.get('x-ctxpress-reason')).toBe('not-json');
    expect(last().body).toBe('not json {');
  });
});

describe('OpenAI Responses API proxy', () => {
  const tools = [{ type: 'function', name: 'search', parameters: { type: 'object', properties: {} } }];
  /** Two old exchanges with the report as a tool output, then a short question. */
  const input = [
    { role: 'user', content: 'Find the rover report.' },
    { type: 'reasoning', id: 'rs_1', summary: [] },
    { type: 'function_call', call_id: 'call_1', name: 'search', arguments: '{"q":"rover report"}' },
    { type: 'function_call_output', call_id: 'call_1', output: sample },
    { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'I found the report.', annotations: [] }] },
    { role: 'user', content: 'Find the appendix too.' },
    { type: 'function_call', call_id: 'call_2', name: 'search', arguments: '{"q":"appendix"}' },
    { type: 'function_call_output', call_id: 'call_2', output: sample },
    { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Here it is.', annotations: [] }] },
    { role: 'user', content: [{ type: 'input_text', text: 'What limits the battery life of the rover?' }] },
  ];

  it('compresses input items with the instructions counted as the system prompt, everything else byte for byte', async () => {
    const { compressor, calls } = recording();
    const app = createApp({ upstream: upstream.url, budget: { ratio: 3 }, keepLastTurns: 1 }, { compressChat: compressor });
    const raw = JSON.stringify({ model: 'gpt-5', instructions: 'Be brief.', tools, input, max_output_tokens: 1.0e3, store: false });
    const res = await app.request('/v1/responses', post(raw));
    expect(res.status).toBe(200);
    expect(res.headers.get('x-ctxpress-status')).toBe('compressed');
    expect(calls[0]!.options).toMatchObject({ format: 'openai-responses', system: 'Be brief.', keepLastTurns: 1 });
    const got = last();
    expect(got.url).toBe('/v1/responses');
    const spliced = memberText(got.body, 'input');
    expect(got.body).toBe(raw.replace(JSON.stringify(input), spliced));
    const sent = JSON.parse(spliced) as unknown[];
    expect(sent.at(-1)).toEqual(input.at(-1));
    expect(spliced.length).toBeLessThan(JSON.stringify(input).length / 2);
    // a valid Responses input: every call is answered right after it
    const { compressChat } = await import('@ctxpress/node');
    await expect(compressChat(sent, { budget: { tokens: 1_000_000 }, format: 'openai-responses' })).resolves.toMatchObject({ format: 'openai-responses' });
    expect(numericHeader(res, 'x-ctxpress-tokens-after')).toBeLessThanOrEqual(Math.floor(numericHeader(res, 'x-ctxpress-tokens-before') / 3));
  });

  it('reads a string input as one user message and keeps it a string', async () => {
    const seen: unknown[][] = [];
    const shortening: ChatCompressor = async (list) => {
      seen.push([...list]);
      return {
        messages: [{ role: 'user', content: 'short' }],
        format: 'openai-responses',
        tokens: { original: 100, compressed: 5, budget: 10 },
        ratio: 20,
        decisions: [],
        mode: 'relevance',
      };
    };
    const app = createApp({ upstream: upstream.url, budget: { tokens: 10 } }, { compressChat: shortening });
    const raw = '{"model":"gpt-5","input":"a long \\u0041 prompt","instructions":"x"}';
    const res = await app.request('/v1/responses', post(raw));
    expect(res.headers.get('x-ctxpress-status')).toBe('compressed');
    expect(seen).toEqual([[{ role: 'user', content: 'a long A prompt' }]]);
    expect(last().body).toBe('{"model":"gpt-5","input":"short","instructions":"x"}');
  });

  it('forwards a string input that compression does not change byte for byte', async () => {
    const raw = '{"model":"gpt-5","input":"caf\\u00e9?","temperature":1.0}';
    const res = await createApp({ upstream: upstream.url, budget: { tokens: 1000 }, workers: 0 }).request('/v1/responses', post(raw));
    expect(res.headers.get('x-ctxpress-status')).toBe('compressed');
    expect(last().body).toBe(raw);
  });

  it('skips tool outputs of a stored conversation (previous_response_id): their calls are upstream', async () => {
    const { compressor, calls } = recording();
    const app = createApp({ upstream: upstream.url, budget: { ratio: 2 } }, { compressChat: compressor });
    const raw = JSON.stringify({
      model: 'gpt-5',
      previous_response_id: 'resp_1',
      input: [{ type: 'function_call_output', call_id: 'call_9', output: sample }],
    });
    const res = await app.request('/v1/responses', post(raw));
    expect(res.headers.get('x-ctxpress-reason')).toBe('stored-conversation');
    expect(calls).toHaveLength(0);
    expect(last().body).toBe(raw);
  });

  it('relays a streamed response', async () => {
    const server = await startServer({ port: 0, upstream: upstream.url, budget: { ratio: 3 }, keepLastTurns: 1, workers: 0 });
    try {
      upstream.release = () => undefined;
      const res = await fetch(`${server.url}/v1/responses`, post({ model: 'gpt-5', stream: true, input }, { 'x-test-mode': 'stream' }));
      upstream.release();
      expect(res.headers.get('content-type')).toBe('text/event-stream');
      expect(res.headers.get('x-ctxpress-status')).toBe('compressed');
      const text = await res.text();
      expect(text).toContain('data: [DONE]');
    } finally {
      upstream.release();
      await server.close();
    }
  });
});

describe('passthrough of every other /v1 route', () => {
  it('relays method, path, query, headers and body unchanged, and the answer back', async () => {
    const app = createApp({ upstream: `${upstream.url}/v1` });
    const res = await app.request('/v1/models?limit=2&after=x', {
      method: 'GET',
      headers: { authorization: 'Bearer byo', 'x-test-mode': 'echo', 'openai-organization': 'org-1', connection: 'keep-alive', 'x-ctxpress-budget': '5' },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-upstream')).toBe('yes');
    expect(res.headers.get('x-ctxpress-status')).toBe('passthrough');
    expect(await res.json()).toEqual({ method: 'GET', url: '/v1/models?limit=2&after=x', bytes: 0 });
    expect(last().headers['authorization']).toBe('Bearer byo');
    expect(last().headers['openai-organization']).toBe('org-1');
    expect(last().headers['x-ctxpress-budget']).toBeUndefined();

    const body = '{"model":"text-embedding-3-small","input":["a",  "b"],"dimensions":1.0e2,"ctxpress":{"x":1}}';
    const embedded = await app.request('/v1/embeddings', post(body, { 'x-test-mode': 'echo' }));
    expect(embedded.status).toBe(201);
    expect(last().body).toBe(body); // not even the ctxpress field is touched: passthrough bodies are not read
    expect(last().headers['content-type']).toBe('application/json');

    for (const [method, path] of [
      ['DELETE', '/v1/responses/resp_1'],
      ['GET', '/v1/chat/completions?limit=1'],
      ['POST', '/v1/responses/resp_1/cancel'],
      ['PUT', '/v1/anything/at/all'],
    ] as const) {
      const r = await app.request(path, { method, headers: { 'x-test-mode': 'echo' } });
      expect(await r.json()).toMatchObject({ method, url: path });
    }
  });

  it('applies the key rules: the configured key as Bearer, or as x-api-key for Anthropic requests', async () => {
    const app = createApp({ upstream: upstream.url, upstreamApiKey: 'sk-up', apiKeys: ['ctx'] });
    expect((await app.request('/v1/models', { headers: { 'x-test-mode': 'echo' } })).status).toBe(401);
    expect(upstream.received).toHaveLength(0);
    await app.request('/v1/models', { headers: { authorization: 'Bearer ctx', 'x-test-mode': 'echo' } });
    expect(last().headers['authorization']).toBe('Bearer sk-up');
    await app.request(
      '/v1/messages/count_tokens',
      post({ model: 'claude', messages }, { 'x-api-key': 'ctx', 'anthropic-version': '2023-06-01', 'x-test-mode': 'echo' }),
    );
    expect(last().url).toBe('/v1/messages/count_tokens');
    expect(last().headers['x-api-key']).toBe('sk-up');
    expect(last().headers['authorization']).toBeUndefined();
  });

  it('streams a request body of unknown length through a real server', async () => {
    const server = await startServer({ port: 0, upstream: upstream.url, workers: 0 });
    try {
      const chunks = ['part one, ', 'part two, ', 'part three'];
      const stream = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const next = chunks.shift();
          if (next === undefined) controller.close();
          else controller.enqueue(new TextEncoder().encode(next));
        },
      });
      const res = await fetch(`${server.url}/v1/audio/transcriptions`, {
        method: 'POST',
        body: stream,
        duplex: 'half',
        headers: { 'content-type': 'application/octet-stream', 'x-test-mode': 'echo' },
      } as RequestInit);
      expect(res.status).toBe(201);
      expect(last().body).toBe('part one, part two, part three');
    } finally {
      await server.close();
    }
  });

  it('keeps ctxpress routes first: /v1/compress, /healthz, /metrics are never forwarded', async () => {
    const app = createApp({ upstream: upstream.url });
    const wrongMethod = await app.request('/v1/compress', { headers: { 'x-test-mode': 'echo' } });
    expect(wrongMethod.status).toBe(405);
    expect(((await wrongMethod.json()) as { error: { code: string } }).error.code).toBe('METHOD_NOT_ALLOWED');
    expect((await app.request('/healthz')).status).toBe(200);
    expect((await app.request('/metrics')).status).toBe(200);
    const compressed = await app.request('/v1/compress', post({ text: sample, budget: { ratio: 4 } }));
    expect(compressed.status).toBe(200);
    expect(upstream.received).toHaveLength(0);
    expect((await app.request('/v2/models')).status).toBe(404);
  });

  it("answers 413 for a declared body over the limit, and 502 in OpenAI's shape when the upstream is down", async () => {
    const small = createApp({ upstream: upstream.url, maxBodyBytes: 10 });
    const big = await small.request('/v1/files', post('x'.repeat(100), { 'content-length': '100' }));
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: { type: string; code: string } }).error).toMatchObject({ type: 'invalid_request_error', code: 'PAYLOAD_TOO_LARGE' });
    const down = await createApp({ upstream: 'http://127.0.0.1:9' }).request('/v1/models');
    expect(down.status).toBe(502);
    expect(((await down.json()) as { error: { code: string } }).error.code).toBe('UPSTREAM_UNAVAILABLE');
  });
});

describe('error shapes', () => {
  type OpenAiError = { error: { message: string; type: string; param: null; code: string } };
  type AnthropicError = { type: string; error: { type: string; message: string } };

  it("OpenAI routes answer with OpenAI's shape, the ctxpress code in code, the message and a header", async () => {
    const res = await createApp({ upstream: upstream.url }).request('/v1/responses', post({ input: 'x' }, { 'x-ctxpress-budget': 'lots' }));
    expect(res.status).toBe(400);
    expect(res.headers.get('x-ctxpress-error')).toBe('INVALID_BUDGET');
    const body = (await res.json()) as OpenAiError;
    expect(body).toEqual({ error: { message: expect.stringContaining('INVALID_BUDGET'), type: 'invalid_request_error', param: null, code: 'INVALID_BUDGET' } });
    const closed = await createApp(
      { upstream: upstream.url, budget: { ratio: 2 }, failMode: 'closed' },
      { compressChat: async () => Promise.reject(new Error('x')) },
    ).request('/v1/chat/completions', post({ messages }));
    expect(closed.status).toBe(502);
    expect(((await closed.json()) as OpenAiError).error).toMatchObject({ type: 'server_error', code: 'COMPRESSION_FAILED' });
    expect(closed.headers.get('x-ctxpress-error')).toBe('INTERNAL');
  });

  it.each([
    ['a bad control', {}, { 'x-ctxpress-ratio': '0.5' }, 400, 'invalid_request_error', 'INVALID_BUDGET'],
    ['a missing key', { apiKeys: ['k'] }, {}, 401, 'authentication_error', 'UNAUTHORIZED'],
    ['a body over the limit', { maxBodyBytes: 50 }, {}, 413, 'request_too_large', 'PAYLOAD_TOO_LARGE'],
    ['fail mode closed', { budget: { ratio: 2 }, failMode: 'closed' }, {}, 502, 'api_error', 'COMPRESSION_FAILED'],
  ])("Anthropic routes answer %s with Anthropic's shape", async (_name, config, headers, status, type, code) => {
    const app = createApp({ upstream: upstream.url, ...config }, { compressChat: async () => Promise.reject(new Error('x')) });
    const res = await app.request('/v1/messages', post({ model: 'claude', max_tokens: 10, messages }, { 'anthropic-version': '2023-06-01', ...headers }));
    expect(res.status).toBe(status);
    const body = (await res.json()) as AnthropicError;
    expect(body.type).toBe('error');
    expect(body.error.type).toBe(type);
    expect(body.error.message).toContain(code);
    expect(res.headers.get('x-ctxpress-error')).toBe(status === 502 ? 'INTERNAL' : code);
  });

  it("Anthropic passthrough siblings answer in Anthropic's shape too; ctxpress routes keep their own", async () => {
    const none = createApp();
    const count = (await (await none.request('/v1/messages/count_tokens', post({}))).json()) as AnthropicError;
    expect(count).toMatchObject({ type: 'error', error: { type: 'api_error' } });
    const models = (await (await none.request('/v1/models', { headers: { 'anthropic-version': '2023-06-01' } })).json()) as AnthropicError;
    expect(models.type).toBe('error');
    const own = (await (await none.request('/v1/compress', post({ text: 'x', budget: { tokens: 0 } }))).json()) as { error: Record<string, unknown> };
    expect(Object.keys(own.error).sort()).toEqual(['code', 'message']);
  });
});

describe('server-level default policy', () => {
  it('compressOver N: requests over N tokens are compressed to N, smaller ones forwarded byte for byte', async () => {
    const app = createApp({ upstream: upstream.url, compressOver: 2000, keepLastTurns: 1, workers: 0 });
    const big = await app.request('/v1/chat/completions', post({ model: 'm', messages }));
    expect(big.headers.get('x-ctxpress-status')).toBe('compressed');
    expect(numericHeader(big, 'x-ctxpress-tokens-after')).toBeLessThanOrEqual(2000);
    const smallRaw = JSON.stringify({ model: 'm', messages: [messages[0], messages[3]], temperature: 1 }).replace('1}', '1.0}');
    const small = await app.request('/v1/chat/completions', post(smallRaw));
    expect(small.headers.get('x-ctxpress-status')).toBe('compressed');
    expect(last().body).toBe(smallRaw);
  });

  it('minTokens: requests under the threshold are not touched (small ones not even counted); a request budget ignores it', async () => {
    const { compressor, calls } = recording();
    const metrics = new Metrics();
    const app = createApp({ upstream: upstream.url, budget: { ratio: 2 }, minTokens: 500, keepLastTurns: 1 }, { compressChat: compressor, metrics });
    const tiny = await app.request('/v1/chat/completions', post({ messages: [{ role: 'user', content: 'hi' }] }));
    expect(tiny.headers.get('x-ctxpress-status')).toBe('skipped');
    expect(tiny.headers.get('x-ctxpress-reason')).toBe('below-min-tokens');
    expect(calls).toHaveLength(0);
    // over 500 bytes, under 500 tokens: counted, then forwarded as it was
    const medium = JSON.stringify({
      messages: [
        { role: 'user', content: 'word '.repeat(150) },
        { role: 'assistant', content: 'ok' },
        { role: 'user', content: 'hi' },
      ],
    });
    const mid = await app.request('/v1/chat/completions', post(medium));
    expect(mid.headers.get('x-ctxpress-reason')).toBe('below-min-tokens');
    expect(calls).toHaveLength(1);
    expect(last().body).toBe(medium);
    const big = await app.request('/v1/chat/completions', post({ messages }));
    expect(big.headers.get('x-ctxpress-status')).toBe('compressed');
    const own = await app.request('/v1/chat/completions', post({ messages: [{ role: 'user', content: 'hi' }] }, { 'x-ctxpress-budget': '100' }));
    expect(own.headers.get('x-ctxpress-status')).toBe('compressed');
    expect(metrics.render()).toContain('ctxpress_proxy_requests_total{route="/v1/chat/completions",status="skipped",reason="below-min-tokens"} 2');
  });

  it('fails open visibly: the status header, a reason label in /metrics, a log line without content', async () => {
    const log: AccessLogEntry[] = [];
    const app = createApp({ upstream: upstream.url, budget: { tokens: 5 }, workers: 0 }, { log: (entry) => log.push(entry) });
    const res = await app.request('/v1/messages', post({ model: 'claude', max_tokens: 5, system: 'Be brief.', messages: messages.slice(1) }));
    expect(res.status).toBe(200);
    expect(res.headers.get('x-ctxpress-status')).toBe('failed-open');
    expect(res.headers.get('x-ctxpress-error')).toBe('BUDGET_UNSATISFIABLE');
    const text = await (await app.request('/metrics')).text();
    expect(text).toContain('ctxpress_proxy_fail_open_total{reason="BUDGET_UNSATISFIABLE"} 1');
    expect(log[0]).toMatchObject({ method: 'POST', route: '/v1/messages', status: 200, proxy: { status: 'failed-open', reason: 'BUDGET_UNSATISFIABLE' } });
    expect(JSON.stringify(log)).not.toMatch(/rover|battery|brief/i);
  });
});
