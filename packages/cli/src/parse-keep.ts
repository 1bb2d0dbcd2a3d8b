/**
 * `--keep PATTERN` values: a pattern written `/body/flags` is a regular expression, anything else a literal string
 * (`parseRegExpLiteral` of @ctxpress/core, as in HTTP bodies and batch lines).
 * @module
 */
import { parseRegExpLiteral } from '@ctxpress/core';
import { UsageError } from './usage-error.js';

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
  const literal = parseRegExpLiteral(pattern);
  if (literal === undefined) return pattern;
  try {
    return new RegExp(literal.source, literal.flags);
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
