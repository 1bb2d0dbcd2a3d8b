import type { CompressInput, Tokenizer } from '../types.js';
import type { CompressOptions } from '../options.js';
import { defaultPipeline } from '../compress.js';
import { createSources } from '../sources.js';
import { hash128 } from './hash.js';
import { segmentCacheKeys, segmenterCacheId } from './segment-cache.js';
import type { SegmentCacheKeys } from './segment-cache.js';

/**
 * The keys `compressSync(input, { ...options, cache })` will read, so an async front door can prefetch them from a
 * slow store before the synchronous call. Undefined when the call would not use the cache (a custom segmenter without
 * `cacheKey`). Invalid input throws here exactly as `compressSync` would.
 */
export function segmentCacheKeysFor(
  input: CompressInput,
  options: Pick<CompressOptions, 'format' | 'documentSeparator' | 'pipeline'> & { readonly tokenizer: Tokenizer },
  hash: (text: string) => string = hash128,
): SegmentCacheKeys | undefined {
  const segmenter = options.pipeline?.segmenter ?? defaultPipeline().segmenter;
  const id = segmenterCacheId(segmenter, options.pipeline?.segmenter === undefined);
  if (id === undefined) return undefined;
  const sources = createSources(input, options.format ?? 'auto');
  return segmentCacheKeys(hash, id, options.tokenizer, options.documentSeparator ?? '\n\n', sources);
}
