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
import { neighbourScorer } from './scorers/neighbour-scorer.js';
import { groupScorer } from './scorers/group-scorer.js';
import { informationScorer } from './scorers/information-scorer.js';
import { positionScorer } from './scorers/position-scorer.js';
import { migAllocator } from './allocators/mig-allocator.js';
import { greedySelector } from './selectors/greedy-selector.js';
import { wordPruner } from './pruners/word-pruner.js';

const t = { describe, it, expect: expect as never };

runTokenizerContract(t, 'test word tokenizer', () => wordTokenizer());
runSegmenterContract(t, 'structured text', () => structuredTextSegmenter());
runSegmenterContract(t, 'structured text, no block headers', () => structuredTextSegmenter({ blockHeaders: false, maxLineUnitLength: 10 }));
runScorerContract(t, 'bm25', () => bm25Scorer(), { queryAware: true });
runScorerContract(t, 'bm25 without feedback', () => bm25Scorer({ feedback: false }), { queryAware: true });
runScorerContract(t, 'neighbour(bm25)', () => neighbourScorer(bm25Scorer()), { queryAware: false });
runScorerContract(t, 'group-source(bm25)', () => groupScorer(bm25Scorer()), { queryAware: false });
runScorerContract(t, 'group-block(bm25)', () => groupScorer(bm25Scorer(), { level: 'block' }), { queryAware: false });
runScorerContract(t, 'information', () => informationScorer(), { queryAware: false });
runScorerContract(t, 'position', () => positionScorer(), { queryAware: false });
runAllocatorContract(t, 'mig', () => migAllocator());
runAllocatorContract(t, 'mig, small passages', () => migAllocator({ passageTokens: 10, sharpness: 1 }));
runSelectorContract(t, 'greedy', () => greedySelector());
runSelectorContract(t, 'greedy, value only', () => greedySelector({ costExponent: 0, redundancy: 0 }));
runPrunerContract(t, 'word', () => wordPruner());
