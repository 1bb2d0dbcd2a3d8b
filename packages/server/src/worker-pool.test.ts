import { mkdtempSync, writeFileSync } from 'node:fs';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CtxpressError } from '@ctxpress/core';
import { afterEach, describe, expect, it } from 'vitest';
import { TimeoutError } from './http.js';
import { CompressionWorkerPool, type WorkerJob } from './worker-pool.js';

/** A stand-in worker: `{ body: { sleep: ms } }` blocks its thread, `{ body: { hang: true } }` never returns. */
function fakeWorker(): URL {
  const path = join(mkdtempSync(join(tmpdir(), 'ctxpress-pool-')), 'worker.mjs');
  writeFileSync(
    path,
    `import { parentPort, threadId, workerData } from 'node:worker_threads';
import { getPriority, setPriority } from 'node:os';
if (workerData?.background) setPriority(0, workerData.nice);
parentPort.on('message', (job) => {
  const body = job.body ?? {};
  if (body.priority) return parentPort.postMessage({ id: job.id, ok: true, value: { threadId, priority: getPriority(0) }, hits: 0, misses: 0 });
  if (body.hang) for (;;) {}
  if (body.fail) return parentPort.postMessage({ id: job.id, ok: false, error: { code: 'INVALID_INPUT', message: 'bad' } });
  if (body.sleep) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, body.sleep);
  parentPort.postMessage({ id: job.id, ok: true, value: { threadId }, hits: 1, misses: 2 });
});
`,
  );
  return pathToFileURL(path);
}

/** A compress job for the fake worker (it reads only `body`). */
function job(body: { readonly sleep?: number; readonly hang?: boolean; readonly fail?: boolean; readonly priority?: boolean } = {}): Omit<Extract<WorkerJob, { kind: 'compress' }>, 'id'> {
  return { kind: 'compress', body, regexKeep: 'safe' };
}

describe('CompressionWorkerPool', () => {
  const pools: CompressionWorkerPool[] = [];
  const make = (size: number): CompressionWorkerPool => {
    const pool = new CompressionWorkerPool(size, fakeWorker());
    pools.push(pool);
    return pool;
  };
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((pool) => pool.close()));
  });

  it('runs as many jobs at once as it has workers', async () => {
    const pool = make(2);
    await Promise.all([pool.run(job(), performance.now() + 5000), pool.run(job(), performance.now() + 5000)]);
    const start = performance.now();
    const replies = await Promise.all([0, 1].map(() => pool.run(job({ sleep: 300 }), performance.now() + 5000)));
    const elapsed = performance.now() - start;
    expect(elapsed).toBeLessThan(550);
    expect(new Set(replies.map((reply) => (reply.value as { threadId: number }).threadId)).size).toBe(2);
    expect(replies[0]).toMatchObject({ ok: true, hits: 1, misses: 2 });
  });

  it('terminates a stuck worker at the time limit and replaces it; the next job runs', async () => {
    const pool = make(1);
    const stuck = pool.run(job({ hang: true }), performance.now() + 200);
    const behind = pool.run(job(), performance.now() + 5000);
    await expect(stuck).rejects.toBeInstanceOf(TimeoutError);
    await expect(behind).resolves.toMatchObject({ ok: true });
    expect(pool.depth).toBe(0);
  });

  it('rejects a job still waiting at its deadline, and passes library errors on as CtxpressError', async () => {
    const pool = make(1);
    const busy = pool.run(job({ sleep: 300 }), performance.now() + 5000);
    await expect(pool.run(job(), performance.now() + 50)).rejects.toThrow(/waited in the queue/);
    await busy;
    const failed = pool.run(job({ fail: true }), performance.now() + 5000);
    await expect(failed).rejects.toBeInstanceOf(CtxpressError);
    await expect(failed).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('runs heavy jobs in their own lane of background workers, so a job that is not heavy never waits behind them', async () => {
    const pool = make(2);
    expect(pool.heavyLimit).toBe(1);
    await Promise.all([0, 1].map(() => pool.run(job(), performance.now() + 5000)));
    const start = performance.now();
    const heavy = [0, 1].map(() => pool.run(job({ sleep: 400 }), performance.now() + 5000, { heavy: true }));
    // queued behind two heavy jobs, light ones still start at once, on both normal workers
    const light = await Promise.all([0, 1].map(() => pool.run(job({ sleep: 100 }), performance.now() + 5000)));
    expect(performance.now() - start).toBeLessThan(350);
    expect(new Set(light.map((reply) => (reply.value as { threadId: number }).threadId)).size).toBe(2);
    const heavyReplies = await Promise.all(heavy);
    // the two heavy jobs ran one after the other, on the one background worker, not on a normal one
    expect(performance.now() - start).toBeGreaterThanOrEqual(780);
    const heavyThreads = new Set(heavyReplies.map((reply) => (reply.value as { threadId: number }).threadId));
    expect(heavyThreads.size).toBe(1);
    for (const reply of light) expect(heavyThreads.has((reply.value as { threadId: number }).threadId)).toBe(false);
    expect(pool.depth).toBe(0);
    // with one worker, heavy jobs still run (one at a time, on the background worker)
    const single = make(1);
    expect(single.heavyLimit).toBe(1);
    await expect(single.run(job(), performance.now() + 5000, { heavy: true })).resolves.toMatchObject({ ok: true });
  });

  it('the background workers run at a lower thread priority (nice 10 by default), the normal ones at the process priority', async () => {
    const pool = make(1);
    const heavy = await pool.run(job({ priority: true }), performance.now() + 5000, { heavy: true });
    const normal = await pool.run(job({ priority: true }), performance.now() + 5000);
    expect((heavy.value as { priority: number }).priority).toBe(10);
    expect((normal.value as { priority: number }).priority).toBe(getPriority(0));
  });
});
