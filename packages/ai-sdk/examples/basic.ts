import { generateText, wrapLanguageModel } from 'ai';
import { ctxpressMiddleware, type LanguageModelV3 } from '@ctxpress/ai-sdk';

// `model` is any AI SDK 6 model, e.g. openai('gpt-4o') from @ai-sdk/openai.
export async function answer(model: LanguageModelV3, documents: string, question: string) {
  const compressed = wrapLanguageModel({
    model,
    middleware: ctxpressMiddleware({
      budget: { tokens: 2000 }, // counted in the model's tokenizer (gpt-4o: o200k_base)
      whenOverTokens: 2000, // shorter prompts go to the model untouched
    }),
  });
  const { text, providerMetadata } = await generateText({
    model: compressed,
    system: 'Answer from the documents only.',
    prompt: `${documents}\n\nQuestion: ${question}`,
  });
  // { mode, tokenizer, originalTokens, compressedTokens, budget, ratio, ms }
  console.log('ctxpress', providerMetadata?.['ctxpress']);
  return text;
}
