import { describe, expect, it } from 'vitest';
import { aggregate, beatsBaselines, means, problems, type ExampleRecord } from './quality.js';

const record = (overrides: Partial<ExampleRecord>): ExampleRecord => ({
  task: 'squad_article',
  kind: 'qa',
  id: 'x',
  method: 'ctxpress',
  ratio: 4,
  originalTokens: 400,
  budget: 100,
  compressedTokens: 100,
  achievedRatio: 4,
  answer: 1,
  supporting: 1,
  ms: 10,
  ...overrides,
});

describe('aggregate', () => {
  it('averages retention, ratio and time per task × method × ratio, and counts violations', () => {
    const rows = aggregate([
      record({ id: 'a', answer: 1, supporting: 0.5, compressedTokens: 80, achievedRatio: 5 }),
      record({ id: 'b', answer: 0, supporting: 1, compressedTokens: 101, achievedRatio: 400 / 101, ms: 30 }),
      record({ id: 'c', answer: null, supporting: 0, compressedTokens: 0, achievedRatio: null }),
    ]);
    expect(rows).toHaveLength(1);
    const [row] = rows;
    expect(row).toMatchObject({ n: 3, nAnswer: 2, nSupporting: 3, answerRetention: 0.5, supportingRetention: 0.5, violations: 1, emptyOutputs: 1, errors: 0 });
    expect(row?.minAchievedRatio).toBeCloseTo(400 / 101);
    expect(row?.meanMs).toBeCloseTo(50 / 3);
  });
  it('problems() lists violations and errors', () => {
    const result = problems([record({ compressedTokens: 101 }), record({ error: 'Error: boom', compressedTokens: 0 }), record({})]);
    expect(result.violations).toHaveLength(1);
    expect(result.errors).toHaveLength(1);
  });
});

describe('means', () => {
  it('averages task means over the QA tasks and over all tasks', () => {
    const rows = aggregate([
      record({ task: 'squad_article', kind: 'qa', answer: 1, supporting: 1 }),
      record({ task: 'niah_paulgraham', kind: 'needle', answer: 0, supporting: 0 }),
      record({ task: 'qmsum_meeting', kind: 'meeting', answer: null, supporting: 0.2 }),
    ]);
    const [mean] = means(rows, ['ctxpress'], [4]);
    expect(mean).toMatchObject({ answerRetentionQa: 0.5, supportingRetentionQa: 0.5 });
    expect(mean?.supportingRetentionAll).toBeCloseTo(1.2 / 3);
    expect(mean?.qaTasks).toEqual(['squad_article', 'niah_paulgraham']);
  });
});

describe('beatsBaselines', () => {
  it('marks wins, ties and losses against the strongest baseline', () => {
    const rows = aggregate([
      record({ method: 'ctxpress', answer: 1, supporting: 0.5 }),
      record({ method: 'bm25', answer: 1, supporting: 0.25 }),
      record({ method: 'head', answer: 0, supporting: 0.75 }),
      record({ method: 'random', answer: 0, supporting: 0 }),
    ]);
    const cells = beatsBaselines(rows, [4]);
    expect(cells).toEqual([
      { task: 'squad_article', ratio: 4, measure: 'answer', mark: '=', ctxpress: 1, baseline: 'bm25', baselineValue: 1 },
      { task: 'squad_article', ratio: 4, measure: 'supporting', mark: '✗', ctxpress: 0.5, baseline: 'head', baselineValue: 0.75 },
    ]);
  });
});
