import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CtxpressApp as Hono } from './app.js';
import { freePort, redisCommand, skipRedisTests, startRedisServer, type RedisServer } from '@ctxpress/node/testing';
import { closeApp, createApp } from './app.js';

const sample = readFileSync(new URL('../../cli/samples/sample.md', import.meta.url), 'utf8');
const documents = sample
  .split(/\n(?=## )/)
  .filter((part) => part.trim() !== '')
  .map((text, i) => ({ id: `d${i}`, text }));
const first = { documents, query: 'What limits the battery life of the rover?', budget: { ratio: 4 } };
const second = { documents, query: 'How does the rover communicate?', budget: { tokens: 200 } };

function post(body: unknown): RequestInit {
  return { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

function metric(text: string, name: string): number {
  const match = new RegExp(`^${name} (\\d+)$`, 'm').exec(text);
  return match === null ? Number.NaN : Number(match[1]);
}

async function cacheMetrics(app: Hono): Promise<{ hits: number; misses: number }> {
  const text = await (await app.request('/metrics')).text();
  return { hits: metric(text, 'ctxpress_cache_hits_total'), misses: metric(text, 'ctxpress_cache_misses_total') };
}

async function compressBody(app: Hono, body: unknown): Promise<unknown> {
  const res = await app.request('/v1/compress', post(body));
  expect(res.status).toBe(200);
  const { timings, ...rest } = (await res.json()) as { timings?: unknown };
  void timings;
  return rest;
}

describe.skipIf(skipRedisTests())('a Redis segment cache shared by two server instances', () => {
  let server: RedisServer;
  const apps: Hono[] = [];
  const open = (config: Parameters<typeof createApp>[0]): Hono => {
    const app = createApp(config);
    apps.push(app);
    return app;
  };
  let expected: { first: unknown; second: unknown };

  beforeAll(async () => {
    server = await startRedisServer(); // fails with "apt-get install -y redis-server" when it is missing
    const plain = open({ workers: 0 });
    expected = { first: await compressBody(plain, first), second: await compressBody(plain, second) };
  });
  afterAll(async () => {
    await Promise.all(apps.map((app) => closeApp(app)));
    await server?.stop();
  });

  for (const [workersA, workersB] of [
    [0, 0],
    [1, 1],
  ] as const) {
    it(`instance B reuses what instance A cached (workers ${workersA} and ${workersB}); outputs equal a no-cache app`, async () => {
      expect(await redisCommand(server.port, ['FLUSHALL'])).toBe('+OK');
      const a = open({ cache: server.url, workers: workersA });
      const b = open({ cache: `${server.url}/0`, workers: workersB });
      expect(await compressBody(a, first)).toEqual(expected.first);
      const afterA = await cacheMetrics(a);
      expect(afterA.hits).toBe(0);
      expect(afterA.misses).toBeGreaterThan(0);
      expect(Number((await redisCommand(server.port, ['DBSIZE']))?.slice(1))).toBeGreaterThan(0);

      expect(await compressBody(b, second)).toEqual(expected.second);
      const afterB = await cacheMetrics(b);
      expect(afterB.hits).toBeGreaterThan(0);
      expect(afterB.misses).toBe(0);
      await closeApp(a);
      await closeApp(b);
    });
  }

  it('a Redis that is down: same answers, quickly, no errors', async () => {
    const port = await freePort();
    for (const workers of [0, 1]) {
      const app = open({ cache: `redis://127.0.0.1:${port}`, workers });
      const started = performance.now();
      expect(await compressBody(app, first)).toEqual(expected.first);
      expect(await compressBody(app, second)).toEqual(expected.second);
      if (workers === 0) expect(performance.now() - started).toBeLessThan(2000); // a worker's first request also loads it
      // nothing comes from Redis; what hits is the in-process memory front (tieredCacheStore), filled by the first request
      const metrics = await cacheMetrics(app);
      expect(metrics.misses).toBeGreaterThan(0);
      await closeApp(app);
    }
  });
});
