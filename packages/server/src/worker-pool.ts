/**
 * A pool of worker threads for CPU-bound compression: `size` compressions run at once, the rest wait first come first
 * served. A job past its deadline is rejected with TimeoutError; if it was running, its worker is terminated and
 * replaced, so a stuck compression frees its thread. Workers start lazily and do not keep the process alive. Jobs
 * marked heavy (large inputs, regular expressions in keep: the ones that can take seconds) run on at most `size - 1`
 * workers at once (1 with one worker), so one worker always stays free for the others: a few slow inputs cannot take
 * every thread and stall normal requests behind them. A heavy job that cannot start waits; the jobs behind it that
 * are not heavy go first.
 * @module
 */
import type { RegexKeepPolicy } from './compress-request.js';
import { Worker } from 'node:worker_threads';
import { CtxpressError, type ErrorCode } from '@ctxpress/core';
import { TimeoutError } from './http.js';

/** A job as sent to a worker (structured-clone data only). */
export type WorkerJob =
  | {
      readonly id: number;
      readonly kind: 'compress';
      readonly body: unknown;
      readonly regexKeep: RegexKeepPolicy;
      /** The response limit, JSON bytes (see response-shape.ts). */
      readonly responseLimit?: number;
      readonly cache?: string;
      readonly cacheMaxBytes?: number;
    }
  | {
      readonly id: number;
      readonly kind: 'chat';
      readonly messages: readonly unknown[];
      readonly options: unknown;
      readonly cache?: string;
      readonly cacheMaxBytes?: number;
    };

export type WorkerReply =
  | { readonly id: number; readonly ok: true; readonly value: unknown; readonly hits: number; readonly misses: number }
  | { readonly id: number; readonly ok: false; readonly error: { readonly code?: string; readonly message: string } };

/** The worker module, compiled beside this file in `dist/`. */
export const COMPRESS_WORKER_URL = import.meta.url.endsWith('.ts')
  ? new URL('../dist/compress-worker.js', import.meta.url) // tests run the sources; the worker is the built one
  : new URL('./compress-worker.js', import.meta.url);

type JobInput = WorkerJob extends infer J ? (J extends WorkerJob ? Omit<J, 'id'> : never) : never;

interface Pending {
  readonly job: WorkerJob;
  readonly deadline: number;
  readonly heavy: boolean;
  readonly resolve: (reply: Extract<WorkerReply, { ok: true }>) => void;
  readonly reject: (error: Error) => void;
  timer?: NodeJS.Timeout;
  slot?: Slot;
}

interface Slot {
  worker: Worker;
  job?: Pending | undefined;
}

export class CompressionWorkerPool {
  readonly #size: number;
  readonly #url: URL;
  readonly #slots: Slot[] = [];
  readonly #queue: Pending[] = [];
  #nextId = 0;
  #closed = false;

  constructor(size: number, url: URL = COMPRESS_WORKER_URL) {
    this.#size = Math.max(1, size);
    this.#url = url;
  }

  /** Jobs waiting or running. */
  get depth(): number {
    return this.#queue.length + this.#slots.filter((slot) => slot.job !== undefined).length;
  }

  /** How many heavy jobs may run at once: all workers but one (1 with a single worker). */
  get heavyLimit(): number {
    return Math.max(1, this.#size - 1);
  }

  /**
   * Runs a job in a worker; rejects with TimeoutError at `deadline` (performance.now() time), CtxpressError for the
   * library's errors. `heavy` jobs run on at most `heavyLimit` workers at once.
   */
  run(input: JobInput, deadline: number, options: { readonly heavy?: boolean } = {}): Promise<Extract<WorkerReply, { ok: true }>> {
    if (this.#closed) return Promise.reject(new Error('the worker pool is closed'));
    return new Promise((resolve, reject) => {
      const pending: Pending = { job: { ...input, id: this.#nextId++ } as WorkerJob, deadline, heavy: options.heavy === true, resolve, reject };
      pending.timer = setTimeout(() => this.#expire(pending), Math.max(0, deadline - performance.now()));
      this.#queue.push(pending);
      this.#dispatch();
    });
  }

  /** Starts every worker now (they warm up in the background) instead of on the first jobs. */
  start(): void {
    while (!this.#closed && this.#slots.length < this.#size) this.#slots.push(this.#spawn());
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const pending of this.#queue.splice(0)) this.#settle(pending, new Error('the worker pool is closed'));
    await Promise.all(this.#slots.splice(0).map((slot) => slot.worker.terminate()));
  }

  #spawn(): Slot {
    const slot: Slot = { worker: new Worker(this.#url) };
    this.#watch(slot);
    return slot;
  }

  #watch(slot: Slot): void {
    const worker = slot.worker;
    worker.unref();
    worker.on('message', (reply: WorkerReply) => {
      const pending = slot.job;
      if (pending === undefined || pending.job.id !== reply.id) return;
      slot.job = undefined;
      if (reply.ok) this.#settle(pending, undefined, reply);
      else {
        const { code, message } = reply.error;
        this.#settle(pending, code === undefined ? new Error(message) : new CtxpressError(code as ErrorCode, message));
      }
      this.#dispatch();
    });
    const replace = (error: Error): void => {
      if (slot.worker !== worker) return;
      const pending = slot.job;
      slot.job = undefined;
      if (pending !== undefined) this.#settle(pending, error);
      if (!this.#closed) {
        slot.worker = new Worker(this.#url);
        this.#watch(slot);
        this.#dispatch();
      }
    };
    worker.on('error', (error) => replace(error));
    worker.on('exit', (code) => replace(new Error(`compression worker exited (code ${code}).`)));
  }

  #dispatch(): void {
    let heavyRunning = this.#slots.filter((slot) => slot.job?.heavy === true).length;
    for (let index = 0; index < this.#queue.length;) {
      // first come first served, except that a heavy job over the heavy limit lets the jobs behind it pass
      if (this.#queue[index]!.heavy && heavyRunning >= this.heavyLimit) {
        index++;
        continue;
      }
      let slot = this.#slots.find((candidate) => candidate.job === undefined);
      if (slot === undefined && this.#slots.length < this.#size) {
        slot = this.#spawn();
        this.#slots.push(slot);
      }
      if (slot === undefined) return;
      const pending = this.#queue.splice(index, 1)[0]!;
      if (pending.heavy) heavyRunning++;
      slot.job = pending;
      pending.slot = slot;
      slot.worker.ref();
      slot.worker.postMessage(pending.job);
    }
  }

  #expire(pending: Pending): void {
    const slot = pending.slot;
    const queued = this.#queue.indexOf(pending);
    if (queued >= 0) {
      this.#queue.splice(queued, 1);
      this.#settle(pending, new TimeoutError('compression waited in the queue past its time limit.'));
      return;
    }
    if (slot === undefined || slot.job !== pending) return;
    // A running job past its limit: stop its thread and start a fresh one.
    slot.job = undefined;
    this.#settle(pending, new TimeoutError('compression took longer than its time limit; its worker was replaced.'));
    const stuck = slot.worker;
    slot.worker = new Worker(this.#url);
    this.#watch(slot);
    void stuck.terminate();
    this.#dispatch();
  }

  #settle(pending: Pending, error: Error | undefined, reply?: Extract<WorkerReply, { ok: true }>): void {
    clearTimeout(pending.timer);
    if (pending.slot !== undefined && pending.slot.job === undefined) pending.slot.worker.unref();
    if (error !== undefined) pending.reject(error);
    else pending.resolve(reply!);
  }
}
