/**
 * `--keep PATTERN` values: a pattern written `/body/flags` is a regular expression, anything else a literal string.
 * @module
 */
import { UsageError } from './usage-error.js';

/** Flags a JavaScript RegExp accepts. */
const REGEXP_FLAGS = /^[dgimsuyv]*$/;

/**
 * Parses one keep pattern.
 *
 * `/body/flags` (non-empty body, valid flags) becomes `new RegExp(body, flags)`. Anything else is returned unchanged
 * and matched literally, so a path such as `/usr/bin` (its "flags" `bin` are not flags) stays a string.
 *
 * @throws {UsageError} when the text looks like a RegExp literal but its body does not compile.
 * @example
 * parseKeepPattern('/v\\d+\\.\\d+/i'); // → /v\d+\.\d+/i
 * parseKeepPattern('API_KEY');         // → 'API_KEY'
 */
export function parseKeepPattern(pattern: string): RegExp | string {
  const lastSlash = pattern.lastIndexOf('/');
  if (!pattern.startsWith('/') || lastSlash < 2) return pattern;
  const body = pattern.slice(1, lastSlash);
  const flags = pattern.slice(lastSlash + 1);
  if (!REGEXP_FLAGS.test(flags)) return pattern;
  try {
    return new RegExp(body, flags);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UsageError(
      `--keep ${pattern}: invalid regular expression (${reason}); escape its special characters, or write the text without the surrounding slashes to match it literally`,
    );
  }
}

/** Parses every pattern, in order. */
export function parseKeepPatterns(patterns: readonly string[]): (RegExp | string)[] {
  return patterns.map(parseKeepPattern);
}
