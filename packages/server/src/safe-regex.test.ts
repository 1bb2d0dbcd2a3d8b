import { describe, expect, it } from 'vitest';
import { MAX_PATTERN_LENGTH, unsafeRegexReason } from './safe-regex.js';

/** 30-character inputs that make backtracking patterns explode: a long run of one class, then a character that fails. */
const HOSTILE = [
  'a'.repeat(29) + '!',
  '1'.repeat(29) + '!',
  ' '.repeat(29) + '!',
  'ab'.repeat(14) + 'a!',
  '1a'.repeat(14) + '1!',
  'a'.repeat(30),
  '\t '.repeat(15),
];

/** The slowest full scan of the hostile inputs, in ms. */
function worstMs(source: string, flags = ''): number {
  const re = new RegExp(source, flags);
  let worst = 0;
  for (const input of HOSTILE) {
    const t = performance.now();
    re.test(input);
    worst = Math.max(worst, performance.now() - t);
  }
  return worst;
}

describe('unsafeRegexReason', () => {
  it.each([
    'ID-\\d+',
    '\\b[A-Z]{2,}-\\d+\\b',
    'ticket #\\d{4,6}',
    '(?:foo|bar)',
    '(?:foo|bar)?',
    '(ab){3}',
    '[(+*]+',
    'https?://\\S+',
    '(?<year>\\d{4})-(\\d\\d)',
    '\\(a+\\)+',
    'a{',
    '\\w+@\\w+\\.com',
    '\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}',
    '(?=a)b',
    '[^\\]]+x',
    '\\s*x\\s*',
    '\\w+-\\w+-\\w+!',
    'a+ba+',
    '(?:ab)+c',
    'a+?b',
  ])('accepts %s', (source) => {
    expect(unsafeRegexReason(source)).toBeUndefined();
    expect(() => new RegExp(source)).not.toThrow();
  });

  it('accepts unicode property escapes under the u flag', () => {
    expect(unsafeRegexReason('\\p{Lu}\\p{Ll}+', 'u')).toBeUndefined();
  });

  it.each([
    ['(a+)+$', /nested repetition/],
    ['(a*)*b', /nested repetition/],
    ['(\\w+\\s?)*$', /nested repetition/],
    ['(\\w+\\s?)+$', /nested repetition/],
    ['(?:x+y?){2,}', /nested repetition/],
    ['((a)+)+', /nested repetition/],
    ['(.*a)*', /nested repetition/],
    // issue 9 item 2: `?` after an escape or a class is a quantifier
    ['(\\w\\w?)+y', /nested repetition/],
    ['(\\d?\\d?)+y', /overlapping|nested/],
    ['([0-9]?[0-9]?)+y', /overlapping|nested/],
    ['(\\s?\\s?)*x', /overlapping|nested/],
    ['(\\d\\d?)+y', /nested repetition/],
    ['([a-z][a-z]?){2,}y', /nested repetition/],
    ['(a?){30}a{30}', /nested repetition/],
    ['((a?)?)+', /nested repetition/],
    ['(?:(?:a)?)+b', /nested repetition/],
    ['(a|a)*b', /alternation/],
    ['(a|a)*', /alternation/],
    ['(a|ab)*', /alternation/],
    ['(?:ab|a)+c', /alternation/],
    ['(?:a|b)*c', /alternation/],
    ['a?a?a?a?a?a?a?a?a?a?a?a?a?a?a?a?a?a?a?a?aaaaaaaaaaaaaaaaaaaa', /overlapping/],
    ['\\s*\\s*\\s*x', /overlapping/],
    ['\\w+\\s*\\w+$', /overlapping/],
    ['(?:a+|b)a+', /overlapping/],
    ['(\\s*)\\s*x', /overlapping/],
    ['.*y.*z', /overlapping/],
    ['\\w+_\\w+$', /overlapping/],
    ['a+aa+', /overlapping/],
    ['(?=a+)b', /lookaround/],
    ['(?:)+', /no character/],
    ['\\b+', /no character/],
    ['(a)\\1', /backreferences/],
    ['(?<x>a)\\k<x>', /backreferences/],
    ['(a', /unterminated/],
    ['a'.repeat(MAX_PATTERN_LENGTH + 1), /longer than/],
  ])('refuses %s', (source, reason) => {
    expect(unsafeRegexReason(source)).toMatch(reason);
  });

  it('accepted patterns stay fast on a long run of one character (the input that makes nested repetition explode)', () => {
    const input = `${'a'.repeat(28)}b`;
    for (const source of ['ID-\\d+', '\\b[A-Z]{2,}-\\d+\\b', 'https?://\\S+', '(?:foo|bar)?']) {
      const t = performance.now();
      new RegExp(source, 'g').test(input.repeat(1000));
      expect(performance.now() - t).toBeLessThan(1000);
    }
  });

  it('fuzz: every accepted small generated pattern runs each hostile 30-character input in under 50 ms', () => {
    let seed = 0x9e3779b9;
    const random = (): number => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const atoms = ['a', 'b', '1', ' ', '!', '\\w', '\\d', '\\s', '\\S', '.', '[ab]', '[0-9]', '[^!]', '\\b', '$', '^'];
    const quantifiers = ['', '', '', '?', '*', '+', '{1,3}', '{2,}', '{2}', '*?', '+?'];
    const piece = (depth: number): string => {
      const roll = random();
      let body: string;
      if (depth < 3 && roll < 0.3) body = `(${pattern(depth + 1)})`;
      else if (depth < 3 && roll < 0.4) body = `(?:${pattern(depth + 1)}|${pattern(depth + 1)})`;
      else body = pick(atoms);
      return body + pick(quantifiers);
    };
    const pattern = (depth: number): string => Array.from({ length: 1 + Math.floor(random() * 3) }, () => piece(depth)).join('');
    let accepted = 0;
    let refused = 0;
    const slow: string[] = [];
    for (let n = 0; n < 4000; n++) {
      const source = pattern(0) + pick(['', 'y', '$', '!']);
      let valid = true;
      try {
        new RegExp(source);
      } catch {
        valid = false;
      }
      if (!valid || unsafeRegexReason(source) !== undefined) {
        refused++;
        continue;
      }
      accepted++;
      const ms = worstMs(source);
      if (ms >= 50) slow.push(`${source} ${ms.toFixed(1)} ms`);
    }
    expect(slow).toEqual([]);
    expect(accepted).toBeGreaterThan(500);
    expect(refused).toBeGreaterThan(500);
  });
});
