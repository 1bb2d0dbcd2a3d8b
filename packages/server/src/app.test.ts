import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { closeApp, createApp } from './app.js';
import { Metrics } from './metrics.js';

const sample = readFileSync(new URL('../../cli/samples/sample.md', import.meta.url), 'utf8');

function post(body: unknown, headers: Record<string, string> = {}): RequestInit {
  return { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) };
}

describe('GET /healthz and /metrics', () => {
  it('reports status and version', async () => {
    const res = await createApp().request('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
  });

  it('exposes Prometheus text with requests, latency, tokens, failures and cache counters', async () => {
    const app = createApp();
    await app.request('/healthz');
    await app.request('/nope');
    await app.request('/v1/compress', post({ text: sample, query: 'battery', budget: { ratio: 4 } }));
    const res = await app.request('/metrics');
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toContain('ctxpress_http_requests_total{route="/healthz",method="GET",status="200"} 1');
    expect(text).toContain('ctxpress_http_requests_total{route="unmatched",method="GET",status="404"} 1');
    expect(text).toContain('# TYPE ctxpress_http_request_duration_seconds histogram');
    expect(text).toMatch(/ctxpress_http_request_duration_seconds_bucket\{route="\/v1\/compress",le="\+Inf"\} 1/);
    expect(text).toMatch(/ctxpress_tokens_in_total\{route="\/v1\/compress"\} \d{4}/);
    expect(text).toMatch(/ctxpress_tokens_saved_total\{route="\/v1\/compress"\} \d{3,}/);
    expect(text).toContain('# TYPE ctxpress_compression_failures_total counter');
    expect(text).toContain('ctxpress_cache_hits_total 0');
    expect(text).toContain('ctxpress_cache_misses_total 0');
    expect(text).toContain('ctxpress_compression_queue_depth 0');
  });
});

describe('POST /v1/compress', () => {
  const app = createApp();

  it('compresses text to the budget and returns the whole result', async () => {
    const res = await app.request(
      '/v1/compress',
      post({ text: sample, query: 'What limits the battery life of the rover?', budget: { tokens: 300 }, explain: true }),
    );
    expect(res.status).toBe(200);
    const result = (await res.json()) as {
      text: string;
      tokens: { original: number; compressed: number; budget: number };
      kept: unknown[];
      units: { count: number; start: number[] };
    };
    expect(result.tokens.budget).toBe(300);
    expect(result.tokens.compressed).toBeLessThanOrEqual(300);
    expect(result.tokens.original).toBeGreaterThan(1000);
    expect(result.kept.length).toBeGreaterThan(0);
    expect(result.units.count).toBeGreaterThan(0);
    expect(result.units.start).toHaveLength(result.units.count);
    expect(sample).toContain(result.text.split('\n')[0]!);
  });

  it('takes documents, keep patterns and a tokenizer by name', async () => {
    const res = await app.request(
      '/v1/compress',
      post({
        documents: [
          { id: 'a', text: sample },
          { id: 'b', title: 'Other', text: 'Nothing about ID-4242 here.' },
        ],
        keep: ['/ID-\\d+/'],
        budget: { ratio: 4 },
        tokenizer: 'cl100k_base',
      }),
    );
    expect(res.status).toBe(200);
    const result = (await res.json()) as { text: string; sources: { id: string }[] };
    expect(result.text).toContain('ID-4242');
    expect(result.sources.map((source) => source.id)).toEqual(['a', 'b']);
  });

  it('routes messages to compressChat, json and logs text to their compressors, and code files to compressCode', async () => {
    const messages = [
      { role: 'system', content: 'You are helpful.' },
      { role: 'user', content: sample },
      { role: 'assistant', content: 'Noted.' },
      { role: 'user', content: 'What limits the battery life?' },
    ];
    const chat = (await (await app.request('/v1/compress', post({ messages, budget: { tokens: 400 }, keepLastTurns: 1 }))).json()) as {
      messages: unknown[];
      format: string;
      decisions: unknown[];
    };
    expect(chat.format).toBe('openai');
    expect(chat.decisions).toHaveLength(4);
    // the sample is cut to what answers the question; the unrelated "Noted." may go; system and question stay whole
    expect(chat.messages[0]).toEqual(messages[0]);
    expect(chat.messages.at(-1)).toEqual(messages[3]);
    expect(JSON.stringify(chat.messages)).toMatch(/battery/);

    // keep patterns apply to chats too: the matched sentence survives wherever it is
    const kept = (await (
      await app.request('/v1/compress', post({ messages, budget: { tokens: 400 }, keepLastTurns: 1, keep: ['Radioisotope heater units'] }))
    ).json()) as { messages: unknown[] };
    expect(kept, JSON.stringify(kept).slice(0, 300)).toHaveProperty('messages');
    expect(JSON.stringify(kept.messages)).toContain('Radioisotope heater units');
    expect(kept.messages.at(-1)).toEqual(messages[3]);

    const json = JSON.stringify({ items: Array.from({ length: 200 }, (_, i) => ({ id: i, name: `item ${i}`, tags: ['a', 'b'] })) });
    const jsonRes = (await (await app.request('/v1/compress', post({ text: json, format: 'json', budget: { ratio: 5 } }))).json()) as { text: string };
    expect(() => JSON.parse(jsonRes.text)).not.toThrow();

    const logs =
      Array.from({ length: 300 }, (_, i) => `2026-11-26T05:00:${String(i % 60).padStart(2, '0')}Z INFO request ${i} ok`).join('\n') +
      '\n2026-11-26T05:01:00Z ERROR disk full';
    const logRes = (await (await app.request('/v1/compress', post({ text: logs, format: 'logs', budget: { ratio: 5 } }))).json()) as { text: string };
    expect(logRes.text).toContain('ERROR disk full');

    const code =
      'export function add(a: number, b: number): number {\n  return a + b;\n}\n\nexport function mul(a: number, b: number): number {\n  return a * b;\n}\n';
    const codeRes = await app.request('/v1/compress', post({ code: [{ path: 'src/math.ts', text: code.repeat(20) }], query: 'mul', budget: { ratio: 3 } }));
    expect(codeRes.status).toBe(200);
    expect(((await codeRes.json()) as { files: unknown[] }).files).toHaveLength(1);
  });

  it.each([
    ['not JSON', '{oops', 'INVALID_JSON'],
    ['no input', { budget: { tokens: 10 } }, 'INVALID_INPUT'],
    ['two inputs', { text: 'a', messages: [], budget: { tokens: 10 } }, 'INVALID_INPUT'],
    ['no budget', { text: 'a' }, 'INVALID_BUDGET'],
    ['bad budget', { text: 'a', budget: { tokens: 0 } }, 'INVALID_BUDGET'],
    ['both budgets', { text: 'a', budget: { tokens: 5, ratio: 2 } }, 'INVALID_BUDGET'],
    ['unknown field', { text: 'a', budget: { tokens: 5 }, tokenz: 1 }, 'INVALID_OPTION'],
    ['unknown format', { text: 'a', budget: { tokens: 5 }, format: 'yaml' }, 'INVALID_OPTION'],
    ['format/input mismatch', { text: 'a', budget: { tokens: 5 }, format: 'chat' }, 'INVALID_INPUT'],
    ['bad keep regex', { text: 'a', budget: { tokens: 5 }, keep: ['/(/'] }, 'INVALID_OPTION'],
    ['keep regex that can backtrack catastrophically and RE2 cannot run', { text: 'a', budget: { tokens: 5 }, keep: ['/(a+)+\\1/'] }, 'INVALID_OPTION'],
    ['unknown tokenizer', { text: 'a b c', budget: { tokens: 5 }, tokenizer: 'nope-9' }, 'UNKNOWN_TOKENIZER'],
    ['bad code files', { code: [{ path: 1 }], budget: { tokens: 5 } }, 'INVALID_INPUT'],
  ])('answers 400 with a coded error: %s', async (_name, body, code) => {
    const res = await app.request('/v1/compress', post(body));
    expect(res.status).toBe(400);
    const json = (await res.json()) as { error: { code: string; message: string } };
    expect(json.error.code).toBe(code);
    expect(json.error.message.length).toBeGreaterThan(5);
  });

  it('regexKeep: none refuses every regular expression but takes plain strings; any takes what safe refuses', async () => {
    const text = 'Order ID-42 shipped. The weather was fine. Nothing else happened today at all.';
    const none = createApp({ regexKeep: 'none', workers: 0 });
    const refused = await none.request('/v1/compress', post({ text, budget: { tokens: 6 }, keep: ['/ID-\\d+/'] }));
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { code: string; message: string } }).error.message).toMatch(/does not accept regular expressions/);
    const literal = await none.request('/v1/compress', post({ text, budget: { tokens: 6 }, keep: ['ID-42'] }));
    expect(literal.status).toBe(200);
    expect(((await literal.json()) as { text: string }).text).toContain('ID-42');
    const any = createApp({ regexKeep: 'any', workers: 0 });
    const accepted = await any.request('/v1/compress', post({ text, budget: { tokens: 6 }, keep: ['/(I+)+D-\\d+/'] }));
    expect(accepted.status).toBe(200);
  });

  it('with workers: 0, a request with a regular expression still runs in a worker, so the time limit stops a catastrophic one', async () => {
    const app = createApp({ regexKeep: 'any', workers: 0, timeoutMs: 2_000 }); // a worker's cold start fits, 2^40 steps do not
    try {
      const text = `First sentence here. ${'a'.repeat(40)}! Another sentence follows it.`;
      const t = performance.now();
      const res = await app.request('/v1/compress', post({ text, budget: { tokens: 6 }, keep: ['/(a+)+$/'] }));
      expect(res.status).toBe(504);
      expect(performance.now() - t).toBeLessThan(5000);
      const after = await app.request('/v1/compress', post({ text: 'Order ID-42 shipped. The weather was fine.', budget: { tokens: 6 }, keep: ['/ID-\\d+/'] }));
      expect(after.status).toBe(200);
      expect(((await after.json()) as { text: string }).text).toContain('ID-42');
    } finally {
      await closeApp(app);
    }
  });

  it('with workers: 0, in-thread compression stops itself at the time limit (504 TIMEOUT) and the service keeps answering', async () => {
    const app = createApp({ workers: 0, timeoutMs: 1 });
    try {
      const text = Array.from({ length: 20_000 }, (_, i) => `Sentence ${i} says something about topic ${i % 97}.`).join(' ');
      const res = await app.request('/v1/compress', post({ text, budget: { ratio: 10 }, query: 'topic 42' }));
      expect(res.status).toBe(504);
      expect(((await res.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'TIMEOUT', message: expect.stringMatching(/timeLimitMs/) });
      expect((await app.request('/healthz')).status).toBe(200);
    } finally {
      await closeApp(app);
    }
    const roomy = createApp({ workers: 0, timeoutMs: 60_000 });
    try {
      const ok = await roomy.request('/v1/compress', post({ text: 'Order ID-42 shipped. The weather was fine.', budget: { tokens: 6 } }));
      expect(ok.status).toBe(200);
    } finally {
      await closeApp(roomy);
    }
  });

  it('answers 404 for unknown routes and 405 for wrong methods', async () => {
    const missing = await app.request('/v2/compress', post({}));
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    expect((await app.request('/v1/compress')).status).toBe(405);
  });

  it('answers 413 for a body over the limit, declared or streamed', async () => {
    const small = createApp({ maxBodyBytes: 100 });
    const res = await small.request('/v1/compress', post({ text: 'x'.repeat(200), budget: { tokens: 5 } }));
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('PAYLOAD_TOO_LARGE');
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 5; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(50)));
        controller.close();
      },
    });
    const chunked = await small.request('/v1/compress', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
  });

  it('answers 504 when compression exceeds the time limit, and counts it', async () => {
    const metrics = new Metrics();
    const slow = createApp({ timeoutMs: 1 }, { metrics });
    const res = await slow.request('/v1/compress', post({ text: sample.repeat(6), query: 'battery', budget: { ratio: 4 } }));
    expect(res.status).toBe(504);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('TIMEOUT');
    expect(metrics.failures.get({ reason: 'TIMEOUT' })).toBe(1);
  });
});

describe('API keys', () => {
  const app = createApp({ apiKeys: ['k1', 'k2'] });
  const body = { text: 'short text here.', budget: { tokens: 50 } };

  it('answers 401 without a valid key', async () => {
    expect((await app.request('/v1/compress', post(body))).status).toBe(401);
    const wrong = await app.request('/v1/compress', post(body, { authorization: 'Bearer nope' }));
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED');
  });

  it('accepts Bearer and x-api-key, and leaves /healthz and /metrics open', async () => {
    expect((await app.request('/v1/compress', post(body, { authorization: 'Bearer k2' }))).status).toBe(200);
    expect((await app.request('/v1/compress', post(body, { 'x-api-key': 'k1' }))).status).toBe(200);
    expect((await app.request('/healthz')).status).toBe(200);
    expect((await app.request('/metrics')).status).toBe(200);
  });
});

describe('POST /v1/compress with a segment cache', () => {
  const documents = sample
    .split(/\n(?=## )/)
    .filter((part) => part.trim() !== '')
    .map((text, i) => ({ id: `d${i}`, text }));

  function metric(text: string, name: string): number {
    const match = new RegExp(`^${name} (\\d+)$`, 'm').exec(text);
    return match === null ? Number.NaN : Number(match[1]);
  }

  for (const [cache, workers] of [
    ['memory', 2],
    ['directory', 2],
    ['memory', 0],
    ['directory', 0],
  ] as const) {
    it(`reuses the documents of an earlier request (${cache}, ${workers} workers) and answers exactly as without a cache`, async () => {
      const cacheValue = cache === 'memory' ? 'memory' : mkdtempSync(join(tmpdir(), 'ctxpress-server-cache-'));
      const cached = createApp({ cache: cacheValue, workers });
      const uncached = createApp();
      const first = { documents, query: 'What limits the battery life of the rover?', budget: { ratio: 4 } };
      const second = { documents, query: 'How does the rover communicate?', budget: { tokens: 200 } };

      const a = await cached.request('/v1/compress', post(first));
      expect(a.status).toBe(200);
      const afterFirst = await (await cached.request('/metrics')).text();
      expect(metric(afterFirst, 'ctxpress_cache_hits_total')).toBe(0);
      expect(metric(afterFirst, 'ctxpress_cache_misses_total')).toBeGreaterThan(0);

      const b = await cached.request('/v1/compress', post(second));
      expect(b.status).toBe(200);
      const afterSecond = await (await cached.request('/metrics')).text();
      expect(metric(afterSecond, 'ctxpress_cache_hits_total')).toBeGreaterThan(0);
      expect(metric(afterSecond, 'ctxpress_cache_misses_total')).toBe(metric(afterFirst, 'ctxpress_cache_misses_total'));

      const withoutTimings = async (res: Response): Promise<unknown> => {
        const { timings, ...rest } = (await res.json()) as { timings?: unknown };
        void timings;
        return rest;
      };
      expect(await withoutTimings(a)).toEqual(await withoutTimings(await uncached.request('/v1/compress', post(first))));
      expect(await withoutTimings(b)).toEqual(await withoutTimings(await uncached.request('/v1/compress', post(second))));
      expect(metric(await (await uncached.request('/metrics')).text(), 'ctxpress_cache_misses_total')).toBe(0);
    });
  }

  it('does not use the cache for chat, json, logs or code', async () => {
    const app = createApp({ cache: 'memory' });
    const res = await app.request('/v1/compress', post({ text: JSON.stringify({ a: [1, 2, 3] }), format: 'json', budget: { ratio: 1 } }));
    expect(res.status).toBe(200);
    const text = await (await app.request('/metrics')).text();
    expect(metric(text, 'ctxpress_cache_misses_total')).toBe(0);
  });
});

describe('POST /v1/compress in worker threads', () => {
  it('answers as the in-thread path does, for concurrent requests and errors alike', async () => {
    const pooled = createApp({ workers: 2 });
    const inThread = createApp({ workers: 0 });
    const bodies = [
      { text: sample, query: 'battery', budget: { ratio: 4 } },
      { text: sample, query: 'radio', budget: { tokens: 150 } },
      { text: sample, budget: { tokens: 100 }, tokenizer: 'no-such-tokenizer' },
    ];
    const strip = async (res: Response): Promise<unknown> => {
      const { timings, ...rest } = (await res.json()) as { timings?: unknown };
      void timings;
      return { status: res.status, ...rest };
    };
    const fromPool = await Promise.all(bodies.map(async (body) => strip(await pooled.request('/v1/compress', post(body)))));
    const fromThread = await Promise.all(bodies.map(async (body) => strip(await inThread.request('/v1/compress', post(body)))));
    expect(fromPool).toEqual(fromThread);
    expect((fromPool[0] as { status: number }).status).toBe(200);
    expect((fromPool[2] as { status: number }).status).toBe(400);
    await closeApp(pooled);
  });
});
