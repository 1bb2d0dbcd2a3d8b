import { describe, it, expect } from 'vitest';
import {
  runAllocatorContract,
  runPrunerContract,
  runScorerContract,
  runSegmenterContract,
  runSelectorContract,
  runTokenizerContract,
  wordTokenizer,
} from './testing/index.js';
import { structuredTextSegmenter } from './segmenters/structured-text-segmenter.js';
import { bm25Scorer } from './scorers/bm25-scorer.js';
import { referenceScorer } from './scorers/reference-scorer.js';
import { neighbourScorer } from './scorers/neighbour-scorer.js';
import { groupScorer } from './scorers/group-scorer.js';
import { informationScorer } from './scorers/information-scorer.js';
import { positionScorer } from './scorers/position-scorer.js';
import { migAllocator } from './allocators/mig-allocator.js';
import { greedySelector } from './selectors/greedy-selector.js';
import { wordPruner } from './pruners/word-pruner.js';
import { createSources } from './sources.js';
import { buildScoringContext } from './scoring-context.js';

const t = { describe, it, expect };

runTokenizerContract(t, 'test word tokenizer', () => wordTokenizer());
runSegmenterContract(t, 'structured text', () => structuredTextSegmenter());
runSegmenterContract(t, 'structured text, no block headers', () => structuredTextSegmenter({ blockHeaders: false, maxLineUnitLength: 10 }));
runScorerContract(t, 'bm25', () => bm25Scorer(), { queryAware: true });
runScorerContract(t, 'bm25 without feedback', () => bm25Scorer({ feedback: false }), { queryAware: true });
runScorerContract(t, 'neighbour(bm25)', () => neighbourScorer(bm25Scorer()), { queryAware: false });
runScorerContract(t, 'group-source(bm25)', () => groupScorer(bm25Scorer()), { queryAware: false });
runScorerContract(t, 'group-block(bm25)', () => groupScorer(bm25Scorer(), { level: 'block' }), { queryAware: false });
runScorerContract(t, 'reference(bm25)', () => referenceScorer(bm25Scorer()), { queryAware: false });
runScorerContract(t, 'information', () => informationScorer(), { queryAware: false });
runScorerContract(t, 'position', () => positionScorer(), { queryAware: false });
runAllocatorContract(t, 'mig', () => migAllocator());
runAllocatorContract(t, 'mig, small passages', () => migAllocator({ passageTokens: 10, sharpness: 1 }));
runSelectorContract(t, 'greedy', () => greedySelector());
runSelectorContract(t, 'greedy, value only', () => greedySelector({ costExponent: 0, redundancy: 0 }));
runPrunerContract(t, 'word', () => wordPruner());

describe('referenceScorer', () => {
  it('scores the document that the best units name, and only that one', () => {
    const documents = [
      { title: 'Kiss and Tell (1945 film)', text: 'Kiss and Tell is a 1945 comedy film starring Shirley Temple as Corliss Archer.' },
      { title: 'Shirley Temple', text: 'Shirley Temple was an American actress and later a diplomat.' },
      { title: 'Harbour cranes', text: 'Cranes unload containers at the harbour day and night.' },
    ];
    const segmentation = structuredTextSegmenter().segment(createSources(documents));
    const context = buildScoringContext(segmentation, wordTokenizer(), 'Who starred in the film Kiss and Tell?');
    const scores = referenceScorer(bm25Scorer()).score(context);
    const scoreOf = (prefix: string): number => scores[context.texts.findIndex((text) => text.startsWith(prefix))]!;
    expect(scoreOf('Shirley Temple was')).toBeGreaterThan(0);
    expect(scoreOf('Cranes unload')).toBe(0);
  });
});
