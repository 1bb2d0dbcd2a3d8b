/**
 * The one error class of ctxpress. Callers branch on `code`, never on the message.
 * @module
 */

export type ErrorCode =
  | 'INVALID_INPUT'
  | 'INVALID_BUDGET'
  | 'INVALID_OPTION'
  | 'UNKNOWN_TOKENIZER'
  | 'BUDGET_UNSATISFIABLE'
  | 'DEPENDENCY_MISSING'
  /** `options.timeLimitMs` ran out before the call finished (opt-in; the input may be sent uncompressed instead). */
  | 'TIME_LIMIT'
  /** `options.signal` was aborted (before the call, or while it ran). */
  | 'ABORTED';

const marker = Symbol.for('ctxpress.error');

export class CtxpressError extends Error {
  readonly code: ErrorCode;
  readonly [marker] = true;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CtxpressError';
    this.code = code;
  }
}

/** True for a CtxpressError, also when two copies of the package are loaded (where `instanceof` fails). */
export function isCtxpressError(value: unknown): value is CtxpressError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[marker] === true;
}
