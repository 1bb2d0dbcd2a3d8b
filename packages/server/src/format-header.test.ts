import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from './app.js';

const post = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('POST /v1/compress says which compressor ran (x-ctxpress-format)', () => {
  const app = createApp({ workers: 0 });
  const pooled = createApp({ workers: 1 }); // the format comes back from the worker thread with the result
  afterAll(() => pooled.close());
  const logs = Array.from({ length: 40 }, (_, i) => `2026-12-01T10:00:${String(i % 60).padStart(2, '0')}Z INFO request ${i} served in 12 ms`).join('\n');
  const json = JSON.stringify({ items: Array.from({ length: 40 }, (_, i) => ({ id: i, name: `item ${i}`, note: 'nothing special here' })) });
  it.each([
    ['prose text (auto)', { text: 'The rover landed in 2021. Its battery is charged by a generator. Dust is a risk.', budget: { tokens: 8 } }, 'text'],
    ['a log (auto)', { text: logs, budget: { ratio: 4 } }, 'logs'],
    ['JSON (auto)', { text: json, budget: { ratio: 4 } }, 'json'],
    ['JSON forced to prose', { text: json, budget: { ratio: 4 }, format: 'text' }, 'text'],
    ['messages', { messages: [{ role: 'user', content: 'Hello there, what limits the battery?' }], budget: { tokens: 50 } }, 'chat'],
  ])('%s', async (_name, body, format) => {
    for (const target of [app, pooled]) {
      const res = await target.request('/v1/compress', post(body));
      expect(res.status).toBe(200);
      expect(res.headers.get('x-ctxpress-format')).toBe(format);
    }
  });
});
