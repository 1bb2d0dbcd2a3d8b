import { describe, expect, it } from 'vitest';
import { parseFraction, parseRatio, parseTokenCount } from './numbers.js';

describe('strict number flags', () => {
  it.each([
    ['500', 500],
    [' 42 ', 42],
    ['1e3', 1000],
    ['0', undefined],
    ['-5', undefined],
    ['2.5', undefined],
    ['abc', undefined],
    ['', undefined],
    ['0x10', undefined],
    ['12abc', undefined],
    ['Infinity', undefined],
  ])('tokens %j → %j', (text, expected) => expect(parseTokenCount(text)).toBe(expected));

  it.each([
    ['4', 4],
    ['1', 1],
    ['2.5', 2.5],
    ['.5', undefined],
    ['0.9', undefined],
    ['NaN', undefined],
    ['4x', undefined],
  ])('ratio %j → %j', (text, expected) => expect(parseRatio(text)).toBe(expected));

  it.each([
    ['0.3', 0.3],
    ['.5', 0.5],
    ['0', undefined],
    ['1', undefined],
    ['1.5', undefined],
  ])('prune fraction %j → %j', (text, expected) => expect(parseFraction(text)).toBe(expected));
});
