import { describe, expect, it } from 'vitest';
import { createAgent, tool } from 'langchain';
import { AIMessage, HumanMessage, SystemMessage, ToolMessage } from '@langchain/core/messages';
import type { BaseMessage } from '@langchain/core/messages';
import { isCtxpressError } from '@ctxpress/node';
import type { CtxpressError } from '@ctxpress/node';
import { ctxpressMiddleware, tokenizerForModel } from './agent.js';
import type { MessageCompressionStats } from './agent.js';
import { countMessageTokens } from './index.js';
import { RecordingChatModel } from './testing/model.js';
import { ANSWER, LAST, SYSTEM, filler, history, pairsValid, textOf } from './testing/history.js';

const search = tool(async ({ query }: { query: string }) => `${filler('hardware', 15)} ${query === 'rover battery' ? ANSWER : ''} ${filler('hardware', 15)}`, {
  name: 'search_reports',
  description: 'Searches the engineering reports.',
  schema: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
});

const scriptedAgentLoop = (): AIMessage[] => [
  new AIMessage({ content: '', tool_calls: [{ id: 'call_a', name: 'search_reports', args: { query: 'rover battery' }, type: 'tool_call' }] }),
  new AIMessage({ content: '', tool_calls: [{ id: 'call_b', name: 'search_reports', args: { query: 'catering' }, type: 'tool_call' }] }),
  new AIMessage('The cold limits it.'),
];

describe('ctxpressMiddleware with createAgent', () => {
  it('the model receives the history compressed under the budget, system prompt and last human message intact, pairs valid', async () => {
    const model = new RecordingChatModel(scriptedAgentLoop());
    const stats: MessageCompressionStats[] = [];
    const budget = 260;
    const agent = createAgent({
      model,
      tools: [search],
      systemPrompt: SYSTEM,
      middleware: [ctxpressMiddleware({ budget: { tokens: budget }, onCompressed: (s) => stats.push(s) })],
    });
    const earlier = history().slice(1, -1); // the earlier turns, without the system message and the last question
    const result = await agent.invoke({ messages: [...earlier, new HumanMessage(LAST)] });
    expect(model.received).toHaveLength(3);
    const system = new SystemMessage(SYSTEM);
    for (const received of model.received) {
      expect(received[0]!.type).toBe('system');
      expect(received[0]!.text).toBe(SYSTEM); // createAgent sends the system prompt as one text block
      const rest = received.slice(1);
      expect(await countMessageTokens(rest, { system })).toBeLessThanOrEqual(budget);
      expect(pairsValid(rest)).toBe(true);
      const human = rest.filter((m) => m.type === 'human').at(-1)!;
      expect(human.content).toBe(LAST);
    }
    // compressed each time (the history was over the budget from the first call), with stats
    expect(stats).toHaveLength(3);
    for (const s of stats) {
      expect(s.tokens.compressed).toBeLessThanOrEqual(budget);
      expect(s.tokens.original).toBeGreaterThan(budget);
    }
    // the answer-bearing tool result of the first step survives into the last model call
    expect(textOf(model.received[2]!)).toContain(ANSWER);
    expect(model.received[2]!.some((m) => ToolMessage.isInstance(m) && m.tool_call_id === 'call_a')).toBe(true);
    // the agent's state keeps the full history: only the model's view is compressed
    const full = result.messages as BaseMessage[];
    expect(full.filter((m) => ToolMessage.isInstance(m))).toHaveLength(3);
    expect(textOf(full)).toContain(filler('catering', 25));
    expect(await countMessageTokens(full, { system })).toBeGreaterThan(budget * 2);
  });

  it('under whenOverTokens the model receives the history untouched', async () => {
    const model = new RecordingChatModel([new AIMessage('ok')]);
    const input = history().slice(1);
    const total = await countMessageTokens(input, { system: new SystemMessage(SYSTEM) });
    let compressions = 0;
    const agent = createAgent({
      model,
      tools: [],
      systemPrompt: SYSTEM,
      middleware: [ctxpressMiddleware({ budget: { tokens: 100 }, whenOverTokens: total, onCompressed: () => compressions++ })],
    });
    await agent.invoke({ messages: input });
    expect(compressions).toBe(0);
    const received = model.received[0]!.slice(1);
    expect(received.map((m) => [m.type, m.content])).toEqual(input.map((m) => [m.type, m.content]));
    // one token lower, it compresses
    const model2 = new RecordingChatModel([new AIMessage('ok')]);
    const agent2 = createAgent({ model: model2, tools: [], systemPrompt: SYSTEM, middleware: [ctxpressMiddleware({ budget: { tokens: 150 }, whenOverTokens: total - 1 })] });
    await agent2.invoke({ messages: input });
    expect(await countMessageTokens(model2.received[0]!.slice(1), { system: new SystemMessage(SYSTEM) })).toBeLessThanOrEqual(150);
  });

  it('fails open: BUDGET_UNSATISFIABLE passes the history unchanged and reports the error', async () => {
    const model = new RecordingChatModel([new AIMessage('ok')]);
    const errors: CtxpressError[] = [];
    const input = history().slice(1);
    const agent = createAgent({
      model,
      tools: [],
      systemPrompt: SYSTEM,
      middleware: [ctxpressMiddleware({ budget: { tokens: 10 }, onError: (e) => errors.push(e) })],
    });
    await agent.invoke({ messages: input });
    expect(errors.map((e) => e.code)).toEqual(['BUDGET_UNSATISFIABLE']);
    expect(model.received[0]!.slice(1).map((m) => m.content)).toEqual(input.map((m) => m.content));
  });

  it('with failOpen: false the error reaches the caller', async () => {
    const model = new RecordingChatModel([new AIMessage('ok')]);
    const agent = createAgent({ model, tools: [], middleware: [ctxpressMiddleware({ budget: { tokens: 10 }, failOpen: false })] });
    const error: unknown = await agent.invoke({ messages: history().slice(1) }).catch((e: unknown) => e);
    // langchain wraps middleware errors in a MiddlewareError; the CtxpressError is its cause
    const cause = (error as Error).cause;
    expect(isCtxpressError(cause) && cause.code).toBe('BUDGET_UNSATISFIABLE');
    expect(model.received).toHaveLength(0);
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
    expect(code(() => ctxpressMiddleware(undefined as never))).toBe('INVALID_OPTION');
    expect(code(() => ctxpressMiddleware({} as never))).toBe('INVALID_BUDGET');
    expect(code(() => ctxpressMiddleware({ budget: { tokens: 10 }, tokenizer: 'nope' }))).toBe('UNKNOWN_TOKENIZER');
    expect(code(() => ctxpressMiddleware({ budget: { tokens: 10 }, whenOverTokens: -1 }))).toBe('INVALID_OPTION');
    expect(code(() => ctxpressMiddleware({ budget: { tokens: 10 }, onError: 'x' as never }))).toBe('INVALID_OPTION');
    expect(code(() => ctxpressMiddleware({ budget: { ratio: 2 }, tokenizer: 'llama-3.1-8b' }))).toBeUndefined();
  });

  it('derives the tokenizer from the model name', () => {
    expect(tokenizerForModel({ model: 'gpt-4' })).toBe('cl100k_base');
    expect(tokenizerForModel({ modelName: 'gpt-4o-mini' })).toBe('o200k_base');
    expect(tokenizerForModel('openai:gpt-3.5-turbo')).toBe('cl100k_base');
    expect(tokenizerForModel({ model: 'meta-llama/Llama-3.1-8B-Instruct' })).toBe('llama3');
    expect(tokenizerForModel(new RecordingChatModel([]))).toBe('o200k_base');
  });
});
