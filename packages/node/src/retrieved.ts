/**
 * `compressRetrieved`: what a retriever integration does (LangChain's document compressor, LlamaIndex's node
 * postprocessor, and the like): compress the retrieved texts jointly under one budget and hand back, per text that
 * kept anything, its kept spans, the text they make, and (in relevance order) its best kept unit's score. The
 * integration only maps its own document or node class onto texts and back.
 * @module
 */
import { CtxpressError, isCtxpressError } from '@ctxpress/core';
import type { Budget, CompressionResult, Tokenizer } from '@ctxpress/core';
import { compressWithCache } from './cache/compress.js';

export interface RetrievedOptions {
  /** Over the texts' tokens together: `{ tokens: N }` or `{ ratio: R }`. */
  readonly budget: Budget;
  /** A tokenizer or model name, or a Tokenizer object. Default o200k_base. */
  readonly tokenizer?: string | Tokenizer;
  /** Text that must survive: every match (strings literally) is kept whole. */
  readonly keep?: readonly (string | RegExp)[];
  /** `source` (default): the retriever's order; `relevance`: by each text's best kept unit score (ties keep the retriever's order). */
  readonly order?: 'source' | 'relevance';
  /** Joins the kept spans of one text. Default `"\n"`. */
  readonly separator?: string;
  /** Default false: a compression failure throws; true: it returns undefined (send the texts as they came). Bad options always throw. */
  readonly failOpen?: boolean;
}

export interface RetrievedText {
  /** Index of the text in the input. */
  readonly index: number;
  /** Kept spans of the text, `[start, end)` offsets, in order. */
  readonly spans: ReadonlyArray<{ readonly start: number; readonly end: number }>;
  /** The kept spans joined by `separator`. */
  readonly text: string;
  /** The best score of its kept units (only in relevance order). */
  readonly score?: number;
}

/**
 * Compresses `texts` jointly for `query`; returns the texts that kept something, in `order`, or undefined when
 * `failOpen` caught a compression failure. Empty texts take no budget and never come back.
 */
export async function compressRetrieved(texts: readonly string[], query: string | undefined, options: RetrievedOptions): Promise<RetrievedText[] | undefined> {
  const inputs: Array<{ id: string; text: string }> = [];
  texts.forEach((text, index) => {
    if (typeof text !== 'string') throw new CtxpressError('INVALID_INPUT', `texts[${index}] must be a string.`);
    if (text.length > 0) inputs.push({ id: String(index), text });
  });
  if (inputs.length === 0) return [];
  const { budget, tokenizer, keep, order = 'source', separator = '\n', failOpen = false } = options;
  let result: CompressionResult;
  try {
    result = await compressWithCache(inputs, {
      budget,
      explain: order === 'relevance',
      ...(tokenizer !== undefined ? { tokenizer } : {}),
      ...(keep !== undefined ? { keep } : {}),
      ...(query !== undefined && query.trim() !== '' ? { query } : {}),
    });
  } catch (error) {
    if (failOpen && isCtxpressError(error) && error.code !== 'INVALID_OPTION' && error.code !== 'INVALID_BUDGET') return undefined;
    throw error;
  }
  const spans = new Map<number, { start: number; end: number }[]>();
  for (const span of result.kept) {
    if (span.end <= span.start) continue;
    const index = Number(span.sourceId);
    let list = spans.get(index);
    if (list === undefined) spans.set(index, (list = []));
    list.push({ start: span.start, end: span.end });
  }
  const best = new Map<number, number>();
  for (const unit of result.units ?? []) {
    if (unit.decision === 'dropped') continue;
    const index = Number(unit.span.sourceId);
    const previous = best.get(index);
    if (previous === undefined || unit.score > previous) best.set(index, unit.score);
  }
  const kept = [...spans.keys()].sort((a, b) => a - b);
  if (order === 'relevance') kept.sort((a, b) => (best.get(b) ?? -Infinity) - (best.get(a) ?? -Infinity) || a - b);
  return kept.map((index) => {
    const list = spans.get(index)!;
    const text = list.map((s) => texts[index]!.slice(s.start, s.end)).join(separator);
    const score = best.get(index);
    return { index, spans: list, text, ...(order === 'relevance' && score !== undefined ? { score } : {}) };
  });
}
