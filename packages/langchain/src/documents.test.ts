import { describe, expect, it } from 'vitest';
import { Document } from '@langchain/core/documents';
import type { DocumentInterface } from '@langchain/core/documents';
import { BaseRetriever } from '@langchain/core/retrievers';
import { BaseDocumentCompressor } from '@langchain/core/retrievers/document_compressors';
import { ContextualCompressionRetriever } from '@langchain/classic/retrievers/contextual_compression';
import { compress, getTokenizer, isCtxpressError } from '@ctxpress/node';
import { CtxpressDocumentCompressor } from './index.js';
import type { CtxpressDocumentMetadata } from './index.js';

/** A retriever of our own: returns fixed documents, whatever the query. */
class FixedRetriever extends BaseRetriever {
  override lc_namespace = ['ctxpress', 'test'];
  queries: string[] = [];
  constructor(private readonly docs: DocumentInterface[]) {
    super();
  }
  override async _getRelevantDocuments(query: string): Promise<DocumentInterface[]> {
    this.queries.push(query);
    return this.docs;
  }
}

const filler = (topic: string, n: number): string =>
  Array.from({ length: n }, (_, i) => `The ${topic} team reviewed item ${i + 1} of the quarterly plan and filed notes on scheduling, staffing and paperwork.`).join(' ');

const ANSWER = 'The rover battery life is limited by the cold: at minus forty degrees the lithium cells lose sixty percent of their capacity.';
const QUERY = 'What limits the battery life of the rover?';

function corpus(): Document[] {
  return [
    new Document({ pageContent: filler('catering', 30), metadata: { source: 'catering.md', page: 1 }, id: 'doc-a' }),
    new Document({
      pageContent: `${filler('hardware', 12)} ${ANSWER} ${filler('hardware', 12)}`,
      metadata: { source: 'rover.md', page: 7 },
      id: 'doc-b',
    }),
    new Document({ pageContent: filler('marketing', 30), metadata: { source: 'marketing.md', page: 2 }, id: 'doc-c' }),
  ];
}

async function tokensOf(texts: string[]): Promise<number> {
  const tokenizer = await getTokenizer('o200k_base');
  return texts.reduce((sum, t) => sum + tokenizer.count(t), 0);
}

describe('CtxpressDocumentCompressor', () => {
  it('is a BaseDocumentCompressor', () => {
    const compressor = new CtxpressDocumentCompressor({ budget: { tokens: 100 } });
    expect(compressor).toBeInstanceOf(BaseDocumentCompressor);
    expect(BaseDocumentCompressor.isBaseDocumentCompressor(compressor)).toBe(true);
  });

  it('compresses jointly under the budget, keeps the answer-bearing passage, metadata, ids and span offsets', async () => {
    const docs = corpus();
    const original = await tokensOf(docs.map((d) => d.pageContent));
    const budget = 120;
    expect(original).toBeGreaterThan(budget * 5);
    const out = await new CtxpressDocumentCompressor({ budget: { tokens: budget } }).compressDocuments(docs, QUERY);
    expect(out.some((d) => d.pageContent.includes(ANSWER))).toBe(true);
    expect(await tokensOf(out.map((d) => d.pageContent))).toBeLessThanOrEqual(budget);
    // the budget went to the relevant document: some documents lost all content and were dropped
    expect(out.length).toBeLessThan(docs.length);
    for (const doc of out) {
      const source = docs.find((d) => d.id === doc.id)!;
      expect(source).toBeDefined();
      const meta = doc.metadata['ctxpress'] as CtxpressDocumentMetadata;
      expect(doc.metadata['source']).toBe(source.metadata['source']);
      expect(doc.metadata['page']).toBe(source.metadata['page']);
      expect(docs[meta.index]).toBe(source);
      expect(meta.originalLength).toBe(source.pageContent.length);
      expect(meta.spans.length).toBeGreaterThan(0);
      // output is only spans of the input: pageContent is exactly the spans joined
      expect(doc.pageContent).toBe(meta.spans.map((s) => source.pageContent.slice(s.start, s.end)).join('\n'));
      for (let i = 1; i < meta.spans.length; i++) expect(meta.spans[i]!.start).toBeGreaterThan(meta.spans[i - 1]!.end);
    }
    // the input documents are not modified
    expect(docs[1]!.metadata).toEqual({ source: 'rover.md', page: 7 });
  });

  it('keeps the same spans as compress() on the same documents', async () => {
    const docs = corpus();
    const out = await new CtxpressDocumentCompressor({ budget: { tokens: 150 } }).compressDocuments(docs, QUERY);
    const direct = await compress(
      docs.map((d, i) => ({ id: String(i), text: d.pageContent })),
      { budget: { tokens: 150 }, query: QUERY },
    );
    const spans = out.flatMap((d) => (d.metadata['ctxpress'] as CtxpressDocumentMetadata).spans.map((s) => ({ sourceId: String((d.metadata['ctxpress'] as CtxpressDocumentMetadata).index), ...s })));
    expect(spans).toEqual(direct.kept.map((s) => ({ sourceId: s.sourceId, start: s.start, end: s.end })));
  });

  it('orders by relevance: the document with the best kept unit first, with its score', async () => {
    const docs = [corpus()[0]!, corpus()[2]!, corpus()[1]!]; // answer last in retriever order
    const budget = { tokens: 1200 };
    const bySource = await new CtxpressDocumentCompressor({ budget }).compressDocuments(docs, QUERY);
    const byRelevance = await new CtxpressDocumentCompressor({ budget, order: 'relevance' }).compressDocuments(docs, QUERY);
    expect(bySource.map((d) => d.id)).toEqual(docs.map((d) => d.id).filter((id) => bySource.some((d) => d.id === id)));
    expect(bySource[0]!.id).not.toBe('doc-b');
    expect(byRelevance.length).toBeGreaterThan(1);
    expect(byRelevance[0]!.id).toBe('doc-b');
    const scores = byRelevance.map((d) => (d.metadata['ctxpress'] as CtxpressDocumentMetadata).score!);
    for (let i = 1; i < scores.length; i++) expect(scores[i - 1]!).toBeGreaterThanOrEqual(scores[i]!);
    expect(new Set(byRelevance.map((d) => d.pageContent))).toEqual(new Set(bySource.map((d) => d.pageContent)));
  });

  it('returns everything (whole) when it fits, drops empty documents, and takes { ratio }', async () => {
    const small = [new Document({ pageContent: ANSWER, metadata: { a: 1 } }), new Document({ pageContent: '', metadata: { b: 2 } })];
    const out = await new CtxpressDocumentCompressor({ budget: { tokens: 1000 } }).compressDocuments(small, QUERY);
    expect(out).toHaveLength(1);
    expect(out[0]!.pageContent).toBe(ANSWER);
    expect(out[0]!.metadata['a']).toBe(1);
    expect(out[0]!.id).toBeUndefined();
    expect(await new CtxpressDocumentCompressor({ budget: { tokens: 10 } }).compressDocuments([], QUERY)).toEqual([]);
    const docs = corpus();
    const original = await tokensOf(docs.map((d) => d.pageContent));
    const halved = await new CtxpressDocumentCompressor({ budget: { ratio: 4 } }).compressDocuments(docs, QUERY);
    expect(await tokensOf(halved.map((d) => d.pageContent))).toBeLessThanOrEqual(Math.floor(original / 4));
  });

  it('keeps `keep` matches', async () => {
    const docs = corpus();
    const out = await new CtxpressDocumentCompressor({ budget: { tokens: 120 }, keep: ['item 29 of the quarterly plan'] }).compressDocuments(docs, QUERY);
    expect(out.some((d) => d.pageContent.includes('item 29 of the quarterly plan'))).toBe(true);
  });

  it('BUDGET_UNSATISFIABLE throws, or with failOpen returns the documents unchanged', async () => {
    const docs = corpus();
    const keep = [/The \w+ team reviewed item \d+/];
    const strict = new CtxpressDocumentCompressor({ budget: { tokens: 20 }, keep });
    const error: unknown = await strict.compressDocuments(docs, QUERY).catch((e: unknown) => e);
    expect(isCtxpressError(error) && error.code).toBe('BUDGET_UNSATISFIABLE');
    const open = new CtxpressDocumentCompressor({ budget: { tokens: 20 }, keep, failOpen: true });
    expect(await open.compressDocuments(docs, QUERY)).toBe(docs);
  });

  it('rejects bad options with a coded CtxpressError', () => {
    const code = (make: () => unknown): string | undefined => {
      try {
        make();
      } catch (error) {
        return isCtxpressError(error) ? error.code : 'not a CtxpressError';
      }
      return undefined;
    };
    expect(code(() => new CtxpressDocumentCompressor(undefined as never))).toBe('INVALID_OPTION');
    expect(code(() => new CtxpressDocumentCompressor({} as never))).toBe('INVALID_BUDGET');
    expect(code(() => new CtxpressDocumentCompressor({ budget: { tokens: 0 } }))).toBe('INVALID_BUDGET');
    expect(code(() => new CtxpressDocumentCompressor({ budget: { ratio: 0.5 } }))).toBe('INVALID_BUDGET');
    expect(code(() => new CtxpressDocumentCompressor({ budget: { tokens: 10 }, tokenizer: 'nope' }))).toBe('UNKNOWN_TOKENIZER');
    expect(code(() => new CtxpressDocumentCompressor({ budget: { tokens: 10 }, order: 'random' as never }))).toBe('INVALID_OPTION');
    expect(code(() => new CtxpressDocumentCompressor({ budget: { tokens: 10 }, keep: 'x' as never }))).toBe('INVALID_OPTION');
    expect(code(() => new CtxpressDocumentCompressor({ budget: { tokens: 10 }, tokenizer: 'gpt-4o', order: 'relevance' }))).toBeUndefined();
  });
});

describe('ContextualCompressionRetriever end to end', () => {
  it('retrieves, compresses under the budget and keeps the answer', async () => {
    const base = new FixedRetriever(corpus());
    const retriever = new ContextualCompressionRetriever({
      baseCompressor: new CtxpressDocumentCompressor({ budget: { tokens: 100 }, order: 'relevance' }),
      baseRetriever: base,
    });
    const docs = await retriever.invoke(QUERY);
    expect(base.queries).toEqual([QUERY]);
    expect(docs.length).toBeGreaterThan(0);
    expect(docs[0]!.metadata['source']).toBe('rover.md');
    expect(docs[0]!.pageContent).toContain(ANSWER);
    expect(await tokensOf(docs.map((d) => d.pageContent))).toBeLessThanOrEqual(100);
  });
});
