import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isCtxpressError } from '@ctxpress/core';
import { compressWithCache } from './compress.js';
import { createCacheStore } from './create.js';

const DOCS = [
  { id: 'a', text: 'The rover landed in Jezero crater. Its battery is charged by a radioisotope generator. Dust is a problem.' },
  { id: 'b', text: 'Helicopter flights were short. The team planned each one for days. Wind limited the schedule.' },
];

describe('createCacheStore: a store the caller owns and closes', () => {
  it('memory: a new store every call, used by compress, closable', async () => {
    const a = createCacheStore('memory');
    const b = createCacheStore({ memory: { maxBytes: 1024 * 1024 } });
    expect(a).not.toBe(b);
    const events: string[] = [];
    for (let i = 0; i < 2; i++) await compressWithCache(DOCS, { budget: { ratio: 2 }, query: 'battery', cache: a, onCacheEvent: (e) => events.push(e.type) });
    expect(events).toContain('miss');
    expect(events).toContain('hit');
    await a.close();
    await b.close();
  });

  it('directory: files written by the time close() returns', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'ctxpress-create-'));
    const store = createCacheStore({ directory });
    await compressWithCache(DOCS, { budget: { ratio: 2 }, query: 'battery', cache: store });
    await store.close();
    expect(readdirSync(directory, { recursive: true }).length).toBeGreaterThan(0);
  });

  it('refuses a bad spec with INVALID_OPTION saying what it takes', () => {
    for (const spec of ['disk', 'http://h', { directory: '' }, { memory: { maxBytes: -1 } }, { directory: '/tmp/x', maxBytes: 'big' }, null]) {
      try {
        createCacheStore(spec as never);
        expect.unreachable(`accepted ${JSON.stringify(spec)}`);
      } catch (error) {
        expect(isCtxpressError(error) && error.code).toBe('INVALID_OPTION');
        expect((error as Error).message).toMatch(/memory|directory|redis|maxBytes/);
      }
    }
  });
});
