/**
 * `CtxpressDocumentCompressor`: a LangChain `BaseDocumentCompressor` that compresses retrieved documents jointly to one
 * token budget with `@ctxpress/node`'s `compress` (query-aware, extractive: every returned `pageContent` is made of
 * spans of the document's own text).
 * @module
 */
import { BaseDocumentCompressor } from '@langchain/core/retrievers/document_compressors';
import { Document } from '@langchain/core/documents';
import type { DocumentInterface } from '@langchain/core/documents';
import type { Callbacks } from '@langchain/core/callbacks/manager';
import { CtxpressError } from '@ctxpress/core';
import type { Budget } from '@ctxpress/core';
import { compressRetrieved } from '@ctxpress/node';
import { checkBoolean, checkBudget, checkKeep, checkObject, checkString, checkTokenizer } from './options.js';
import type { KeepOption, TokenizerOption } from './options.js';

/** `source`: the retriever's order. `relevance`: by each document's best kept unit score (ties: the retriever's order). */
export type DocumentOrder = 'source' | 'relevance';

export interface CtxpressDocumentCompressorOptions {
  /** For all documents together: `{ tokens: N }`, or `{ ratio: R }` of their total tokens. */
  readonly budget: Budget;
  /** The target model's tokenizer: a name (default `o200k_base`) or a `Tokenizer`. */
  readonly tokenizer?: TokenizerOption;
  /** Text that must survive: every match (strings literally) is kept whole. */
  readonly keep?: KeepOption;
  /** Order of the returned documents. Default `source`. */
  readonly order?: DocumentOrder;
  /** Placed between two kept spans of one document that are not adjacent. Default `"\n"`. */
  readonly separator?: string;
  /**
   * When compression fails with a `CtxpressError` (BUDGET_UNSATISFIABLE: the `keep` matches alone exceed the budget;
   * TIME_LIMIT), `true` returns the documents unchanged instead of throwing. Default `false`.
   */
  readonly failOpen?: boolean;
}

/** What each returned document carries under `metadata.ctxpress`. */
export interface CtxpressDocumentMetadata {
  /** Position of the document in the list given to `compressDocuments`. */
  readonly index: number;
  /** Kept `[start, end)` ranges of the original `pageContent` (UTF-16 offsets), in order; `pageContent` is these joined. */
  readonly spans: readonly { readonly start: number; readonly end: number }[];
  /** Length of the original `pageContent`. */
  readonly originalLength: number;
  /** The document's best kept unit score (`order: 'relevance'` only). */
  readonly score?: number;
}

const ORDERS: readonly string[] = ['source', 'relevance'];

/**
 * Compresses the documents a retriever returned, jointly, to a token budget: the budget goes to the passages most
 * relevant to the query wherever they are, documents that lose all their content are dropped, and each returned
 * `Document` keeps its `id` and `metadata`, plus the kept-span offsets under `metadata.ctxpress`.
 *
 * @example
 * const retriever = new ContextualCompressionRetriever({
 *   baseCompressor: new CtxpressDocumentCompressor({ budget: { tokens: 500 }, order: 'relevance' }),
 *   baseRetriever: vectorStore.asRetriever(20),
 * });
 */
export class CtxpressDocumentCompressor extends BaseDocumentCompressor {
  readonly options: CtxpressDocumentCompressorOptions;

  constructor(options: CtxpressDocumentCompressorOptions) {
    super();
    checkObject(options, 'CtxpressDocumentCompressor');
    checkBudget(options.budget);
    checkTokenizer(options.tokenizer);
    checkKeep(options.keep);
    checkString(options.separator, 'separator');
    checkBoolean(options.failOpen, 'failOpen');
    if (options.order !== undefined && !ORDERS.includes(options.order)) {
      throw new CtxpressError('INVALID_OPTION', `options.order must be "source" or "relevance", got ${JSON.stringify(options.order)}.`);
    }
    this.options = { ...options };
  }

  override async compressDocuments(documents: DocumentInterface[], query: string, _callbacks?: Callbacks): Promise<DocumentInterface[]> {
    if (!Array.isArray(documents)) throw new CtxpressError('INVALID_INPUT', 'documents must be an array of Documents.');
    const texts = documents.map((doc, index) => {
      const text: unknown = doc?.pageContent;
      if (typeof text !== 'string') throw new CtxpressError('INVALID_INPUT', `documents[${index}].pageContent must be a string.`);
      return text;
    });
    const { order = 'source' } = this.options;
    const kept = await compressRetrieved(texts, query, this.options);
    if (kept === undefined) return documents; // failOpen
    return kept.map(({ index, spans, text, score }) => {
      const doc = documents[index]!;
      const ctxpress: CtxpressDocumentMetadata = {
        index,
        spans: [...spans],
        originalLength: doc.pageContent.length,
        ...(order === 'relevance' && score !== undefined ? { score } : {}),
      };
      return new Document({
        pageContent: text,
        metadata: { ...doc.metadata, ctxpress },
        ...(doc.id !== undefined ? { id: doc.id } : {}),
      });
    });
  }
}
