import { CtxpressError } from './errors.js';

/**
 * Checks `options.keep` and turns it into regular expressions: strings match literally, RegExps keep their flags.
 * `global` adds the `g` flag (for scanning all matches with `exec`); otherwise `g` and `y` are removed (for `test`).
 */
export function keepPatterns(keep: readonly (RegExp | string)[] | undefined, global: boolean): RegExp[] {
  if (keep === undefined) return [];
  if (!Array.isArray(keep)) throw new CtxpressError('INVALID_OPTION', 'options.keep must be an array of strings or regular expressions.');
  return keep.map((k: unknown, i) => {
    if (k instanceof RegExp) {
      const flags = k.flags.replace(/[gy]/g, '');
      return withFlags(k, global ? `${flags}g` : flags);
    }
    if (typeof k === 'string' && k.length > 0) return new RegExp(k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), global ? 'g' : '');
    throw new CtxpressError('INVALID_OPTION', `options.keep[${i}] must be a non-empty string or a RegExp.`);
  });
}

/**
 * A copy of `re` with `flags`, of the same class: a RegExp subclass that matches with another engine (such as
 * `@ctxpress/node`'s linear-time `LinearRegExp`) stays that engine. The subclass constructor takes `(source, flags)`.
 */
export function withFlags(re: RegExp, flags: string): RegExp {
  const Class = (re.constructor === RegExp || typeof re.constructor !== 'function' ? RegExp : re.constructor) as RegExpConstructor;
  return new Class(re.source, flags);
}
