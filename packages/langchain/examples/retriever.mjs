import { stdout } from 'node:process';
import { Document } from '@langchain/core/documents';
import { BaseRetriever } from '@langchain/core/retrievers';
import { ContextualCompressionRetriever } from '@langchain/classic/retrievers/contextual_compression';
import { CtxpressDocumentCompressor } from '@ctxpress/langchain';

// Any retriever works (e.g. vectorStore.asRetriever(20)); this one returns fixed documents.
class FixedRetriever extends BaseRetriever {
  lc_namespace = ['example'];
  constructor(docs) {
    super();
    this.docs = docs;
  }
  async _getRelevantDocuments() {
    return this.docs;
  }
}

const docs = [
  new Document({
    id: 'ops-1',
    metadata: { source: 'operations.md' },
    pageContent:
      'The operations team meets every Monday to review the schedule. Staffing for the winter campaign was approved. ' +
      'Travel requests must be filed two weeks in advance. The cafeteria menu changes every season.',
  }),
  new Document({
    id: 'rover-7',
    metadata: { source: 'rover-report.md' },
    pageContent:
      'The rover drove 4.2 km during the test week. Its cameras were recalibrated on day three. ' +
      'Battery life is limited by the cold: at -40 °C the lithium cells lose about 60% of their capacity. ' +
      'The wheels showed no wear after the gravel tests.',
  }),
  new Document({
    id: 'pr-2',
    metadata: { source: 'press.md' },
    pageContent:
      'The press office published two articles about the field campaign. Photos of the team were shared online. ' +
      'A documentary crew asked to visit the test site next spring.',
  }),
];

const retriever = new ContextualCompressionRetriever({
  baseCompressor: new CtxpressDocumentCompressor({ budget: { tokens: 40 }, order: 'relevance' }),
  baseRetriever: new FixedRetriever(docs),
});

const results = await retriever.invoke('What limits the battery life of the rover?');
for (const doc of results) {
  stdout.write(`[${doc.metadata.source}] ${doc.pageContent}\n`);
  stdout.write(`  kept spans: ${JSON.stringify(doc.metadata.ctxpress.spans)}\n`);
}
