import { describe, expect, it } from 'vitest';
import { answerRetention, mean, median, normalize, retention, supportingRetention } from './metrics.js';

describe('normalize', () => {
  it.each([
    ['The Quick, Brown Fox!', 'quick brown fox'],
    ['An apple a day', 'apple day'],
    ['  many\n\tspaces   here ', 'many spaces here'],
    ['theory of the anthem', 'theory of anthem'], // only whole words a/an/the are dropped
    ['A.B.C', 'b c'], // the "a" before "." is a word of its own
    ['the-end', 'end'],
    ['snake_case and camelCase', 'snake case and camelcase'], // underscore is not a letter or digit
    ['Île-de-France, 1038–40', 'île de france 1038 40'], // Unicode letters kept, dashes replaced
    ['éthe', 'éthe'], // "the" inside a word with a non-ASCII letter is not dropped
    ['What’s "quoted"?', 'what s quoted'],
    ['', ''],
  ])('%j → %j', (input, expected) => {
    expect(normalize(input)).toBe(expected);
  });
});

describe('answerRetention', () => {
  const text = normalize('In England, Norman architecture precedes the Early Gothic.');
  it('is 1 when any answer survives', () => {
    expect(answerRetention(text, ['Romanesque', 'early Gothic'])).toBe(1);
  });
  it('is 0 when none survives', () => {
    expect(answerRetention(text, ['Romanesque'])).toBe(0);
  });
  it('matches after normalisation on both sides', () => {
    expect(answerRetention(text, ['The EARLY-gothic'])).toBe(1);
  });
  it('is a plain substring match', () => {
    expect(answerRetention(normalize('pineapple'), ['apple'])).toBe(1);
  });
  it('is null without answers', () => {
    expect(answerRetention(text, [])).toBeNull();
  });
});

describe('supportingRetention', () => {
  const text = normalize('First sentence here. Second one, too! Third.');
  it('is the fraction of supporting strings found', () => {
    expect(supportingRetention(text, ['first sentence here', 'Second one, too', 'missing sentence', 'Third'])).toBe(0.75);
  });
  it('is null without supporting strings', () => {
    expect(supportingRetention(text, [])).toBeNull();
  });
});

describe('retention', () => {
  it('scores both measures on one compressed text', () => {
    expect(retention('Paris is the capital of France.', { answers: ['Paris'], supporting: ['Paris is the capital of France', 'Berlin is in Germany'] })).toEqual({
      answer: 1,
      supporting: 0.5,
    });
  });
});

describe('mean and median', () => {
  it('mean skips nulls and is null when empty', () => {
    expect(mean([1, null, 0, 0.5])).toBe(0.5);
    expect(mean([null])).toBeNull();
  });
  it('median of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNull();
  });
});
