import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { closeApp, createApp, type AccessLogEntry } from './app.js';
import { Metrics } from './metrics.js';
import { startServer } from './server.js';
import type { ChatCompressor } from './proxy.js';

const sample = readFileSync(new URL('../../cli/samples/sample.md', import.meta.url), 'utf8');

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
    const before = Number(res.headers.get('x-ctxpress-tokens-before'));
    const after = Number(res.headers.get('x-ctxpress-tokens-after'));
    expect(before).toBeGreaterThan(1000);
    expect(after).toBeLessThanOrEqual(400); // the body field wins over the header
    expect(Number(res.headers.get('x-ctxpress-compress-ms'))).toBeGreaterThanOrEqual(0);

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
    expect(sentMessages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(sentMessages[0]!.content).toBe(messages[0]!.content);
    expect(sentMessages[3]!.content).toBe(messages[3]!.content);
    expect(sentMessages[1]!.content.length).toBeLessThan(messages[1]!.content.length);
  });

  it('uses the x-ctxpress-budget header and the configured budget', async () => {
    const viaHeader = await createApp({ upstream: upstream.url }).request(
      '/v1/chat/completions',
      post({ model: 'm', messages }, { 'x-ctxpress-budget': '3000' }),
    );
    expect(Number(viaHeader.headers.get('x-ctxpress-tokens-after'))).toBeLessThanOrEqual(3000);
    const viaConfig = await createApp({ upstream: upstream.url, budget: { ratio: 2 }, keepLastTurns: 1 }).request(
      '/v1/chat/completions',
      post({ model: 'm', messages }),
    );
    expect(viaConfig.headers.get('x-ctxpress-status')).toBe('compressed');
    const before = Number(viaConfig.headers.get('x-ctxpress-tokens-before'));
    expect(Number(viaConfig.headers.get('x-ctxpress-tokens-after'))).toBeLessThanOrEqual(Math.floor(before / 2));
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

  it('answers 503 when no upstream is configured', async () => {
    const res = await createApp().request('/v1/messages', post({ messages }));
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('UPSTREAM_NOT_CONFIGURED');
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
    expect(metrics.failOpen.get()).toBe(1);
    expect(metrics.render()).toContain('ctxpress_compression_failures_total{reason="INTERNAL"} 1');
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
    // The access log has method, route, status and time only: no prompt text, no keys.
    expect(log.map((entry) => Object.keys(entry).sort())).toEqual([
      ['method', 'ms', 'route', 'status'],
      ['method', 'ms', 'route', 'status'],
    ]);
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
