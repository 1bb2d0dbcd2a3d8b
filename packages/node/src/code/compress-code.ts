/**
 * `compressCode()`: code-aware compression with tree-sitter segmentation and tokenizers by name.
 * @module
 */
import { CtxpressError } from '@ctxpress/core';
import { checkLimitOptions } from '@ctxpress/core/internal';
import type { Tokenizer } from '@ctxpress/core';
import { getTokenizer } from '../tokenizers/registry.js';
import { compressCodeSync, indentationSegmenter, normalizeCodeFiles } from './core-code.js';
import type { CodeCompressOptions, CodeCompressionResult, CodeFile, CodeSegmenter } from './core-code.js';
import { hasParser, treeSitterSegmenter } from './tree-sitter-segmenter.js';

/** `compressCode()` options: as `compressCodeSync`, but the tokenizer may be a name (default o200k_base) and the segmenter is optional. */
export type NodeCodeCompressOptions = Omit<CodeCompressOptions, 'tokenizer'> & { readonly tokenizer?: string | Tokenizer };

/**
 * Compresses source files (or one string with `language`) to a token budget. Each file is parsed with tree-sitter when
 * its language (from `file.language`, the path's extension, or `options.language`) has a grammar — TypeScript/TSX,
 * JavaScript, Python, Go, Java, Rust, C, C++ — and segmented by indentation otherwise. Code that does not parse is still
 * segmented: what parsed by the grammar, the ERROR regions by the indentation fallback.
 *
 * @example
 * const result = await compressCode([{ path: 'src/cart.ts', text }], { query: 'total = applyDiscount(cart, code)', budget: { ratio: 4 } });
 */
export async function compressCode(input: readonly CodeFile[] | string, options: NodeCodeCompressOptions): Promise<CodeCompressionResult> {
  if (typeof options !== 'object' || options === null) {
    throw new CtxpressError('INVALID_OPTION', 'options are required: { budget: { tokens } | { ratio }, query?, tokenizer?, language? }.');
  }
  checkLimitOptions(options); // signal / timeLimitMs: checked before any await; the core checks the signal again before its work
  const tokenizer =
    typeof options.tokenizer === 'object' && options.tokenizer !== null ? options.tokenizer : await getTokenizer(options.tokenizer ?? 'o200k_base');
  let segmenter = options.segmenter;
  if (segmenter === undefined) {
    const files = normalizeCodeFiles(input, options.language);
    const byLanguage = new Map<string, CodeSegmenter>();
    for (const f of files) {
      if (byLanguage.has(f.language)) continue;
      byLanguage.set(f.language, hasParser(f.language) ? await treeSitterSegmenter(f.language) : indentationSegmenter({ language: f.language }));
    }
    segmenter = (language: string) => byLanguage.get(language) ?? indentationSegmenter({ language });
  }
  return compressCodeSync(input, { ...options, tokenizer, segmenter });
}
