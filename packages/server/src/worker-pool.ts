/**
 * A pool of worker threads for CPU-bound compression: `size` compressions run at once, the rest wait first come first
 * served. A job past its deadline is rejected with TimeoutError; if it was running, its worker is terminated and
 * replaced, so a stuck compression frees its thread. Workers start lazily and do not keep the process alive.
 *
 * Jobs marked heavy (large inputs, regular expressions in keep: the ones that can take seconds) run in a lane of their
 * own: `heavyLimit` background workers (`size - 1`, at least 1) that lower their own thread's scheduling priority
 * (`os.setPriority(0, nice)` in the worker: on Linux it applies to the calling thread only). Normal jobs keep all
 * `size` workers and, when the cores are busy, the kernel runs them before a heavy job: slow inputs use spare CPU
 * instead of taking it from normal requests. A heavy job that cannot start waits; the jobs behind it that are not
 * heavy go first.
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
  | { readonly id: number; readonly ok: true; readonly value: unknown; readonly hits: number; readonly misses: number; readonly format?: string }
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
  /** A heavy-lane worker (its thread runs at a lower priority). */
  readonly background: boolean;
}

/** The nice value of the heavy lane's threads (0 = as the others; 19 = lowest). */
export const BACKGROUND_NICE = 10;

export class CompressionWorkerPool {
  readonly #size: number;
  readonly #url: URL;
  readonly #nice: number;
  readonly #slots: Slot[] = [];
  readonly #heavySlots: Slot[] = [];
  readonly #queue: Pending[] = [];
  #nextId = 0;
  #closed = false;

  /** `options.backgroundNice`: the heavy lane's nice value (default `BACKGROUND_NICE`). */
  constructor(size: number, url: URL = COMPRESS_WORKER_URL, options: { readonly backgroundNice?: number } = {}) {
    this.#size = Math.max(1, size);
    this.#url = url;
    this.#nice = options.backgroundNice ?? BACKGROUND_NICE;
  }

  /** Jobs waiting or running. */
  get depth(): number {
    const busy = (slots: Slot[]): number => slots.filter((slot) => slot.job !== undefined).length;
    return this.#queue.length + busy(this.#slots) + busy(this.#heavySlots);
  }

  /** How many heavy jobs may run at once, each on a background worker: `size - 1`, at least 1. */
  get heavyLimit(): number {
    return Math.max(1, this.#size - 1);
  }

  /**
   * Runs a job in a worker; rejects with TimeoutError at `deadline` (performance.now() time), CtxpressError for the
   * library's errors. `heavy` jobs run on the background workers, at most `heavyLimit` at once.
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

  /** Starts every normal worker now (they warm up in the background) instead of on the first jobs; the heavy lane starts on its first job. */
  start(): void {
    while (!this.#closed && this.#slots.length < this.#size) this.#slots.push(this.#spawn(false));
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const pending of this.#queue.splice(0)) this.#settle(pending, new Error('the worker pool is closed'));
    await Promise.all([...this.#slots.splice(0), ...this.#heavySlots.splice(0)].map((slot) => slot.worker.terminate()));
  }

  #newWorker(background: boolean): Worker {
    return new Worker(this.#url, background ? { workerData: { background: true, nice: this.#nice } } : {});
  }

  #spawn(background: boolean): Slot {
    const slot: Slot = { worker: this.#newWorker(background), background };
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
        slot.worker = this.#newWorker(slot.background);
        this.#watch(slot);
        this.#dispatch();
      }
    };
    worker.on('error', (error) => replace(error));
    worker.on('exit', (code) => replace(new Error(`compression worker exited (code ${code}).`)));
  }

  /** An idle worker of the lane, started if the lane has room; undefined when the lane is full. */
  #idleSlot(heavy: boolean): Slot | undefined {
    const slots = heavy ? this.#heavySlots : this.#slots;
    let slot = slots.find((candidate) => candidate.job === undefined);
    if (slot === undefined && slots.length < (heavy ? this.heavyLimit : this.#size)) {
      slot = this.#spawn(heavy);
      slots.push(slot);
    }
    return slot;
  }

  #dispatch(): void {
    // first come first served within each lane; a job whose lane is full lets the jobs of the other lane pass
    for (let index = 0; index < this.#queue.length; ) {
      const slot = this.#idleSlot(this.#queue[index]!.heavy);
      if (slot === undefined) {
        index++;
        continue;
      }
      const pending = this.#queue.splice(index, 1)[0]!;
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
    slot.worker = this.#newWorker(slot.background);
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
