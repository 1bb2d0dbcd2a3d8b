/**
 * A pool of worker threads for `ctxpress batch`. Workers start lazily (a 5-line batch starts at most 5), each is sent
 * up to two lines at a time (so it never idles while a result travels back), and a worker that crashes is replaced;
 * the lines it held report `WORKER_FAILED`.
 * @module
 */
import { Worker } from 'node:worker_threads';
import type { BatchTask, WorkerMessage } from './batch-protocol.js';
import { errorOutcome, type LineOutcome } from './batch-request.js';

/** Compresses lines; `run` resolves with the output line (errors included) and rejects only on a fatal failure. */
export interface LineRunner {
  run(line: string, lineNumber: number): Promise<LineOutcome>;
  close(): Promise<void>;
}

/** The worker module, compiled beside this file in `dist/`. */
export const BATCH_WORKER_URL = new URL('./batch-worker.js', import.meta.url);

interface QueuedTask {
  readonly task: BatchTask;
  readonly resolve: (outcome: LineOutcome) => void;
  readonly reject: (error: Error) => void;
}

interface PoolWorker {
  readonly worker: Worker;
  ready: boolean;
  dead: boolean;
  /** Tasks sent to this worker and not answered yet, by `seq`. */
  readonly inFlight: Map<number, QueuedTask>;
}

/** Lines sent ahead to each worker. */
const PIPELINE_DEPTH = 2;

/** Thrown when the worker module itself cannot start (missing build, broken install): the whole batch fails. */
export class WorkerStartError extends Error {
  override readonly name = 'WorkerStartError';
}

export class WorkerPool implements LineRunner {
  readonly #size: number;
  readonly #url: URL;
  readonly #workers = new Set<PoolWorker>();
  readonly #queue: QueuedTask[] = [];
  #nextSeq = 0;
  #fatal: Error | undefined;
  #closed = false;
  readonly #timeLimitMs: number | undefined;

  /** `options.timeLimitMs` (`--time-limit`) is sent with every line: a request over it gets a TIME_LIMIT error line. */
  constructor(size: number, url: URL = BATCH_WORKER_URL, options: { readonly timeLimitMs?: number } = {}) {
    this.#size = Math.max(1, size);
    this.#url = url;
    this.#timeLimitMs = options.timeLimitMs;
  }

  run(line: string, lineNumber: number): Promise<LineOutcome> {
    if (this.#fatal) return Promise.reject(this.#fatal);
    if (this.#closed) return Promise.reject(new Error('the worker pool is closed'));
    return new Promise((resolve, reject) => {
      const limit = this.#timeLimitMs === undefined ? {} : { timeLimitMs: this.#timeLimitMs };
      this.#queue.push({ task: { seq: this.#nextSeq++, line, lineNumber, ...limit }, resolve, reject });
      this.#pump();
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    const workers = [...this.#workers];
    this.#workers.clear();
    await Promise.all(
      workers.map((entry) => {
        entry.dead = true;
        return entry.worker.terminate();
      }),
    );
  }

  #pump(): void {
    while (this.#queue.length > 0 && !this.#fatal) {
      const entry = this.#pickWorker();
      if (!entry) return;
      const queued = this.#queue.shift()!;
      entry.inFlight.set(queued.task.seq, queued);
      entry.worker.postMessage(queued.task);
    }
  }

  /** An idle worker, else a new one while under the size, else the least busy one with room. */
  #pickWorker(): PoolWorker | undefined {
    let best: PoolWorker | undefined;
    for (const entry of this.#workers) {
      if (entry.inFlight.size === 0) return entry;
      if (!best || entry.inFlight.size < best.inFlight.size) best = entry;
    }
    if (this.#workers.size < this.#size) return this.#spawn();
    return best && best.inFlight.size < PIPELINE_DEPTH ? best : undefined;
  }

  #spawn(): PoolWorker {
    const entry: PoolWorker = { worker: new Worker(this.#url), ready: false, dead: false, inFlight: new Map() };
    this.#workers.add(entry);
    entry.worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'ready') {
        entry.ready = true;
        return;
      }
      const task = entry.inFlight.get(message.seq);
      entry.inFlight.delete(message.seq);
      task?.resolve({ json: message.json, ok: message.ok });
      this.#pump();
    });
    entry.worker.on('error', (error) => this.#onDeath(entry, error));
    entry.worker.on('exit', (code) => this.#onDeath(entry, new Error(`worker exited with code ${code}`)));
    return entry;
  }

  #onDeath(entry: PoolWorker, error: Error): void {
    if (entry.dead) return;
    entry.dead = true;
    this.#workers.delete(entry);
    const held = [...entry.inFlight.values()];
    entry.inFlight.clear();
    if (!entry.ready) {
      // The module never loaded: every other worker would fail the same way.
      this.#fatal = new WorkerStartError(`the batch worker could not start (${this.#url.pathname}): ${error.message}`);
      for (const queued of [...held, ...this.#queue.splice(0)]) queued.reject(this.#fatal);
      return;
    }
    for (const queued of held) {
      queued.resolve(errorOutcome(null, queued.task.lineNumber, 'WORKER_FAILED', `the worker holding this line crashed: ${error.message}`));
    }
    this.#pump();
  }
}
