import { describe, expect, it } from 'vitest';
import { parseKeepPattern, parseKeepPatterns } from './parse-keep.js';
import { UsageError } from './usage-error.js';

describe('parseKeepPattern', () => {
  it.each([
    ['/ERROR.*/', /ERROR.*/],
    ['/v\\d+\\.\\d+/i', /v\d+\.\d+/i],
    ['/a\\/b/g', /a\/b/g],
    ['/x/gimsuy', /x/gimsuy],
  ])('%s is a RegExp', (text, expected) => {
    const pattern = parseKeepPattern(text);
    expect(pattern).toBeInstanceOf(RegExp);
    expect((pattern as RegExp).source).toBe(expected.source);
    expect((pattern as RegExp).flags).toBe(expected.flags);
  });

  it.each([
    ['API_KEY'],
    ['/usr/bin'], // "bin" is not a set of flags: a literal path
    ['/'],
    ['//'], // empty body: literal
    ['a/b/'],
    ['error/i'],
    [''],
  ])('%j is a literal string', (text) => {
    expect(parseKeepPattern(text)).toBe(text);
  });

  it('the RegExp matches what it says', () => {
    const pattern = parseKeepPattern('/order \\d+/') as RegExp;
    expect('timeout (order 5521)'.match(pattern)?.[0]).toBe('order 5521');
  });

  it('a RegExp literal that does not compile is a usage error naming the pattern', () => {
    expect(() => parseKeepPattern('/(unclosed/')).toThrow(UsageError);
    expect(() => parseKeepPattern('/(unclosed/')).toThrow(/--keep \/\(unclosed\/: invalid regular expression/);
  });

  it('parses a list in order', () => {
    const patterns = parseKeepPatterns(['a', '/b/', 'c']);
    expect(patterns[0]).toBe('a');
    expect(patterns[1]).toBeInstanceOf(RegExp);
    expect(patterns[2]).toBe('c');
  });
});
