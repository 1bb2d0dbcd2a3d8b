import { generateText, jsonSchema, modelMessageSchema, stepCountIs, streamText, tool, wrapLanguageModel } from 'ai';
import { MockLanguageModelV3, simulateReadableStream } from 'ai/test';
import { countChatTokens, getTokenizer } from '@ctxpress/node';
import { describe, expect, it } from 'vitest';
import { ANSWER, documents, pairingProblems, promptText, QUESTION, textResult, toolCallResult, toolOutput, usage } from '../test/fixtures.js';
import { compressPrompt, ctxpressMiddleware, isCtxpressError } from './index.js';
import type { CallOptions, CtxpressMiddlewareOptions, CtxpressStats } from './index.js';

type Prompt = CallOptions['prompt'];

const SYSTEM = 'You are a careful assistant. Answer only from the material in the conversation and cite the document.';

async function tokens(prompt: Prompt, tokenizer = 'o200k_base', mediaTokens = 1000): Promise<number> {
  return countChatTokens(prompt, { tokenizer: await getTokenizer(tokenizer), format: 'ai-sdk', mediaTokens });
}

/** A mock model that answers `text` and remembers every prompt it received. */
function mock(modelId = 'mock-model-id'): MockLanguageModelV3 {
  return new MockLanguageModelV3({ modelId, doGenerate: textResult('The survival heater.') });
}

function wrap(base: MockLanguageModelV3, options: CtxpressMiddlewareOptions) {
  return wrapLanguageModel({ model: base, middleware: ctxpressMiddleware(options) });
}

/** The prompt a plain (unwrapped) call sends, for comparison. */
async function unwrappedPrompt(call: (model: MockLanguageModelV3) => Promise<unknown>): Promise<Prompt> {
  const base = mock();
  await call(base);
  return base.doGenerateCalls[0]!.prompt;
}

const ragCall = (model: Parameters<typeof generateText>[0]['model']) =>
  generateText({ model, system: SYSTEM, prompt: `${documents()}\n\n${QUESTION}` });

describe('ctxpressMiddleware options', () => {
  const code = (options: unknown): string | undefined => {
    try {
      ctxpressMiddleware(options as CtxpressMiddlewareOptions);
      return undefined;
    } catch (error) {
      return isCtxpressError(error) ? error.code : 'not a CtxpressError';
    }
  };
  it('rejects bad options at construction, with a code', () => {
    expect(code(undefined)).toBe('INVALID_OPTION');
    expect(code({})).toBe('INVALID_BUDGET');
    expect(code({ budget: { tokens: 0 } })).toBe('INVALID_BUDGET');
    expect(code({ budget: { ratio: 0.5 } })).toBe('INVALID_BUDGET');
    expect(code({ budget: { tokens: 100, ratio: 2 } })).toBe('INVALID_BUDGET');
    expect(code({ budget: { tokens: 100 }, tokenizer: 'gpt-2-nonsense' })).toBe('UNKNOWN_TOKENIZER');
    expect(code({ budget: { tokens: 100 }, tokenizer: 42 })).toBe('INVALID_OPTION');
    expect(code({ budget: { tokens: 100 }, whenOverTokens: -1 })).toBe('INVALID_OPTION');
    expect(code({ budget: { tokens: 100 }, whenOverTokens: 1.5 })).toBe('INVALID_OPTION');
    expect(code({ budget: { tokens: 100 }, keep: 'secret' })).toBe('INVALID_OPTION');
    expect(code({ budget: { tokens: 100 }, query: 7 })).toBe('INVALID_OPTION');
    expect(code({ budget: { tokens: 100 }, onCompressed: 'log' })).toBe('INVALID_OPTION');
    expect(code({ budget: { tokens: 100 }, failOpen: 'yes' })).toBe('INVALID_OPTION');
    expect(code({ budget: { tokens: 100 }, keepLastTurns: -2 })).toBe('INVALID_OPTION');
    expect(code({ budget: { tokens: 100 }, mediaTokens: -2 })).toBe('INVALID_OPTION');
    // the good ones
    expect(code({ budget: { tokens: 100 }, tokenizer: 'gpt-4o', keep: ['x', /y/], whenOverTokens: 0 })).toBeUndefined();
    expect(ctxpressMiddleware({ budget: { ratio: 2 } }).specificationVersion).toBe('v3');
  });
});

describe('generateText through the middleware', () => {
  it('sends the compressed prompt: under the budget, system prompt and question verbatim, stats in providerMetadata', async () => {
    const base = mock();
    const seen: CtxpressStats[] = [];
    const model = wrap(base, { budget: { tokens: 300 }, onCompressed: (s) => seen.push(s) });
    const result = await ragCall(model);

    expect(base.doGenerateCalls).toHaveLength(1);
    const sent = base.doGenerateCalls[0]!.prompt;
    const original = await unwrappedPrompt(ragCall);
    expect(await tokens(original)).toBeGreaterThan(600);
    expect(await tokens(sent)).toBeLessThanOrEqual(300);
    expect(sent[0]).toEqual(original[0]); // the system message, as it was
    expect(sent[0]).toEqual({ role: 'system', content: SYSTEM });
    expect(promptText(sent)).toContain(QUESTION);
    expect(result.text).toBe('The survival heater.');

    expect(seen).toHaveLength(1);
    const stats = seen[0]!;
    expect(stats).toMatchObject({ mode: 'relevance', tokenizer: 'o200k_base', originalTokens: await tokens(original), compressedTokens: await tokens(sent), budget: 300 });
    expect(stats.ratio).toBeCloseTo(stats.originalTokens! / stats.compressedTokens!, 6);
    expect(stats.ms).toBeGreaterThanOrEqual(0);
    expect(result.providerMetadata?.['ctxpress']).toEqual(stats);
  });

  it('keeps the answer-bearing passage of a RAG prompt (documents pasted before the question)', async () => {
    const base = mock();
    await ragCall(wrap(base, { budget: { tokens: 250 } }));
    const text = promptText(base.doGenerateCalls[0]!.prompt);
    expect(text).toContain(ANSWER);
    expect(text).toContain(QUESTION);
    // most of the unrelated passages are gone
    const distractors = ['sourdough starter', 'Sicilian Defence', 'estimated tax payments', 'Moth orchids', 'B-tree index'];
    expect(distractors.filter((d) => text.includes(d)).length).toBeLessThanOrEqual(2);
  });

  it('derives the tokenizer from the model id (gpt-4 → cl100k_base), else o200k_base; the option wins', async () => {
    const gpt4 = mock('gpt-4');
    const stats: CtxpressStats[] = [];
    await ragCall(wrap(gpt4, { budget: { tokens: 300 }, onCompressed: (s) => stats.push(s) }));
    expect(stats[0]!.tokenizer).toBe('cl100k_base');
    const sent = gpt4.doGenerateCalls[0]!.prompt;
    expect(await tokens(sent, 'cl100k_base')).toBe(stats[0]!.compressedTokens);
    expect(stats[0]!.compressedTokens).toBeLessThanOrEqual(300);

    await ragCall(wrap(mock('claude-sonnet-4'), { budget: { tokens: 300 }, onCompressed: (s) => stats.push(s) }));
    expect(stats[1]!.tokenizer).toBe('o200k_base');
    await ragCall(wrap(mock('gpt-4'), { budget: { tokens: 300 }, tokenizer: 'gpt-4o', onCompressed: (s) => stats.push(s) }));
    expect(stats[2]!.tokenizer).toBe('o200k_base');
  });

  it('passes a prompt at or under whenOverTokens through untouched (the same object); one token over is compressed', async () => {
    const original = await unwrappedPrompt(ragCall);
    const size = await tokens(original);
    const params = { prompt: original } as CallOptions;
    const model = mock();
    const at = ctxpressMiddleware({ budget: { ratio: 4 }, whenOverTokens: size });
    const out = await at.transformParams!({ params, type: 'generate', model });
    expect(out).toBe(params);
    expect(out.prompt).toBe(original);

    // through generateText: the model gets what it gets without the middleware, byte for byte
    const base = mock();
    const seen: CtxpressStats[] = [];
    const result = await ragCall(wrap(base, { budget: { ratio: 4 }, whenOverTokens: size, onCompressed: (s) => seen.push(s) }));
    expect(JSON.stringify(base.doGenerateCalls[0]!.prompt)).toBe(JSON.stringify(original));
    expect(seen[0]).toMatchObject({ mode: 'skipped', originalTokens: size, compressedTokens: size, ratio: 1 });
    expect(result.providerMetadata?.['ctxpress']).toMatchObject({ mode: 'skipped' });

    const over = ctxpressMiddleware({ budget: { ratio: 4 }, whenOverTokens: size - 1 });
    const compressed = await over.transformParams!({ params, type: 'generate', model });
    expect(compressed).not.toBe(params);
    expect(await tokens(compressed.prompt)).toBeLessThanOrEqual(Math.floor(size / 4));
  });

  it('fails open: a budget the system prompt and question alone exceed sends the original prompt and reports the code', async () => {
    const base = mock();
    const seen: CtxpressStats[] = [];
    const result = await ragCall(wrap(base, { budget: { tokens: 10 }, onCompressed: (s) => seen.push(s) }));
    const original = await unwrappedPrompt(ragCall);
    expect(base.doGenerateCalls[0]!.prompt).toEqual(original);
    expect(seen[0]).toMatchObject({ mode: 'fail-open', originalTokens: await tokens(original), compressedTokens: await tokens(original), ratio: 1 });
    expect(seen[0]!.error?.code).toBe('BUDGET_UNSATISFIABLE');
    expect(result.providerMetadata?.['ctxpress']).toMatchObject({ mode: 'fail-open', error: { code: 'BUDGET_UNSATISFIABLE' } });
    expect(result.text).toBe('The survival heater.');
  });

  it('with failOpen: false the call rejects with the CtxpressError', async () => {
    const base = mock();
    const error = await ragCall(wrap(base, { budget: { tokens: 10 }, failOpen: false })).catch((e: unknown) => e);
    expect(isCtxpressError(error) && error.code).toBe('BUDGET_UNSATISFIABLE');
    expect(base.doGenerateCalls).toHaveLength(0);
  });

  it('uses the query option to score the passages', async () => {
    const base = mock();
    // the question asks about the rover; the query points at the database passage instead
    await ragCall(wrap(base, { budget: { tokens: 250 }, query: 'write-ahead logging crash recovery B-tree index' }));
    const text = promptText(base.doGenerateCalls[0]!.prompt);
    expect(text).toContain('Write-ahead logging records every change');
    expect(text).toContain(QUESTION);
  });

  it('keeps every match of keep', async () => {
    const base = mock();
    await ragCall(wrap(base, { budget: { tokens: 300 }, keep: ['Scoring the loaf with a razor blade'] }));
    expect(promptText(base.doGenerateCalls[0]!.prompt)).toContain('Scoring the loaf with a razor blade');
  });
});

describe('streamText through the middleware', () => {
  it('still streams, from the compressed prompt, with the stats on the finish part', async () => {
    const chunks = ['The ', 'survival ', 'heater', '.'];
    const base = new MockLanguageModelV3({
      doStream: {
        stream: simulateReadableStream({
          chunks: [
            { type: 'stream-start' as const, warnings: [] },
            { type: 'text-start' as const, id: 't1' },
            ...chunks.map((delta) => ({ type: 'text-delta' as const, id: 't1', delta })),
            { type: 'text-end' as const, id: 't1' },
            { type: 'finish' as const, finishReason: { unified: 'stop' as const, raw: 'stop' }, usage, providerMetadata: { mock: { id: 'x' } } },
          ],
        }),
      },
    });
    const model = wrap(base, { budget: { tokens: 300 } });
    const result = streamText({ model, system: SYSTEM, prompt: `${documents()}\n\n${QUESTION}` });
    const received: string[] = [];
    for await (const delta of result.textStream) received.push(delta);
    expect(received).toEqual(chunks);

    const sent = base.doStreamCalls[0]!.prompt;
    expect(await tokens(sent)).toBeLessThanOrEqual(300);
    expect(promptText(sent)).toContain(QUESTION);
    expect(promptText(sent)).toContain(ANSWER);
    const metadata = await result.providerMetadata;
    expect(metadata?.['ctxpress']).toMatchObject({ mode: 'relevance', budget: 300, compressedTokens: await tokens(sent) });
    expect(metadata?.['mock']).toEqual({ id: 'x' }); // the provider's own metadata is still there
  });
});

describe('an agent loop with tools', () => {
  it('keeps valid tool-call / tool-result pairs in every step, compresses old tool results, keeps the calls verbatim', async () => {
    const calls = [
      toolCallResult('call-1', 'search', { topic: 'databases' }),
      toolCallResult('call-2', 'search', { topic: 'rover' }),
      textResult('The survival heater limits it.'),
    ];
    let step = 0;
    const base = new MockLanguageModelV3({ doGenerate: async () => calls[step++]! });
    const seen: CtxpressStats[] = [];
    const model = wrap(base, { budget: { tokens: 350 }, onCompressed: (s) => seen.push(s) });
    const search = tool({
      description: 'Searches the notes on a topic.',
      inputSchema: jsonSchema<{ topic: string }>({ type: 'object', properties: { topic: { type: 'string' } }, required: ['topic'] }),
      execute: async ({ topic }) => toolOutput(topic),
    });
    const result = await generateText({ model, system: SYSTEM, prompt: QUESTION, tools: { search }, stopWhen: stepCountIs(3) });

    expect(result.text).toBe('The survival heater limits it.');
    expect(result.steps).toHaveLength(3);
    expect(base.doGenerateCalls).toHaveLength(3);
    for (const [i, { prompt }] of base.doGenerateCalls.entries()) {
      expect(pairingProblems(prompt), `step ${i}`).toEqual([]);
      for (const message of prompt) expect(modelMessageSchema.safeParse(message).success, `step ${i}: ${JSON.stringify(message).slice(0, 200)}`).toBe(true);
      expect(await tokens(prompt), `step ${i}`).toBeLessThanOrEqual(350);
      expect(prompt[0]).toEqual({ role: 'system', content: SYSTEM });
      expect(promptText(prompt)).toContain(QUESTION);
    }
    // the last step saw both tool calls with their original inputs, and had to compress the results
    const last = base.doGenerateCalls[2]!.prompt;
    const toolCalls = last.flatMap((m) => (m.role === 'assistant' ? m.content.filter((p) => p.type === 'tool-call') : []));
    expect(toolCalls.map((p) => [p.toolCallId, p.input])).toEqual([
      ['call-1', { topic: 'databases' }],
      ['call-2', { topic: 'rover' }],
    ]);
    expect(seen).toHaveLength(3);
    expect(seen[2]!.originalTokens).toBeGreaterThan(350);
    expect(seen[2]!.compressedTokens).toBeLessThanOrEqual(350);
    // relevance: the rover notes (answer-bearing) survive better than the database notes
    const results = last.flatMap((m) => (m.role === 'tool' ? m.content.filter((p) => p.type === 'tool-result') : []));
    const value = (i: number): string => (results[i]!.output as { value: string }).value;
    expect(value(1)).toContain(ANSWER);
    expect(value(1).length).toBeGreaterThan(value(0).length);
    expect(value(1).length).toBeLessThan(toolOutput('rover').length);
    expect(result.steps.map((s) => (s.providerMetadata?.['ctxpress'] as { mode: string } | undefined)?.mode)).toEqual(['relevance', 'relevance', 'relevance']);
  });
});

describe('compressPrompt (the V3 prompt round trip)', () => {
  const image = new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]);
  const url = new URL('https://example.com/chart.png');
  const long = toolOutput('databases');
  const prompt: Prompt = [
    { role: 'system', content: SYSTEM, providerOptions: { anthropic: { cacheControl: { type: 'ephemeral' } } } },
    {
      role: 'user',
      content: [
        { type: 'text', text: `Here are my notes.\n${toolOutput('orchids')}`, providerOptions: { openai: { detail: 'x' } } },
        { type: 'file', mediaType: 'image/png', data: image, providerOptions: { openai: { imageDetail: 'low' } } },
        { type: 'file', mediaType: 'image/png', data: url, filename: 'chart.png' },
      ],
      providerOptions: { custom: { tag: 'first' } },
    },
    {
      role: 'assistant',
      content: [
        { type: 'reasoning', text: 'I should search.', providerOptions: { anthropic: { signature: 'sig-1' } } },
        { type: 'text', text: 'Let me look that up.' },
        { type: 'tool-call', toolCallId: 'c1', toolName: 'search', input: { topic: 'databases' }, providerOptions: { openai: { itemId: 'fc_1' } } },
      ],
    },
    {
      role: 'tool',
      content: [{ type: 'tool-result', toolCallId: 'c1', toolName: 'search', output: { type: 'text', value: long, providerOptions: { x: { y: 1 } } }, providerOptions: { openai: { itemId: 'fco_1' } } }],
      providerOptions: { custom: { tag: 'tool' } },
    },
    { role: 'assistant', content: [{ type: 'text', text: 'Found notes on databases.' }] },
    { role: 'user', content: [{ type: 'text', text: 'How does write-ahead logging help with crash recovery?' }] },
  ];

  it('returns the same prompt when it fits the budget', async () => {
    const { prompt: out, stats } = await compressPrompt(prompt, { budget: { ratio: 1 }, mediaTokens: 0 });
    expect(out).toBe(prompt);
    expect(stats).toMatchObject({ mode: 'relevance', ratio: 1 });
  });

  it('cuts text and tool results, keeps files, reasoning, tool calls and every providerOptions; does not mutate the input', async () => {
    const before = JSON.stringify(prompt);
    const size = await tokens(prompt, 'o200k_base', 0);
    const { prompt: out, stats } = await compressPrompt(prompt, { budget: { tokens: Math.floor(size / 3) }, mediaTokens: 0 });
    expect(JSON.stringify(prompt)).toBe(before);
    expect((prompt[1]!.content[2] as { data: unknown }).data).toBe(url);
    expect(stats.compressedTokens).toBeLessThanOrEqual(Math.floor(size / 3));
    expect(await tokens(out, 'o200k_base', 0)).toBe(stats.compressedTokens);
    // (the short assistant message between the tool result and the question may be dropped)
    expect(out[0]).toEqual(prompt[0]);
    const [, user, assistant, toolMessage] = out;
    const question = out.at(-1);
    // user: text cut (its part options kept), both files untouched, message options kept
    expect(user!.providerOptions).toEqual({ custom: { tag: 'first' } });
    const userParts = user!.content as Extract<Prompt[number], { role: 'user' }>['content'];
    // the very same part objects: a URL stays a URL (structuredClone would make it {}), bytes are not copied
    const files = userParts.filter((p) => p.type === 'file');
    expect(files).toHaveLength(2);
    expect(files[0]).toBe(prompt[1]!.content[1]);
    expect(files[1]).toBe(prompt[1]!.content[2]);
    expect(files[1]!.data).toBeInstanceOf(URL);
    const userText = userParts.find((p) => p.type === 'text')!;
    expect(userText.providerOptions).toEqual({ openai: { detail: 'x' } });
    expect(userText.text.length).toBeLessThan((prompt[1]!.content[0] as { text: string }).text.length);
    // assistant: reasoning and the tool call exactly as they were
    expect(assistant).toEqual(prompt[2]);
    // tool: the result is still paired and keeps its options; its text was compressed
    const result = (toolMessage!.content as Extract<Prompt[number], { role: 'tool' }>['content'])[0]!;
    expect(result).toMatchObject({ type: 'tool-result', toolCallId: 'c1', toolName: 'search', providerOptions: { openai: { itemId: 'fco_1' } } });
    expect(toolMessage!.providerOptions).toEqual({ custom: { tag: 'tool' } });
    const output = (result as { output: { type: string; value: string; providerOptions?: unknown } }).output;
    expect(output.type).toBe('text');
    expect(output.providerOptions).toEqual({ x: { y: 1 } });
    expect(output.value.length).toBeLessThan(long.length);
    expect(output.value).toContain('Write-ahead logging records every change');
    expect(question).toEqual(prompt[5]);
    expect(pairingProblems(out)).toEqual([]);
  });

  it('counts file parts at mediaTokens each (default 1000)', async () => {
    const a = await compressPrompt(prompt, { budget: { ratio: 1 } });
    const b = await compressPrompt(prompt, { budget: { ratio: 1 }, mediaTokens: 0 });
    expect(a.stats.originalTokens! - b.stats.originalTokens!).toBe(2000);
  });

  it('compresses a prompt with a provider-executed tool call answered inside the assistant message (the call verbatim)', async () => {
    const withServerTool: Prompt = [
      { role: 'user', content: [{ type: 'text', text: `${documents()}\n\n${QUESTION}` }] },
      {
        role: 'assistant',
        content: [
          { type: 'tool-call', toolCallId: 'ws1', toolName: 'web_search', input: { query: 'aurora rover' }, providerExecuted: true },
          { type: 'tool-result', toolCallId: 'ws1', toolName: 'web_search', output: { type: 'text', value: 'no results' } },
          { type: 'text', text: 'Nothing on the web.' },
        ],
      },
      { role: 'user', content: [{ type: 'text', text: QUESTION }] },
    ];
    const { prompt: out, stats } = await compressPrompt(withServerTool, { budget: { tokens: 200 } });
    expect(stats.mode).toBe('relevance');
    expect(stats.compressedTokens).toBeLessThanOrEqual(200);
    const assistant = out.find((message) => message.role === 'assistant') as Extract<Prompt[number], { role: 'assistant' }> | undefined;
    if (assistant !== undefined) expect(assistant.content[0]).toBe(withServerTool[1]!.content[0]);
    expect(out[out.length - 1]).toEqual(withServerTool[2]);
  });

  it('fails open with null counts on a prompt that cannot be read at all', async () => {
    const broken = [{ role: 'user', content: [null] }] as unknown as Prompt;
    const { prompt: out, stats } = await compressPrompt(broken, { budget: { tokens: 200 } });
    expect(out).toBe(broken);
    expect(stats).toMatchObject({ mode: 'fail-open', originalTokens: null, compressedTokens: null, error: { code: 'INVALID_INPUT' } });
  });
});
