/**
 * Strict number parsing for flags and batch fields: no empty strings, hex, trailing junk or `Infinity`.
 * @module
 */

import { parseDecimal } from '@ctxpress/core/internal';

/** A positive integer token count, or `undefined` when the text is not one. */
export function parseTokenCount(text: string): number | undefined {
  const value = parseDecimal(text);
  return value !== undefined && isTokenCount(value) ? value : undefined;
}

/** A compression ratio ≥ 1, or `undefined`. */
export function parseRatio(text: string): number | undefined {
  const value = parseDecimal(text);
  return value !== undefined && isRatio(value) ? value : undefined;
}

/** A pruning fraction in (0, 1), or `undefined`. */
export function parseFraction(text: string): number | undefined {
  const value = parseDecimal(text);
  return value !== undefined && value > 0 && value < 1 ? value : undefined;
}

/** A time limit in milliseconds: a finite number > 0, or `undefined`. */
export function parseMilliseconds(text: string): number | undefined {
  const value = parseDecimal(text);
  return value !== undefined && value > 0 ? value : undefined;
}

export function isTokenCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1;
}

export function isRatio(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 1;
}
