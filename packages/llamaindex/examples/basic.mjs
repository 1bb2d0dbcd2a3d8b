import { stdout } from 'node:process';
import { TextNode } from '@llamaindex/core/schema';
import { BaseRetriever } from '@llamaindex/core/retriever';
import { RetrieverQueryEngine } from '@llamaindex/core/query-engine';
import { getResponseSynthesizer } from '@llamaindex/core/response-synthesizers';
import { MockLLM } from '@llamaindex/core/llms/mock';
import { CtxpressNodePostprocessor } from '@ctxpress/llamaindex';

// Any retriever works (e.g. index.asRetriever({ similarityTopK: 20 })); this one returns fixed nodes.
class FixedRetriever extends BaseRetriever {
  constructor(nodes) {
    super();
    this.nodes = nodes;
  }
  async _retrieve() {
    return this.nodes.map((node, i) => ({ node, score: 0.9 - i / 10 }));
  }
}

const nodes = [
  new TextNode({
    id_: 'ops-1',
    metadata: { source: 'operations.md' },
    text:
      'The operations team meets every Monday to review the schedule. Staffing for the winter campaign was approved. ' +
      'Travel requests must be filed two weeks in advance. The cafeteria menu changes every season.',
  }),
  new TextNode({
    id_: 'rover-7',
    metadata: { source: 'rover-report.md' },
    text:
      'The rover drove 4.2 km during the test week. Its cameras were recalibrated on day three. ' +
      'Battery life is limited by the cold: at -40 °C the lithium cells lose about 60% of their capacity. ' +
      'The wheels showed no wear after the gravel tests.',
  }),
  new TextNode({
    id_: 'pr-2',
    metadata: { source: 'press.md' },
    text:
      'The press office published two articles about the field campaign. Photos of the team were shared online. ' +
      'A documentary crew asked to visit the test site next spring.',
  }),
];

const engine = new RetrieverQueryEngine(
  new FixedRetriever(nodes),
  getResponseSynthesizer('compact', { llm: new MockLLM({ responseMessage: 'Mock answer.', timeBetweenToken: 0 }) }), // your LLM here
  [new CtxpressNodePostprocessor({ budget: { tokens: 40 }, order: 'relevance' })],
);

const response = await engine.query({ query: 'What limits the battery life of the rover?' });
for (const { node, score } of response.sourceNodes ?? []) {
  stdout.write(`[${node.metadata.source}] (score ${score}) ${node.text}\n`);
  stdout.write(`  kept spans: ${JSON.stringify(node.metadata.ctxpress.spans)}\n`);
}
