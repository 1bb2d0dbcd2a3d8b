/**
 * A strict check of regular expressions that callers send to the service (`keep: ["/re/flags"]`), against catastrophic
 * backtracking (ReDoS): JavaScript's engine backtracks, so `/(a+)+$/` on a long run of `a`s never ends.
 *
 * The pattern is parsed (a small parser of the JavaScript syntax; anything it does not know is refused) and refused when:
 * - a group repeated more than once (`*`, `+`, `{n,}`, `{n,m}` with m > 1) contains any quantifier other than an exact
 *   `{n}` (`?` included: `(\w\w?)+`, `(\d?\d?)+`), an alternation (`(a|a)*`, `(a|ab)*`), a lookaround, or can match
 *   the empty string;
 * - two variable-length pieces can take turns on the same characters: a piece of variable length (`X?`, `X*`, `X+`,
 *   `X{n,m}`, an optional or repeated group) followed, with only optional pieces, anchors or characters the first can
 *   also take between, by another whose characters overlap (`\s?\s?x`, `a?a?a?aaa`, `\d+\d*`, `\w+\s*\w+`,
 *   `.*=.*;`): polynomial, and with many pieces exponential;
 * - it has backreferences, a lookaround containing a quantifier, the `v` flag, or more than `MAX_PATTERN_LENGTH`
 *   characters.
 * Character sets are compared on a sample alphabet (ASCII and a few non-ASCII characters that classes such as `\s`, `.`
 * or `[^…]` match). This also refuses some safe patterns (`(?:ab|cd)+`, `\d+\d+`); the worker pool's time limit is the
 * backstop for what is left (one unbounded piece scanned over a long input is still quadratic in the worst case).
 * @module
 */

export const MAX_PATTERN_LENGTH = 256;

/** The characters a piece is tested on: ASCII plus non-ASCII ones that `\s`, `\w` (with `iu`), `.` and `[^…]` can match. */
const SAMPLES: readonly string[] = [
  ...Array.from({ length: 128 }, (_, code) => String.fromCharCode(code)),
  '\u00a0',
  '\u00e9',
  '\u017f',
  '\u212a',
  '\u2028',
  '\u3000',
  '\u4e2d',
  '\ufeff',
  '\u{1f600}',
];

class Refused extends Error {}

/** A set of sample characters, as a bit mask. */
type CharSet = bigint;

interface Piece {
  /** Can match the empty string. */
  readonly nullable: boolean;
  /** Characters a variable-length part at the start (after only nullable parts) can take. */
  readonly headVar: CharSet;
  /** Characters a variable-length part at the end (before only nullable parts) can take. */
  readonly tailVar: CharSet;
  /** Every character the piece can match. */
  readonly chars: CharSet;
  /** Contains a quantifier other than an exact `{n}`. */
  readonly quantified: boolean;
  readonly alternation: boolean;
  readonly lookaround: boolean;
}

const EMPTY: Piece = { nullable: true, headVar: 0n, tailVar: 0n, chars: 0n, quantified: false, alternation: false, lookaround: false };

class Parser {
  private i = 0;
  private readonly cache = new Map<string, CharSet>();

  constructor(
    private readonly source: string,
    private readonly flags: string,
  ) {}

  parse(): Piece {
    const piece = this.alternation();
    if (this.i < this.source.length) throw new Refused(`unexpected ${this.source[this.i]}`);
    return piece;
  }

  /** The sample characters that `atom` (a character, escape, class or `.`) matches. */
  private charSet(atom: string): CharSet {
    const known = this.cache.get(atom);
    if (known !== undefined) return known;
    let re: RegExp;
    try {
      re = new RegExp(`^(?:${atom})$`, this.flags.replace(/[gyd]/g, ''));
    } catch {
      throw new Refused('it does not compile');
    }
    let set = 0n;
    SAMPLES.forEach((sample, index) => {
      if (re.test(sample)) set |= 1n << BigInt(index);
    });
    this.cache.set(atom, set);
    return set;
  }

  private alternation(): Piece {
    const branches = [this.sequence()];
    while (this.source[this.i] === '|') {
      this.i++;
      branches.push(this.sequence());
    }
    if (branches.length === 1) return branches[0]!;
    return {
      nullable: branches.some((b) => b.nullable),
      headVar: branches.reduce((s, b) => s | b.headVar, 0n),
      tailVar: branches.reduce((s, b) => s | b.tailVar, 0n),
      chars: branches.reduce((s, b) => s | b.chars, 0n),
      quantified: branches.some((b) => b.quantified),
      alternation: true,
      lookaround: branches.some((b) => b.lookaround),
    };
  }

  private sequence(): Piece {
    let result: Piece = EMPTY;
    // what variable-length parts before the current piece can still take (through nullable pieces)
    let pending = 0n;
    let headVar = 0n;
    let leadingNullable = true;
    while (this.i < this.source.length && this.source[this.i] !== '|' && this.source[this.i] !== ')') {
      const piece = this.quantified();
      if ((pending & piece.headVar) !== 0n) throw new Refused('two variable-length parts in a row can match the same characters (overlapping repetition)');
      if (leadingNullable) headVar |= piece.headVar;
      // an earlier repetition that can also take the piece's characters reaches past it (`.*y.*z`: y splits nothing)
      pending = piece.nullable || (pending & piece.chars) !== 0n ? pending | piece.tailVar : piece.tailVar;
      leadingNullable &&= piece.nullable;
      result = {
        nullable: result.nullable && piece.nullable,
        headVar,
        tailVar: pending,
        chars: result.chars | piece.chars,
        quantified: result.quantified || piece.quantified,
        alternation: result.alternation || piece.alternation,
        lookaround: result.lookaround || piece.lookaround,
      };
    }
    return result;
  }

  /** An atom and its quantifier, if any. */
  private quantified(): Piece {
    const atom = this.atom();
    const bounds = this.quantifier();
    if (bounds === undefined) return atom;
    if (atom.lookaround && atom.chars === 0n) return this.refuse('a quantified lookaround');
    if (atom.chars === 0n) return this.refuse('a quantifier on something that matches no character');
    const [min, max] = bounds;
    if (max > 1) {
      if (atom.quantified) return this.refuse('a repeated group contains a quantifier (nested repetition)');
      if (atom.alternation) return this.refuse('a repeated group contains an alternation');
      if (atom.lookaround) return this.refuse('a repeated group contains a lookaround');
      if (atom.nullable) return this.refuse('a repeated group can match the empty string');
    }
    const exact = min === max;
    if (exact) {
      return { ...atom, nullable: atom.nullable || min === 0 };
    }
    // variable length: the whole piece can take any of its characters at either end
    return {
      nullable: atom.nullable || min === 0,
      headVar: atom.chars,
      tailVar: atom.chars,
      chars: atom.chars,
      quantified: true,
      alternation: atom.alternation,
      lookaround: atom.lookaround,
    };
  }

  private refuse(reason: string): never {
    throw new Refused(reason);
  }

  /** `[min, max]` of a quantifier at the cursor (a lazy `?` after it is skipped), or undefined. */
  private quantifier(): [number, number] | undefined {
    const c = this.source[this.i];
    let bounds: [number, number] | undefined;
    if (c === '*') bounds = [0, Infinity];
    else if (c === '+') bounds = [1, Infinity];
    else if (c === '?') bounds = [0, 1];
    if (bounds !== undefined) this.i++;
    else if (c === '{') {
      const match = /^\{(\d+)(,(\d*))?\}/.exec(this.source.slice(this.i));
      if (match === null) return undefined; // a literal brace (read as an atom next)
      const min = Number(match[1]);
      const max = match[2] === undefined ? min : match[3] === '' ? Infinity : Number(match[3]);
      bounds = [min, max];
      this.i += match[0].length;
    } else return undefined;
    if (this.source[this.i] === '?') this.i++; // lazy
    const next = this.source[this.i];
    if (next === '*' || next === '+' || next === '?' || (next === '{' && /^\{\d+(,\d*)?\}/.test(this.source.slice(this.i)))) {
      throw new Refused('nothing to repeat');
    }
    return bounds;
  }

  private single(atom: string): Piece {
    const chars = this.charSet(atom);
    return { nullable: false, headVar: 0n, tailVar: 0n, chars, quantified: false, alternation: false, lookaround: false };
  }

  private atom(): Piece {
    const source = this.source;
    const c = source[this.i]!;
    if (c === '(') return this.group();
    if (c === '[') {
      const start = this.i;
      this.i++;
      if (source[this.i] === '^') this.i++;
      if (source[this.i] === ']') this.i++; // []] is not a class in JS, but [^] and [] are: let the compile decide
      while (this.i < source.length && source[this.i] !== ']') {
        if (source[this.i] === '\\') this.i++;
        else if (source[this.i] === '[' && this.flags.includes('v')) throw new Refused('nested classes');
        this.i++;
      }
      if (this.i >= source.length) throw new Refused('an unterminated class');
      this.i++;
      return this.single(source.slice(start, this.i));
    }
    if (c === '\\') return this.escape();
    if (c === '^' || c === '$') {
      this.i++;
      return EMPTY;
    }
    if (c === '*' || c === '+' || c === '?') throw new Refused('nothing to repeat');
    if (c === '{' && /^\{\d+(,\d*)?\}/.test(source.slice(this.i))) throw new Refused('nothing to repeat');
    // one code point (a surrogate pair stays whole)
    const code = source.codePointAt(this.i)!;
    const text = String.fromCodePoint(code);
    this.i += text.length;
    return this.single(text === '.' ? '.' : text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
  }

  private escape(): Piece {
    const source = this.source;
    const next = source[this.i + 1];
    if (next === undefined) throw new Refused('a trailing backslash');
    if ((next >= '1' && next <= '9') || (next === 'k' && source[this.i + 2] === '<')) throw new Refused('backreferences are not allowed');
    if (next === 'b' || next === 'B') {
      this.i += 2;
      return EMPTY;
    }
    let match: RegExpExecArray | null;
    const rest = source.slice(this.i);
    if (
      (match = /^\\[pP]\{[^}]*\}/.exec(rest)) ||
      (match = /^\\u\{[0-9a-fA-F]+\}/.exec(rest)) ||
      (match = /^\\u[0-9a-fA-F]{4}/.exec(rest)) ||
      (match = /^\\x[0-9a-fA-F]{2}/.exec(rest)) ||
      (match = /^\\c[A-Za-z]/.exec(rest)) ||
      (match = /^\\0(?![0-9])/.exec(rest))
    ) {
      this.i += match[0].length;
      return this.single(match[0]);
    }
    if (/[0-9]/.test(next)) throw new Refused('an octal escape');
    // \d \w \s \D \W \S \t \n \r \f \v and identity escapes; a surrogate pair stays whole
    const code = source.codePointAt(this.i + 1)!;
    const text = `\\${String.fromCodePoint(code)}`;
    this.i += text.length;
    return this.single(text);
  }

  private group(): Piece {
    const source = this.source;
    this.i++; // (
    let lookaround = false;
    if (source[this.i] === '?') {
      const rest = source.slice(this.i);
      const prefix = /^\?(?::|=|!|<=|<!|<[A-Za-z_$][\w$]*>)/.exec(rest);
      if (prefix === null) throw new Refused('an unknown group syntax');
      lookaround = /^\?(?:=|!|<=|<!)$/.test(prefix[0]);
      this.i += prefix[0].length;
    }
    const inner = this.alternation();
    if (source[this.i] !== ')') throw new Refused('an unterminated group');
    this.i++;
    if (!lookaround) return inner;
    if (inner.quantified) throw new Refused('a lookaround contains a quantifier');
    return { ...EMPTY, lookaround: true };
  }
}

/** Why the pattern is refused, or undefined when it is accepted. `flags` are the pattern's flags (`i`, `u`, `s`…). */
export function unsafeRegexReason(source: string, flags = ''): string | undefined {
  if (source.length > MAX_PATTERN_LENGTH) return `longer than ${MAX_PATTERN_LENGTH} characters`;
  if (flags.includes('v')) return 'the v flag is not supported by the check';
  try {
    new Parser(source, flags).parse();
    return undefined;
  } catch (error) {
    if (error instanceof Refused) return error.message;
    throw error;
  }
}
