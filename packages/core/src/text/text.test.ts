import { describe, it, expect } from 'vitest';
import { terms, stem } from './terms.js';
import { forEachSentence } from './sentences.js';

function sentences(text: string): string[] {
  const out: string[] = [];
  forEachSentence(text, 0, text.length, (s, e) => out.push(text.slice(s, e)));
  return out;
}

describe('terms', () => {
  it('splits identifiers and keeps the whole identifier', () => {
    expect(terms('getUserName(user_id)')).toEqual(['getusername', 'user', 'name', 'user_id', 'user', 'id']);
    expect(terms('HTTPServer')).toEqual(['httpserver', 'http', 'server']);
  });
  it('keeps numbers whole, drops stop words, stems plurals', () => {
    expect(terms('The 3.5 batteries and 1,000 cells')).toEqual(['3.5', 'battery', '1,000', 'cell']);
  });
  it('drops possessive s and handles unicode and CJK', () => {
    expect(terms("Caroline's café 你好")).toEqual(['caroline', 'café', '你', '好']);
  });
  it('stems consistently', () => {
    expect(stem('limits')).toBe(stem('limit'));
    expect(stem('running')).toBe('runn');
    expect(stem('class')).toBe('class');
  });
});

describe('sentences', () => {
  it('splits at sentence punctuation followed by a capital', () => {
    expect(sentences('One here. Two there! Three? four stays.')).toEqual(['One here.', 'Two there!', 'Three? four stays.']);
  });
  it('does not split abbreviations, initials and decimals', () => {
    expect(sentences('Dr. Smith met J. K. Rowling at 3.5 p.m. on Friday. Then e.g. tea.')).toEqual([
      'Dr. Smith met J. K. Rowling at 3.5 p.m. on Friday.',
      'Then e.g. tea.',
    ]);
  });
  it('splits run-together sentences and CJK full stops', () => {
    expect(sentences('it should be useful.To start with, yes.')).toEqual(['it should be useful.', 'To start with, yes.']);
    expect(sentences('今天很好。明天也好。')).toEqual(['今天很好。', '明天也好。']);
  });
  it('keeps closing quotes with their sentence', () => {
    expect(sentences('He said "stop." Then left.')).toEqual(['He said "stop."', 'Then left.']);
  });
});
