import { Agent, run, tool, type Model } from '@openai/agents';
import { ctxpressInputFilter } from '@ctxpress/openai-agents';

// `model` is a model name such as 'gpt-4.1' (with OPENAI_API_KEY set) or any Agents SDK Model.
export async function answer(model: string | Model, documents: string, question: string) {
  const search = tool({
    name: 'search_documents',
    description: 'Search the document store; returns the matching documents.',
    parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'], additionalProperties: false },
    strict: true,
    execute: async () => documents, // a real search would return long results too
  });
  const agent = new Agent({ name: 'Researcher', instructions: 'Answer from the documents only.', model, tools: [search] });
  const result = await run(agent, question, {
    callModelInputFilter: ctxpressInputFilter({
      budget: { tokens: 2000 }, // counted in the model's tokenizer (gpt-4.1: o200k_base)
      whenOverTokens: 2000, // shorter inputs go to the model untouched
      // { mode, agent, tokenizer, originalTokens, compressedTokens, budget, ratio, ms }, once per model call
      onCompressed: (stats) => console.log('ctxpress', stats),
    }),
  });
  return result.finalOutput;
}
