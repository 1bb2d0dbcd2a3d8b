/**
 * `ctxpress batch IN.jsonl [-o OUT.jsonl]`: one request per line in, one result per line out, same order.
 * Lines stream through a worker pool; results that finish early wait in a bounded buffer until their turn.
 * @module
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { type LineRunner, WorkerPool } from '../batch-pool.js';
import type { LineOutcome } from '../batch-request.js';
import type { CliIo } from '../io.js';
import { UsageError } from '../usage-error.js';

export interface BatchFlags {
  readonly output?: string;
  readonly workers?: number;
  /** `--time-limit MS`: each request's `timeLimitMs`. */
  readonly timeLimit?: number;
}

export interface BatchPlan {
  /** `-` reads stdin. */
  readonly input: string;
  /** Undefined writes to stdout. */
  readonly output: string | undefined;
  readonly workers: number;
  /** Each request's time limit in ms (a request over it gets a TIME_LIMIT error line). */
  readonly timeLimitMs?: number | undefined;
}

/** Counts so far; `bytesDone` covers the input lines whose results are written. */
export interface BatchStats {
  lines: number;
  ok: number;
  errors: number;
  bytesDone: number;
}

export interface RunBatchOptions {
  /** Lines dispatched but not yet written (running, queued or finished out of order) never exceed this. */
  readonly maxPending: number;
  readonly onProgress?: (stats: Readonly<BatchStats>) => void;
}

/** Thrown when the batch cannot go on (unreadable input, unwritable output); exit code 1. */
export class BatchError extends Error {
  override readonly name = 'BatchError';
}

/** Decides the run from argv alone. Pure. */
export function planBatch(input: string, flags: BatchFlags, cwd: string): BatchPlan {
  if (flags.output !== undefined && input !== '-' && resolve(cwd, flags.output) === resolve(cwd, input)) {
    throw new UsageError('-o must not be the input file (it would be overwritten while being read)');
  }
  return {
    input,
    output: flags.output,
    workers: flags.workers ?? availableParallelism(),
    ...(flags.timeLimit === undefined ? {} : { timeLimitMs: flags.timeLimit }),
  };
}

/**
 * The ordering core: reads lines, skips blank ones, sends each to `runner`, writes outcomes in input order.
 * Line numbers count every physical line, blank ones included. Rejects on a write error or a fatal runner error.
 */
export async function runBatch(
  lines: AsyncIterable<string>,
  runner: Pick<LineRunner, 'run'>,
  write: (chunk: string) => Promise<void>,
  options: RunBatchOptions,
): Promise<BatchStats> {
  const stats: BatchStats = { lines: 0, ok: 0, errors: 0, bytesDone: 0 };
  const finishedOutOfOrder = new Map<number, { outcome: LineOutcome; bytes: number }>();
  let dispatched = 0;
  let written = 0;
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  let draining = false;

  const changed = (): Promise<void> => new Promise((resolveWait) => (wake = resolveWait));
  const notify = (): void => {
    const waiting = wake;
    wake = undefined;
    waiting?.();
  };
  const fail = (error: unknown): void => {
    failure ??= { error };
    notify();
  };

  const drain = async (): Promise<void> => {
    if (draining) return;
    draining = true;
    try {
      for (let next = finishedOutOfOrder.get(written); next && !failure; next = finishedOutOfOrder.get(written)) {
        finishedOutOfOrder.delete(written);
        await write(`${next.outcome.json}\n`);
        written++;
        stats.lines++;
        if (next.outcome.ok) stats.ok++;
        else stats.errors++;
        stats.bytesDone += next.bytes;
        options.onProgress?.(stats);
        notify();
      }
    } catch (error) {
      fail(error);
    } finally {
      draining = false;
    }
  };

  let lineNumber = 0;
  for await (const raw of lines) {
    lineNumber++;
    const line = lineNumber === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
    const bytes = Buffer.byteLength(raw) + 1;
    if (line.trim() === '') {
      stats.bytesDone += bytes;
      continue;
    }
    while (dispatched - written >= options.maxPending && !failure) await changed();
    if (failure) break;
    const seq = dispatched++;
    runner.run(line, lineNumber).then(
      (outcome) => {
        finishedOutOfOrder.set(seq, { outcome, bytes });
        void drain();
      },
      fail,
    );
  }
  while (written < dispatched && !failure) await changed();
  if (failure) throw failure.error;
  return stats;
}

/** Runs a plan end to end. Returns the exit code; unreadable input or unwritable output throws `BatchError`. */
export async function runBatchCommand(plan: BatchPlan, io: CliIo): Promise<number> {
  const cwd = io.cwd ?? process.cwd();
  const { stream: input, size } = await openInput(plan.input, io, cwd);
  const lines = createInterface({ input, crlfDelay: Infinity });
  let inputError: Error | undefined;
  input.on('error', (error) => {
    inputError ??= error;
    lines.close();
  });

  const sink =
    plan.output === undefined ? new Sink(io.stdout, 'stdout', false) : new Sink(createWriteStream(resolve(cwd, plan.output)), plan.output, true);
  const progress = new Progress(io.stderr, io.stderrIsTTY, size);
  const pool = new WorkerPool(plan.workers, undefined, plan.timeLimitMs === undefined ? {} : { timeLimitMs: plan.timeLimitMs });
  const started = performance.now();
  let stats: BatchStats;
  try {
    stats = await runBatch(lines, pool, (chunk) => sink.write(chunk), {
      maxPending: Math.max(4, plan.workers * 4),
      onProgress: (current) => progress.update(current),
    });
    await sink.close();
  } catch (error) {
    progress.clear();
    throw error instanceof BatchError ? error : new BatchError(error instanceof Error ? error.message : String(error));
  } finally {
    lines.close();
    await pool.close();
  }
  if (inputError) {
    progress.clear();
    throw new BatchError(`cannot read ${plan.input}: ${inputError.message}`);
  }
  progress.finish(stats, performance.now() - started, plan.output);
  return 0;
}

async function openInput(path: string, io: CliIo, cwd: string): Promise<{ stream: Readable; size: number | undefined }> {
  if (path === '-') return { stream: io.stdin, size: undefined };
  try {
    const handle = await open(resolve(cwd, path), 'r');
    const stat = await handle.stat();
    if (stat.isDirectory()) {
      await handle.close();
      throw new Error('is a directory');
    }
    return { stream: handle.createReadStream(), size: stat.size };
  } catch (error) {
    throw new BatchError(`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Writes with backpressure; remembers a stream error and reports it, with the target's name, on the next write. */
class Sink {
  #error: Error | undefined;
  constructor(
    private readonly stream: Writable,
    private readonly name: string,
    private readonly owned: boolean,
  ) {
    stream.on('error', (error) => (this.#error ??= error));
  }

  async write(chunk: string): Promise<void> {
    this.#throwIfFailed();
    try {
      if (!this.stream.write(chunk)) await once(this.stream, 'drain');
    } catch (error) {
      this.#error ??= error instanceof Error ? error : new Error(String(error));
      this.#throwIfFailed();
    }
  }

  async close(): Promise<void> {
    this.#throwIfFailed();
    if (!this.owned) return;
    this.stream.end();
    try {
      await finished(this.stream);
    } catch (error) {
      this.#error ??= error instanceof Error ? error : new Error(String(error));
    }
    this.#throwIfFailed();
  }

  #throwIfFailed(): void {
    if (this.#error) throw new BatchError(`cannot write ${this.name}: ${this.#error.message}`);
  }
}

/** A one-line progress bar on a terminal (`\r`-redrawn, at most 10 times a second); otherwise silent until the summary. */
class Progress {
  #lastDraw = 0;
  #drawn = false;
  readonly #started = performance.now();

  constructor(
    private readonly stream: Writable,
    private readonly tty: boolean,
    private readonly totalBytes: number | undefined,
  ) {}

  update(stats: Readonly<BatchStats>): void {
    if (!this.tty) return;
    const now = performance.now();
    if (now - this.#lastDraw < 100) return;
    this.#lastDraw = now;
    this.#drawn = true;
    this.stream.write(`\r\x1b[K${progressLine(stats, this.totalBytes, now - this.#started)}`);
  }

  clear(): void {
    if (this.#drawn) this.stream.write('\r\x1b[K');
    this.#drawn = false;
  }

  finish(stats: Readonly<BatchStats>, elapsedMs: number, output: string | undefined): void {
    this.clear();
    const target = output === undefined ? '' : ` → ${output}`;
    this.stream.write(
      `ctxpress batch: ${plural(stats.lines, 'line')}, ${stats.ok} ok, ${plural(stats.errors, 'error')} in ${(elapsedMs / 1000).toFixed(1)} s${target}\n`,
    );
  }
}

/** `[#########-----------]  45%  812 lines · 3 errors · 230/s`. Pure. */
export function progressLine(stats: Readonly<BatchStats>, totalBytes: number | undefined, elapsedMs: number): string {
  const rate = elapsedMs > 0 ? Math.round((stats.lines * 1000) / elapsedMs) : 0;
  const counts = `${plural(stats.lines, 'line')} · ${plural(stats.errors, 'error')} · ${rate}/s`;
  if (totalBytes === undefined || totalBytes === 0) return counts;
  const fraction = Math.min(1, stats.bytesDone / totalBytes);
  const width = 24;
  const filled = Math.round(fraction * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}%  ${counts}`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
