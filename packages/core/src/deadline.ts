/**
 * Opt-in cooperative limits for the synchronous compressors: `options.signal` (an `AbortSignal`) and
 * `options.timeLimitMs`. A front door (`compressSync`, `compressChat`, `compressJson`, …) validates them and runs its work
 * inside `withDeadline`; the long loops read the active `Deadline` once (`activeDeadline()`) and call `tick()` per
 * iteration, which looks at the clock every `TICK_EVERY` calls, or `check()` where one iteration is costly. Without the
 * options there is no active deadline and the loops do nothing more than test `undefined`: outputs never change.
 *
 * The work is synchronous, so a signal aborted by a timer (`AbortSignal.timeout`) or by other code cannot flip while a
 * call runs: it is seen at the start of the call (and in the async front doors of `@ctxpress/node` before the work),
 * or when a callback (a tokenizer, a custom stage) aborts it. For a bound on the work itself, use `timeLimitMs`.
 * @module
 */
import { CtxpressError, isCtxpressError } from './errors.js';

/** The limit options every compressor accepts. */
export interface LimitOptions {
  /** Aborts the call with a `CtxpressError` `ABORTED`; a signal aborted before the call throws at once. */
  readonly signal?: AbortSignal | undefined;
  /**
   * Stops the call with a `CtxpressError` `TIME_LIMIT` once it has run about this many milliseconds (a finite number
   * > 0; checked cooperatively, so the call may overrun it by a little). Results are unchanged when it is not reached.
   */
  readonly timeLimitMs?: number | undefined;
}

/** `tick()` reads the clock once per this many calls. */
export const TICK_EVERY = 64;

/** An absolute deadline and/or an abort signal, checked cooperatively by the long loops. */
export class Deadline {
  private ticks = 0;

  constructor(
    private readonly started: number,
    private readonly limitMs: number | undefined,
    private readonly signal: AbortSignal | undefined,
    /** The deadline of an enclosing call, checked too. */
    private readonly outer: Deadline | undefined,
  ) {}

  /** A cheap check for tight loops: the clock is read once every `TICK_EVERY` calls. */
  tick(): void {
    if (++this.ticks >= TICK_EVERY) {
      this.ticks = 0;
      this.check();
    }
  }

  /** Throws `ABORTED` when the signal is aborted, `TIME_LIMIT` when the time is up. */
  check(): void {
    if (this.signal !== undefined && this.signal.aborted) throw abortedError(this.signal);
    if (this.limitMs !== undefined) {
      const elapsed = performance.now() - this.started;
      if (elapsed > this.limitMs) {
        throw new CtxpressError(
          'TIME_LIMIT',
          `compression stopped after ${Math.round(elapsed)} ms (options.timeLimitMs is ${this.limitMs}); raise the limit, send less input, or send the input uncompressed.`,
        );
      }
    }
    this.outer?.check();
  }
}

function abortedError(signal: AbortSignal): CtxpressError {
  return new CtxpressError('ABORTED', 'compression aborted (options.signal was aborted).', { cause: signal.reason });
}

function isAbortSignal(value: unknown): value is AbortSignal {
  if (typeof AbortSignal !== 'undefined' && value instanceof AbortSignal) return true;
  // a signal of another realm or a polyfill
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as AbortSignal).aborted === 'boolean' &&
    typeof (value as AbortSignal).addEventListener === 'function' &&
    typeof (value as AbortSignal).removeEventListener === 'function'
  );
}

/**
 * Validates `options.signal` and `options.timeLimitMs` (INVALID_OPTION) and throws `ABORTED` when the signal is already
 * aborted. For async front doors, which call it before their synchronous work.
 */
export function checkLimitOptions(options: unknown): void {
  if (typeof options !== 'object' || options === null) return;
  const { signal, timeLimitMs } = options as { signal?: unknown; timeLimitMs?: unknown };
  if (signal !== undefined && !isAbortSignal(signal)) {
    throw new CtxpressError('INVALID_OPTION', `options.signal must be an AbortSignal, got ${signal === null ? 'null' : typeof signal}.`);
  }
  if (timeLimitMs !== undefined && (typeof timeLimitMs !== 'number' || !Number.isFinite(timeLimitMs) || !(timeLimitMs > 0))) {
    throw new CtxpressError('INVALID_OPTION', `options.timeLimitMs must be a finite number of milliseconds > 0, got ${JSON.stringify(timeLimitMs)}.`);
  }
  if (signal !== undefined && (signal as AbortSignal).aborted) throw abortedError(signal as AbortSignal);
}

/** Rethrows a `TIME_LIMIT` / `ABORTED` error: for the `catch` blocks that fall back on other errors (they must not hide a stop). */
export function rethrowIfStopped(error: unknown): void {
  if (isCtxpressError(error) && (error.code === 'TIME_LIMIT' || error.code === 'ABORTED')) throw error;
}

let active: Deadline | undefined;

/** The deadline of the call running now, or `undefined` (no limit options): read once before a loop. */
export function activeDeadline(): Deadline | undefined {
  return active;
}

/**
 * The deadline `options` ask for (validated; throws at once for an aborted signal), or `undefined` when they ask for
 * none. Its time counts from now.
 */
export function deadlineFor(options: unknown): Deadline | undefined {
  checkLimitOptions(options);
  if (typeof options !== 'object' || options === null) return undefined;
  const { signal, timeLimitMs } = options as LimitOptions;
  if (signal === undefined && timeLimitMs === undefined) return undefined;
  return new Deadline(performance.now(), timeLimitMs, signal, active);
}

/** Runs `work` with `deadline` active (nested calls see it too); with `undefined`, runs it under the current one. */
export function runWithDeadline<T>(deadline: Deadline | undefined, work: () => T): T {
  if (deadline === undefined) return work();
  const previous = active;
  active = deadline;
  try {
    return work();
  } finally {
    active = previous;
  }
}

/** `runWithDeadline(deadlineFor(options), work)`: validation, the at-once abort check, and the deadline for `work`. */
export function withDeadline<T>(options: unknown, work: () => T): T {
  return runWithDeadline(deadlineFor(options), work);
}
