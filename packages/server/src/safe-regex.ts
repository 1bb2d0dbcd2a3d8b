/**
 * A conservative check of regular expressions that callers send to the service (`keep: ["/re/flags"]`), against
 * catastrophic backtracking (ReDoS): JavaScript's engine backtracks, so `/(a+)+$/` on a long run of `a`s never ends.
 * Refused: a quantified group that itself contains a quantifier (star height > 1, the classic exponential shape),
 * backreferences, lookbehind/lookahead containing quantifiers, and sources over `MAX_PATTERN_LENGTH`. Alternations
 * inside quantified groups are refused too when they contain a quantifier. This also refuses some safe patterns; the
 * worker pool's time limit is the backstop for anything the check lets through.
 * @module
 */

export const MAX_PATTERN_LENGTH = 256;

/** Why the pattern is refused, or undefined when it is accepted. */
export function unsafeRegexReason(source: string): string | undefined {
  if (source.length > MAX_PATTERN_LENGTH) return `longer than ${MAX_PATTERN_LENGTH} characters`;
  // per open group: does it contain a quantifier or an alternation (directly or in a nested group)?
  const stack: Array<{ quantified: boolean; alternation: boolean }> = [];
  const mark = (what: 'quantified' | 'alternation'): void => {
    const top = stack[stack.length - 1];
    if (top !== undefined) top[what] = true;
  };
  let inClass = false;
  let previous = ''; // the previous significant character ('' after an escape or a class)
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === '\\') {
      const next = source[i + 1] ?? '';
      if ((next >= '1' && next <= '9') || (next === 'k' && source[i + 2] === '<')) return 'backreferences are not allowed';
      i++;
      previous = '';
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      previous = '';
      continue;
    }
    if (c === '(') {
      stack.push({ quantified: false, alternation: false });
      if (source[i + 1] === '?') i += 2; // (?: (?= (?! (?<= (?<! (?<name>: the rest is read as plain characters
      previous = '(';
      continue;
    }
    if (c === '|') {
      mark('alternation');
      previous = '|';
      continue;
    }
    if (c === ')') {
      const group = stack.pop() ?? { quantified: false, alternation: false };
      if (group.quantified) mark('quantified');
      if (group.alternation) mark('alternation');
      const rest = source.slice(i + 1);
      const unbounded = /^(?:[*+]|\{\d+,\d*\}|\{\d+,?\d*\})/.exec(rest);
      const repeats = unbounded !== null && !/^\{\d+\}/.test(rest) && !/^\{[01]\}/.test(rest);
      if (repeats && group.quantified) return 'a repeated group contains a quantifier (nested repetition)';
      if (repeats && group.alternation) return 'a repeated group contains an alternation';
      previous = ')';
      continue;
    }
    const quantifier = c === '*' || c === '+' || (c === '?' && previous !== '' && previous !== '(' && previous !== '|' && !'*+?}'.includes(previous));
    if (c === '{') {
      const bound = /^\{\d+(?:,\d*)?\}/.exec(source.slice(i));
      if (bound === null) {
        previous = c;
        continue; // a literal brace
      }
      if (!/^\{[01]\}$/.test(bound[0])) mark('quantified');
      i += bound[0].length - 1;
      previous = '}';
      continue;
    }
    if (quantifier) mark('quantified');
    previous = c;
  }
  return undefined;
}
