/**
 * Regular expressions that match in time linear in the input: a `RegExp` whose `exec` runs RE2 (the `re2js` package,
 * a pure-JS port of RE2/J) instead of V8's backtracking engine. Everything in ctxpress that uses a keep pattern calls
 * `exec` or `test` (directly, or through `matchAll`), so a `LinearRegExp` can stand wherever a `RegExp` is accepted.
 *
 * RE2 does not backtrack, so `(\w\w?)+y` or `(a|ab)*c` over a long input take linear time — and it refuses what it
 * cannot do in linear time: backreferences and lookarounds (INVALID_OPTION). Its matching is slower per character
 * than V8's on ordinary patterns (~50–350 ms per MB against ~1 ms), which is why the service uses it only for the
 * patterns its safety check would otherwise refuse (docs/decisions/0013-regex-keep-in-the-service.md).
 *
 * Semantics follow RE2 where they differ from JavaScript: `\s` is ASCII white space, `\b` and `\w` are ASCII; the
 * leftmost-first match (as JavaScript) is what `exec` returns. `re2js` is loaded on first use.
 * @module
 */
import { createRequire } from 'node:module';
import { CtxpressError } from '@ctxpress/core';

interface Re2Matcher {
  find(start?: number | null): boolean;
  start(group?: number): number;
  end(group?: number): number;
  group(group?: number): string | null;
  groupCount(): number;
}
interface Re2Pattern {
  matcher(input: string): Re2Matcher;
}
interface Re2Module {
  RE2JS: {
    readonly CASE_INSENSITIVE: number;
    readonly DOTALL: number;
    readonly MULTILINE: number;
    compile(regex: string, flags?: number): Re2Pattern;
    translateRegExp(expr: string): string;
  };
}

let re2: Re2Module | undefined;
function loadRe2(): Re2Module {
  if (re2 !== undefined) return re2;
  try {
    re2 = createRequire(import.meta.url)('re2js') as Re2Module;
  } catch (cause) {
    throw new CtxpressError('DEPENDENCY_MISSING', 'Linear-time regular expressions need the npm package re2js: run `npm install re2js`.', { cause });
  }
  return re2;
}

/** The JavaScript flags RE2 can honour; `d` (indices) and `v` are refused, `y` needs a match at `lastIndex`. */
const SUPPORTED_FLAGS = /^[gimsuy]*$/;

/** A `RegExp` whose matching runs on RE2: linear time, no backreferences or lookarounds. */
export class LinearRegExp extends RegExp {
  readonly #pattern: Re2Pattern;

  constructor(source: string | RegExp, flags?: string) {
    const text = typeof source === 'string' ? source : source.source;
    const flagText = flags ?? (typeof source === 'string' ? '' : source.flags);
    if (!SUPPORTED_FLAGS.test(flagText)) {
      throw new CtxpressError('INVALID_OPTION', `Flags "${flagText}" are not supported by the linear-time engine (use g, i, m, s, u, y).`);
    }
    super(text, flagText); // checks the JavaScript syntax; V8 never runs it (exec is replaced)
    const { RE2JS } = loadRe2();
    let bits = 0;
    if (flagText.includes('i')) bits |= RE2JS.CASE_INSENSITIVE;
    if (flagText.includes('m')) bits |= RE2JS.MULTILINE;
    if (flagText.includes('s')) bits |= RE2JS.DOTALL;
    try {
      this.#pattern = RE2JS.compile(RE2JS.translateRegExp(text), bits);
    } catch (error) {
      throw new CtxpressError(
        'INVALID_OPTION',
        `/${text}/ cannot run in linear time (${error instanceof Error ? error.message : String(error)}): backreferences and lookarounds are not supported.`,
      );
    }
  }

  /** Subclass-aware copies (`String.prototype.matchAll` and `split` construct through the species). */
  static override get [Symbol.species](): RegExpConstructor {
    return LinearRegExp as unknown as RegExpConstructor;
  }

  override exec(input: string): RegExpExecArray | null {
    const text = String(input);
    const advancing = this.global || this.sticky;
    const from = advancing ? this.lastIndex : 0;
    if (from > text.length) {
      this.lastIndex = 0;
      return null;
    }
    const matcher = this.#pattern.matcher(text);
    if (!matcher.find(from) || (this.sticky && matcher.start() !== from)) {
      if (advancing) this.lastIndex = 0;
      return null;
    }
    const start = matcher.start();
    const end = matcher.end();
    const groups = matcher.groupCount();
    const result: string[] = [text.slice(start, end)];
    for (let g = 1; g <= groups; g++) {
      const value = matcher.group(g);
      result.push(value === null ? (undefined as unknown as string) : value);
    }
    const array = result as RegExpExecArray;
    array.index = start;
    array.input = text;
    if (advancing) this.lastIndex = end;
    return array;
  }
}

/** A linear-time regular expression for `source` and JavaScript `flags`; INVALID_OPTION when RE2 cannot run it. */
export function linearRegExp(source: string, flags = ''): RegExp {
  return new LinearRegExp(source, flags);
}
