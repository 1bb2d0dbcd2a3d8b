/**
 * Messages between the batch command and its worker threads.
 * @module
 */
import type { LineOutcome } from './batch-request.js';

/** Main → worker: compress this line. */
export interface BatchTask {
  readonly seq: number;
  readonly line: string;
  readonly lineNumber: number;
  /** `--time-limit`: the request's `timeLimitMs`. */
  readonly timeLimitMs?: number;
}

/** Worker → main. `ready` is sent once, after `@ctxpress/node` has loaded. */
export type WorkerMessage = { readonly type: 'ready' } | ({ readonly type: 'done'; readonly seq: number } & LineOutcome);
