import { describe, expect, it } from 'vitest';
import { MAX_PATTERN_LENGTH, unsafeRegexReason } from './safe-regex.js';

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
  ])('accepts %s', (source) => {
    expect(unsafeRegexReason(source)).toBeUndefined();
    expect(() => new RegExp(source)).not.toThrow();
  });

  it.each([
    ['(a+)+$', /nested repetition/],
    ['(a*)*b', /nested repetition/],
    ['(\\w+\\s?)*$', /nested repetition/],
    ['(?:x+y?){2,}', /nested repetition/],
    ['((a)+)+', /nested repetition/],
    ['(a|a)*b', /alternation/],
    ['(?:ab|a)+c', /alternation/],
    ['(a)\\1', /backreferences/],
    ['(?<x>a)\\k<x>', /backreferences/],
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
});
