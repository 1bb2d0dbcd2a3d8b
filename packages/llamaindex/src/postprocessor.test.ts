import { describe, expect, it } from 'vitest';
import { Document, ImageNode, IndexNode, MetadataMode, NodeRelationship, TextNode } from '@llamaindex/core/schema';
import type { BaseNode, Metadata, NodeWithScore } from '@llamaindex/core/schema';
import type { BaseNodePostprocessor } from '@llamaindex/core/postprocessor';
import type { MessageContent } from '@llamaindex/core/llms';
import { compress, getTokenizer, isCtxpressError } from '@ctxpress/node';
import { CtxpressNodePostprocessor } from './index.js';
import type { CtxpressNodeMetadata, CtxpressNodePostprocessorOptions } from './index.js';

const filler = (topic: string, n: number): string =>
  Array.from({ length: n }, (_, i) => `The ${topic} team reviewed item ${i + 1} of the quarterly plan and filed notes on scheduling, staffing and paperwork.`).join(' ');

const ANSWER = 'The rover battery life is limited by the cold: at minus forty degrees the lithium cells lose sixty percent of their capacity.';
const QUERY = 'What limits the battery life of the rover?';

function corpus(): NodeWithScore[] {
  const source = new Document<Metadata>({ id_: 'report', text: 'the whole report', metadata: { source: 'report.pdf' } });
  return [
    { node: new TextNode({ id_: 'node-a', text: filler('catering', 30), metadata: { source: 'catering.md', page: 1 } }), score: 0.81 },
    {
      node: new TextNode<Metadata>({
        id_: 'node-b',
        text: `${filler('hardware', 12)} ${ANSWER} ${filler('hardware', 12)}`,
        metadata: { source: 'rover.md', page: 7 },
        relationships: { [NodeRelationship.SOURCE]: source.asRelatedNodeInfo() },
        excludedLlmMetadataKeys: ['page'],
        embedding: [0.1, 0.2, 0.3],
        startCharIdx: 100,
        endCharIdx: 4000,
      }),
      score: 0.79,
    },
    { node: new TextNode({ id_: 'node-c', text: filler('marketing', 30), metadata: { source: 'marketing.md', page: 2 } }), score: 0.77 },
  ];
}

const textOf = (node: BaseNode): string => (node as TextNode).text;
const meta = (item: NodeWithScore): CtxpressNodeMetadata => item.node.metadata['ctxpress'] as CtxpressNodeMetadata;

async function tokensOf(texts: string[], name = 'o200k_base'): Promise<number> {
  const tokenizer = await getTokenizer(name);
  return texts.reduce((sum, t) => sum + tokenizer.count(t), 0);
}

const run = (options: CtxpressNodePostprocessorOptions, nodes: NodeWithScore[], query: MessageContent | undefined = QUERY): Promise<NodeWithScore[]> =>
  new CtxpressNodePostprocessor(options).postprocessNodes(nodes, query);

describe('CtxpressNodePostprocessor', () => {
  it('is a BaseNodePostprocessor', () => {
    const postprocessor: BaseNodePostprocessor = new CtxpressNodePostprocessor({ budget: { tokens: 100 } });
    expect(typeof postprocessor.postprocessNodes).toBe('function');
  });

  it('compresses jointly under the budget, keeps the answer-bearing passage, the node fields and the span offsets', async () => {
    const nodes = corpus();
    const original = await tokensOf(nodes.map((n) => textOf(n.node)));
    const budget = 120;
    expect(original).toBeGreaterThan(budget * 5);
    const out = await run({ budget: { tokens: budget } }, nodes);
    expect(out.some((n) => textOf(n.node).includes(ANSWER))).toBe(true);
    expect(await tokensOf(out.map((n) => textOf(n.node)))).toBeLessThanOrEqual(budget);
    // the budget went to the relevant node: the others lost all content and were dropped
    expect(out.length).toBeLessThan(nodes.length);
    for (const item of out) {
      const source = nodes.find((n) => n.node.id_ === item.node.id_)!;
      expect(source).toBeDefined();
      expect(item.node).not.toBe(source.node); // a new node …
      expect(item.node).toBeInstanceOf(TextNode); // … of the same class
      expect(item.score).toBe(source.score); // the retriever's score is kept
      const info = meta(item);
      expect(nodes[info.index]).toBe(source);
      expect(info.originalLength).toBe(textOf(source.node).length);
      expect(info.spans.length).toBeGreaterThan(0);
      // output is only spans of the input: the text is exactly the spans joined
      expect(textOf(item.node)).toBe(info.spans.map((s) => textOf(source.node).slice(s.start, s.end)).join('\n'));
      for (let i = 1; i < info.spans.length; i++) expect(info.spans[i]!.start).toBeGreaterThan(info.spans[i - 1]!.end);
      expect(item.node.metadata).toEqual({ ...source.node.metadata, ctxpress: info });
    }
    const b = out.find((n) => n.node.id_ === 'node-b')!.node as TextNode;
    const sourceB = nodes[1]!.node as TextNode;
    expect(b.relationships).toEqual(sourceB.relationships);
    expect(b.sourceNode?.nodeId).toBe('report');
    expect(b.embedding).toEqual([0.1, 0.2, 0.3]);
    expect([b.startCharIdx, b.endCharIdx]).toEqual([100, 4000]);
    expect(b.hash).not.toBe(sourceB.hash); // recomputed from the new text
    // the kept spans stay out of what the LLM and the embedder see; the node's own exclusions still apply
    expect(b.getContent(MetadataMode.LLM)).toBe(`source: rover.md\n\n${b.text}`);
    expect(b.getContent(MetadataMode.EMBED)).not.toContain('ctxpress');
    expect(b.getContent(MetadataMode.NONE)).toBe(b.text);
    // the input nodes are not modified
    expect(sourceB.metadata).toEqual({ source: 'rover.md', page: 7 });
    expect(sourceB.excludedLlmMetadataKeys).toEqual(['page']);
    expect(sourceB.text).toContain(filler('hardware', 12));
  });

  it('counts the budget in the named tokenizer', async () => {
    const nodes = corpus();
    const out = await run({ budget: { tokens: 100 }, tokenizer: 'cl100k_base' }, nodes);
    expect(out.some((n) => textOf(n.node).includes(ANSWER))).toBe(true);
    expect(await tokensOf(out.map((n) => textOf(n.node)), 'cl100k_base')).toBeLessThanOrEqual(100);
    const counting = { name: 'words', count: (text: string) => text.split(/\s+/).filter(Boolean).length }; // a Tokenizer of one's own: words
    const words = await run({ budget: { tokens: 60 }, tokenizer: counting }, nodes);
    expect(words.map((n) => counting.count(textOf(n.node))).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(60);
  });

  it('keeps the same spans as compress() on the same texts', async () => {
    const nodes = corpus();
    const out = await run({ budget: { tokens: 150 } }, nodes);
    const direct = await compress(
      nodes.map((n, i) => ({ id: String(i), text: textOf(n.node) })),
      { budget: { tokens: 150 }, query: QUERY },
    );
    const spans = out.flatMap((n) => meta(n).spans.map((s) => ({ sourceId: String(meta(n).index), ...s })));
    expect(spans).toEqual(direct.kept.map((s) => ({ sourceId: s.sourceId, start: s.start, end: s.end })));
  });

  it('takes the query as message content: its text parts', async () => {
    const nodes = corpus();
    const content: MessageContent = [
      { type: 'image_url', image_url: { url: 'https://example.com/rover.png' } },
      { type: 'text', text: QUERY },
    ];
    const fromContent = await run({ budget: { tokens: 120 } }, nodes, content);
    const fromString = await run({ budget: { tokens: 120 } }, nodes, QUERY);
    expect(fromContent.map((n) => meta(n))).toEqual(fromString.map((n) => meta(n)));
    // no query at all still compresses to the budget
    const none = await run({ budget: { tokens: 120 } }, nodes, undefined);
    expect(await tokensOf(none.map((n) => textOf(n.node)))).toBeLessThanOrEqual(120);
  });

  it('orders by relevance: the node with the best kept passage first, with its score in metadata', async () => {
    const base = corpus();
    const nodes = [base[0]!, base[2]!, base[1]!]; // answer last in retriever order
    const budget = { tokens: 1200 };
    const bySource = await run({ budget }, nodes);
    const byRelevance = await run({ budget, order: 'relevance' }, nodes);
    expect(bySource.map((n) => n.node.id_)).toEqual(nodes.map((n) => n.node.id_).filter((id) => bySource.some((n) => n.node.id_ === id)));
    expect(bySource[0]!.node.id_).not.toBe('node-b');
    expect(byRelevance.length).toBeGreaterThan(1);
    expect(byRelevance[0]!.node.id_).toBe('node-b');
    expect(byRelevance[0]!.score).toBe(0.79); // the retriever's score, not replaced
    const scores = byRelevance.map((n) => meta(n).score!);
    for (let i = 1; i < scores.length; i++) expect(scores[i - 1]!).toBeGreaterThanOrEqual(scores[i]!);
    expect(bySource.every((n) => meta(n).score === undefined)).toBe(true);
    expect(new Set(byRelevance.map((n) => textOf(n.node)))).toEqual(new Set(bySource.map((n) => textOf(n.node))));
  });

  it('returns everything (whole) when it fits, drops empty nodes, and takes { ratio }', async () => {
    const small: NodeWithScore[] = [{ node: new TextNode({ text: ANSWER, metadata: { a: 1 } }), score: 0.5 }, { node: new TextNode({ text: '', metadata: { b: 2 } }) }];
    const out = await run({ budget: { tokens: 1000 } }, small);
    expect(out).toHaveLength(1);
    expect(textOf(out[0]!.node)).toBe(ANSWER);
    expect(out[0]!.node.id_).toBe(small[0]!.node.id_);
    expect(out[0]!.node.metadata['a']).toBe(1);
    expect(meta(out[0]!).spans).toEqual([{ start: 0, end: ANSWER.length }]);
    expect(await run({ budget: { tokens: 10 } }, [])).toEqual([]);
    expect(await run({ budget: { tokens: 10 } }, [small[1]!])).toEqual([]);
    const nodes = corpus();
    const original = await tokensOf(nodes.map((n) => textOf(n.node)));
    const quartered = await run({ budget: { ratio: 4 } }, nodes);
    expect(await tokensOf(quartered.map((n) => textOf(n.node)))).toBeLessThanOrEqual(Math.floor(original / 4));
  });

  it('keeps the class of Document and IndexNode nodes, and passes image nodes through uncounted', async () => {
    const image = new ImageNode({ id_: 'figure', image: 'data:image/png;base64,AAAA', text: filler('caption', 20) });
    const nodes: NodeWithScore[] = [
      { node: image, score: 0.9 },
      { node: new Document({ id_: 'doc', text: `${filler('hardware', 10)} ${ANSWER}`, metadata: { kind: 'doc' } }), score: 0.8 },
      { node: new IndexNode({ id_: 'index', indexId: 'sub-index', text: `${ANSWER} ${filler('hardware', 10)}` }), score: 0.7 },
    ];
    for (const order of ['source', 'relevance'] as const) {
      const out = await run({ budget: { tokens: 80 }, order }, nodes);
      const image2 = out.find((n) => n.node.id_ === 'figure');
      expect(image2).toBe(nodes[0]); // unchanged, the same object
      expect(order === 'source' ? out[0] : out.at(-1)).toBe(nodes[0]);
      const compressed = out.filter((n) => n !== nodes[0]);
      expect(await tokensOf(compressed.map((n) => textOf(n.node)))).toBeLessThanOrEqual(80);
      const doc = compressed.find((n) => n.node.id_ === 'doc');
      if (doc !== undefined) expect(doc.node).toBeInstanceOf(Document);
      const index = compressed.find((n) => n.node.id_ === 'index');
      if (index !== undefined) {
        expect(index.node).toBeInstanceOf(IndexNode);
        expect((index.node as IndexNode).indexId).toBe('sub-index');
      }
      expect(doc ?? index).toBeDefined();
    }
  });

  it('keeps `keep` matches', async () => {
    const out = await run({ budget: { tokens: 120 }, keep: ['item 29 of the quarterly plan'] }, corpus());
    expect(out.some((n) => textOf(n.node).includes('item 29 of the quarterly plan'))).toBe(true);
  });

  it('BUDGET_UNSATISFIABLE throws, or with failOpen returns the nodes unchanged', async () => {
    const nodes = corpus();
    const keep = [/The \w+ team reviewed item \d+/];
    const error: unknown = await run({ budget: { tokens: 20 }, keep }, nodes).catch((e: unknown) => e);
    expect(isCtxpressError(error) && error.code).toBe('BUDGET_UNSATISFIABLE');
    expect(await run({ budget: { tokens: 20 }, keep, failOpen: true }, nodes)).toBe(nodes);
  });

  it('rejects bad options and bad input with a coded CtxpressError', async () => {
    const code = (make: () => unknown): string | undefined => {
      try {
        make();
      } catch (error) {
        return isCtxpressError(error) ? error.code : 'not a CtxpressError';
      }
      return undefined;
    };
    const make = (options: unknown) => () => new CtxpressNodePostprocessor(options as CtxpressNodePostprocessorOptions);
    expect(code(make(undefined))).toBe('INVALID_OPTION');
    expect(code(make([]))).toBe('INVALID_OPTION');
    expect(code(make({}))).toBe('INVALID_BUDGET');
    expect(code(make({ budget: { tokens: 0 } }))).toBe('INVALID_BUDGET');
    expect(code(make({ budget: { ratio: 0.5 } }))).toBe('INVALID_BUDGET');
    expect(code(make({ budget: { tokens: 10 }, tokenizer: 'nope' }))).toBe('UNKNOWN_TOKENIZER');
    expect(code(make({ budget: { tokens: 10 }, tokenizer: 42 }))).toBe('INVALID_OPTION');
    expect(code(make({ budget: { tokens: 10 }, order: 'random' }))).toBe('INVALID_OPTION');
    expect(code(make({ budget: { tokens: 10 }, keep: 'x' }))).toBe('INVALID_OPTION');
    expect(code(make({ budget: { tokens: 10 }, keep: [1] }))).toBe('INVALID_OPTION');
    expect(code(make({ budget: { tokens: 10 }, separator: 1 }))).toBe('INVALID_OPTION');
    expect(code(make({ budget: { tokens: 10 }, failOpen: 'yes' }))).toBe('INVALID_OPTION');
    expect(code(make({ budget: { tokens: 10 }, tokenizer: 'gpt-4o', order: 'relevance', keep: [/x/], failOpen: true }))).toBeUndefined();
    const postprocessor = new CtxpressNodePostprocessor({ budget: { tokens: 10 }, failOpen: true });
    for (const bad of [undefined, 'nodes', [{ node: null }], [{}]]) {
      const error: unknown = await postprocessor.postprocessNodes(bad as never, QUERY).catch((e: unknown) => e);
      expect(isCtxpressError(error) && error.code).toBe('INVALID_INPUT');
    }
  });
});
