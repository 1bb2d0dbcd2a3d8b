import type { Tokenizer } from '@ctxpress/core';
import { renderSelection } from '@ctxpress/core/internal';
import { getTokenizer } from '@ctxpress/node';
import { beforeAll, describe, expect, it } from 'vitest';
import { bm25Selection, hashSeed, headSelection, mulberry32, prepareInput, randomSelection, seededShuffle, type PreparedInput, type Selection } from './baselines.js';

const topics = ['rover', 'battery', 'antenna', 'camera', 'wheel', 'heater', 'solar panel', 'radio', 'drill', 'laser'];
const paragraphs = Array.from({ length: 8 }, (_, p) =>
  Array.from({ length: 6 }, (_, s) => {
    const topic = topics[(p * 6 + s) % topics.length] as string;
    return `Sentence ${p}.${s} says the ${topic} was checked on sol ${p * 10 + s}, and its readings were ${s % 2 === 0 ? 'nominal' : 'slightly high'}.`;
  }).join(' '),
);
const text = paragraphs.join('\n\n');
const documents = paragraphs.map((paragraph, index) => ({ title: `Report ${index}`, text: paragraph }));
const query = 'What limits the battery of the rover?';

let tokenizer: Tokenizer;
let preparedText: PreparedInput;
let preparedDocuments: PreparedInput;

beforeAll(async () => {
  tokenizer = await getTokenizer('o200k_base');
  preparedText = prepareInput(text, tokenizer, query);
  preparedDocuments = prepareInput(documents, tokenizer, query);
});

const baselines: [string, (prepared: PreparedInput, budget: number) => Selection][] = [
  ['head', (prepared, budget) => headSelection(prepared, budget, tokenizer)],
  ['random', (prepared, budget) => randomSelection(prepared, budget, tokenizer, 42)],
  ['bm25', (prepared, budget) => bm25Selection(prepared, budget, tokenizer)],
];

describe.each(baselines)('%s', (_, select) => {
  it.each([0, 1, 7, 25, 60, 150, 400, 100_000])('respects a budget of %i tokens exactly (text and documents)', (budget) => {
    for (const prepared of [preparedText, preparedDocuments]) {
      const selection = select(prepared, budget);
      expect(selection.tokens).toBe(tokenizer.count(selection.text));
      expect(selection.tokens).toBeLessThanOrEqual(budget);
      expect(selection.text).toBe(renderSelection(prepared.segmentation, selection.keep).text);
    }
  });

  it('keeps everything when the budget is the whole input', () => {
    const selection = select(preparedText, tokenizer.count(text));
    expect(selection.keep.every((kept) => kept === 1)).toBe(true);
    expect(selection.text).toBe(text);
  });

  it('fills most of a mid-sized budget', () => {
    const budget = Math.floor(tokenizer.count(text) / 4);
    const selection = select(preparedText, budget);
    const largest = Math.max(...preparedText.context.tokens);
    expect(selection.tokens).toBeGreaterThan(budget - 2 * largest);
  });
});

describe('head', () => {
  it('keeps a prefix of units, and the next unit would not fit', () => {
    for (const prepared of [preparedText, preparedDocuments]) {
      for (const budget of [30, 120, 333]) {
        const { keep, tokens } = headSelection(prepared, budget, tokenizer);
        const kept = keep.reduce((sum, value) => sum + value, 0);
        expect(Array.from(keep.subarray(0, kept)).every((value) => value === 1)).toBe(true);
        expect(Array.from(keep.subarray(kept)).every((value) => value === 0)).toBe(true);
        expect(tokens).toBeLessThanOrEqual(budget);
        if (kept < keep.length) {
          const longer = new Uint8Array(keep.length).fill(1, 0, kept + 1);
          expect(tokenizer.count(renderSelection(prepared.segmentation, longer).text)).toBeGreaterThan(budget);
        }
      }
    }
  });
  it('starts with the beginning of the text', () => {
    expect(text.startsWith(headSelection(preparedText, 50, tokenizer).text)).toBe(true);
  });
});

describe('random', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const first = randomSelection(preparedText, 150, tokenizer, hashSeed('example-1'));
    const again = randomSelection(preparedText, 150, tokenizer, hashSeed('example-1'));
    const other = randomSelection(preparedText, 150, tokenizer, hashSeed('example-2'));
    expect(again.text).toBe(first.text);
    expect(other.text).not.toBe(first.text);
  });
  it('seededShuffle is a permutation and reproducible', () => {
    const order = seededShuffle(100, 7);
    expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(seededShuffle(100, 7)).toEqual(order);
    expect(seededShuffle(100, 8)).not.toEqual(order);
  });
  it('mulberry32 gives reproducible floats in [0, 1)', () => {
    const a = mulberry32(123);
    const b = mulberry32(123);
    for (let i = 0; i < 1000; i++) {
      const value = a();
      expect(value).toBe(b());
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1);
    }
  });
  it('hashSeed is stable', () => {
    expect(hashSeed('')).toBe(0x811c9dc5);
    expect(hashSeed('a')).toBe(0xe40c292c);
  });
});

describe('bm25', () => {
  it('keeps query matches first under a tight budget', () => {
    const selection = bm25Selection(preparedText, 40, tokenizer);
    expect(selection.text).toMatch(/battery|rover/);
  });
});
