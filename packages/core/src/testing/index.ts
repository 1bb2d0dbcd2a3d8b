/**
 * Test helpers for ctxpress and for anyone implementing its extension points (export "@ctxpress/core/testing").
 * @module
 */
export { wordTokenizer } from './word-tokenizer.js';
export { pieceTokenizer } from './piece-tokenizer.js';
export type { PieceTokenizerOptions } from './piece-tokenizer.js';
export {
  SAMPLE_DOCUMENTS,
  runAllocatorContract,
  runPrunerContract,
  runScorerContract,
  runSegmenterContract,
  runSelectorContract,
  runTokenizerContract,
} from './contracts.js';
export type { TestApi } from './contracts.js';
export { runCacheStoreContract } from '../cache/contract.js';
export type { CacheStoreContractOptions } from '../cache/contract.js';
