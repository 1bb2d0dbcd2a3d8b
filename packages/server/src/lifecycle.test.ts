import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createApp } from './app.js';
import { cacheSpec } from './cache-spec.js';

const post = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('the app owns what it starts (issue 10 item 3)', () => {
  it('close() writes and releases the cache store the app opened; a closed app can be closed again', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'ctxpress-app-'));
    const app = createApp({ workers: 0, cache: directory });
    const text = 'The rover landed in Jezero crater. Its battery is charged by a radioisotope generator. Dust is a problem. '.repeat(20);
    const res = await app.request('/v1/compress', post({ text, query: 'battery', budget: { ratio: 4 } }));
    expect(res.status).toBe(200);
    await app.close();
    expect(readdirSync(directory, { recursive: true }).length).toBeGreaterThan(0);
    await app.close();
  });

  it('warm() then a request runs on the worker threads; close() stops them (the app no longer compresses)', async () => {
    const app = createApp({ workers: 1 });
    app.warm();
    const body = post({ text: 'One sentence here. Another one there. A third one too.', budget: { tokens: 5 } });
    const res = await app.request('/v1/compress', body);
    expect(res.status).toBe(200);
    await app.close();
    const after = await app.request('/v1/compress', post({ text: 'One sentence here. Another one there. A third one too.', budget: { tokens: 5 } }));
    expect(after.status).toBe(500);
  });

  it('maps the cache setting onto createCacheStore specs', () => {
    expect(cacheSpec('memory', undefined)).toEqual({ memory: {} });
    expect(cacheSpec('memory', 1024)).toEqual({ memory: { maxBytes: 1024 } });
    expect(cacheSpec(' redis://127.0.0.1:6379 ', undefined)).toBe('redis://127.0.0.1:6379');
    expect(cacheSpec('.ctxpress-cache', 2048)).toEqual({ directory: '.ctxpress-cache', maxBytes: 2048 });
  });
});
