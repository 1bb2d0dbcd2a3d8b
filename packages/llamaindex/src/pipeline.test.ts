/**
 * End to end in LlamaIndex.TS's own query path, offline: a retriever of our own, `RetrieverQueryEngine` with the
 * postprocessor, the `compact` response synthesizer and a recording `MockLLM` (`@llamaindex/core/llms/mock`).
 */
import { describe, expect, it } from 'vitest';
import { MetadataMode, TextNode } from '@llamaindex/core/schema';
import type { NodeWithScore } from '@llamaindex/core/schema';
import { BaseRetriever } from '@llamaindex/core/retriever';
import type { QueryBundle } from '@llamaindex/core/query-engine';
import { RetrieverQueryEngine } from '@llamaindex/core/query-engine';
import { getResponseSynthesizer } from '@llamaindex/core/response-synthesizers';
import { MockLLM } from '@llamaindex/core/llms/mock';
import type { LLMCompletionParamsNonStreaming, LLMCompletionParamsStreaming, MessageContent } from '@llamaindex/core/llms';
import { extractText } from '@llamaindex/core/utils';
import { getTokenizer } from '@ctxpress/node';
import { CtxpressNodePostprocessor } from './index.js';
import type { CtxpressNodeMetadata } from './index.js';

class FixedRetriever extends BaseRetriever {
  readonly queries: MessageContent[] = [];
  constructor(private readonly nodes: TextNode[]) {
    super();
  }
  override async _retrieve(params: QueryBundle): Promise<NodeWithScore[]> {
    this.queries.push(params.query);
    return this.nodes.map((node, i) => ({ node, score: 1 - i / 10 }));
  }
}

/** MockLLM that records the prompts it receives. */
class RecordingLLM extends MockLLM {
  readonly prompts: string[] = [];
  override complete(params: LLMCompletionParamsStreaming): Promise<AsyncIterable<{ text: string; raw: object | null }>>;
  override complete(params: LLMCompletionParamsNonStreaming): Promise<{ text: string; raw: object | null }>;
  override complete(params: LLMCompletionParamsStreaming | LLMCompletionParamsNonStreaming): Promise<unknown> {
    this.prompts.push(extractText(params.prompt));
    return super.complete(params as LLMCompletionParamsNonStreaming);
  }
}

const filler = (topic: string, n: number): string =>
  Array.from({ length: n }, (_, i) => `The ${topic} crew logged routine check ${i + 1}: paperwork filed, shifts rotated, nothing unusual.`).join(' ');
const ANSWER = 'Landing was delayed by eleven days because a dust storm covered the solar arrays on the descent stage.';

function nodes(): TextNode[] {
  return [
    new TextNode({ id_: 'n1', text: filler('kitchen', 25), metadata: { file: 'kitchen.md' } }),
    new TextNode({ id_: 'n2', text: filler('garage', 25), metadata: { file: 'garage.md' } }),
    new TextNode({ id_: 'n3', text: `${filler('flight', 10)} ${ANSWER} ${filler('flight', 10)}`, metadata: { file: 'flight.md' } }),
    new TextNode({ id_: 'n4', text: filler('library', 25), metadata: { file: 'library.md' } }),
  ];
}

describe('CtxpressNodePostprocessor in a RetrieverQueryEngine', () => {
  it('the LLM receives only the kept spans, under the budget, with the answer; sourceNodes carry the spans', async () => {
    const tokenizer = await getTokenizer('o200k_base');
    const llm = new RecordingLLM({ responseMessage: 'eleven days', timeBetweenToken: 0 });
    const retriever = new FixedRetriever(nodes());
    const engine = new RetrieverQueryEngine(retriever, getResponseSynthesizer('compact', { llm }), [
      new CtxpressNodePostprocessor({ budget: { tokens: 100 }, order: 'relevance' }),
    ]);
    const response = await engine.query({ query: 'Why was the landing delayed?' });
    expect(response.toString()).toBe('eleven days');
    expect(retriever.queries).toEqual(['Why was the landing delayed?']);
    const sources = response.sourceNodes ?? [];
    expect(sources[0]!.node.id_).toBe('n3');
    expect(sources[0]!.score).toBe(0.8);
    const texts = sources.map((s) => (s.node as TextNode).text);
    expect(texts.reduce((sum, t) => sum + tokenizer.count(t), 0)).toBeLessThanOrEqual(100);
    expect(texts[0]).toContain(ANSWER);
    expect((sources[0]!.node.metadata['ctxpress'] as CtxpressNodeMetadata).index).toBe(2);
    // what the LLM saw: every node's LLM content (metadata header, kept text), no ctxpress metadata
    expect(llm.prompts).toHaveLength(1);
    const prompt = llm.prompts[0]!;
    expect(prompt).toContain(ANSWER);
    expect(prompt).toContain('file: flight.md');
    expect(prompt).not.toContain('ctxpress');
    for (const s of sources) expect(prompt).toContain(s.node.getContent(MetadataMode.LLM));
    const full = nodes().reduce((sum, n) => sum + tokenizer.count(n.text), 0);
    expect(tokenizer.count(prompt)).toBeLessThan(full / 3);
  });

  it('engine.retrieve() with a multimodal query bundle compresses by its text', async () => {
    const engine = new RetrieverQueryEngine(new FixedRetriever(nodes()), getResponseSynthesizer('compact', { llm: new MockLLM() }), [
      new CtxpressNodePostprocessor({ budget: { tokens: 60 } }),
    ]);
    const out = await engine.retrieve({
      query: [
        { type: 'text', text: 'Why was the landing delayed?' },
        { type: 'image_url', image_url: { url: 'https://example.com/x.png' } },
      ],
    });
    expect(out.map((n) => n.node.id_)).toContain('n3');
    expect(out.some((n) => (n.node as TextNode).text.includes(ANSWER))).toBe(true);
  });
});
