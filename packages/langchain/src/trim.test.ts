import { describe, expect, it } from 'vitest';
import { AIMessage, HumanMessage, SystemMessage, ToolMessage, trimMessages } from '@langchain/core/messages';
import type { BaseMessage } from '@langchain/core/messages';
import { RunnableLambda } from '@langchain/core/runnables';
import { FakeListChatModel } from '@langchain/core/utils/testing';
import { isCtxpressError } from '@ctxpress/node';
import { compressMessages, countMessageTokens, ctxpressTrimMessages } from './index.js';
import { ANSWER, LAST, SYSTEM, history, pairsValid, textOf } from './testing/history.js';

async function errorCode(promise: Promise<unknown>): Promise<string | undefined> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  return error === undefined ? undefined : isCtxpressError(error) ? error.code : 'not a CtxpressError';
}

describe('ctxpressTrimMessages', () => {
  it('compresses to the budget; system and last human message unchanged; pairs valid; the answer kept', async () => {
    const messages = history();
    const original = await countMessageTokens(messages);
    const budget = 200;
    expect(original).toBeGreaterThan(budget * 4);
    const out = await ctxpressTrimMessages(messages, { maxTokens: budget });
    expect(await countMessageTokens(out)).toBeLessThanOrEqual(budget);
    expect(out[0]).toBe(messages[0]); // same instance: unchanged
    expect(out.at(-1)).toBe(messages.at(-1));
    expect(out[0]!.content).toBe(SYSTEM);
    expect(out.at(-1)!.content).toBe(LAST);
    expect(pairsValid(out)).toBe(true);
    expect(textOf(out)).toContain(ANSWER);
    // every message that came back is one of the input's (same id, same class), possibly with cut text
    for (const m of out) {
      const source = messages.find((s) => s.id === m.id)!;
      expect(source).toBeDefined();
      expect(m.type).toBe(source.type);
    }
    // the tool message keeps its call id and name; the AI message its tool calls
    const tool = out.find((m): m is ToolMessage => ToolMessage.isInstance(m));
    if (tool !== undefined) {
      expect(tool.tool_call_id).toBe('call_1');
      expect(tool.name).toBe('search_reports');
      const call = out.find((m) => AIMessage.isInstance(m) && m.tool_calls?.length === 1) as AIMessage;
      expect(call.tool_calls![0]).toMatchObject({ id: 'call_1', name: 'search_reports', args: { query: 'rover battery' } });
    }
    // the input list is untouched
    expect(messages).toEqual(history());
  });

  it('beats trimMessages (drop from the front) on keeping the answer at the same budget', async () => {
    const messages = history();
    const counter = async (list: BaseMessage[]): Promise<number> => countMessageTokens(list);
    const trimmed = await trimMessages(messages, { maxTokens: 200, tokenCounter: counter, strategy: 'last', includeSystem: true, startOn: 'human' });
    expect(textOf(trimmed)).not.toContain(ANSWER);
    expect(textOf(await ctxpressTrimMessages(messages, { maxTokens: 200 }))).toContain(ANSWER);
  });

  it('returns the same messages when they fit, or are under whenOverTokens', async () => {
    const messages = history();
    const original = await countMessageTokens(messages);
    const fits = await ctxpressTrimMessages(messages, { budget: { tokens: original } });
    expect(fits).toHaveLength(messages.length);
    fits.forEach((m, i) => expect(m).toBe(messages[i]));
    const under = await ctxpressTrimMessages(messages, { maxTokens: 100, whenOverTokens: original });
    under.forEach((m, i) => expect(m).toBe(messages[i]));
    const over = await ctxpressTrimMessages(messages, { maxTokens: 100, whenOverTokens: original - 1 });
    expect(await countMessageTokens(over)).toBeLessThanOrEqual(100);
  });

  it('takes { ratio }', async () => {
    const messages = history();
    const original = await countMessageTokens(messages);
    const out = await ctxpressTrimMessages(messages, { budget: { ratio: 3 } });
    expect(await countMessageTokens(out)).toBeLessThanOrEqual(Math.floor(original / 3));
  });

  it('is a Runnable when called with options only, for LCEL chains', async () => {
    const trimmer = ctxpressTrimMessages({ maxTokens: 200 });
    const received: BaseMessage[][] = [];
    const model = new FakeListChatModel({ responses: ['cold'] });
    const chain = trimmer.pipe(
      RunnableLambda.from((messages: BaseMessage[]) => {
        received.push(messages);
        return messages;
      }),
    ).pipe(model);
    const reply = await chain.invoke(history());
    expect(reply.content).toBe('cold');
    expect(received).toHaveLength(1);
    expect(await countMessageTokens(received[0]!)).toBeLessThanOrEqual(200);
    expect(textOf(received[0]!)).toContain(ANSWER);
    expect(pairsValid(received[0]!)).toBe(true);
  });

  it('keeps a long last human message whole, cutting the rest harder', async () => {
    const long = `${'Background: the depot stores spare wheels, cameras and antennas for the field teams. '.repeat(40)}What limits the battery life of the rover?`;
    const messages = [...history().slice(0, -1), new HumanMessage(long)];
    const last = await countMessageTokens([messages.at(-1)!]);
    const system = await countMessageTokens([messages[0]!]);
    const budget = last + system + 60;
    const out = await ctxpressTrimMessages(messages, { maxTokens: budget });
    expect(out.at(-1)!.content).toBe(long);
    expect(await countMessageTokens(out)).toBeLessThanOrEqual(budget);
    expect(pairsValid(out)).toBe(true);
  });

  it('BUDGET_UNSATISFIABLE when the system prompt and last human message do not fit; failOpen returns the input', async () => {
    const messages = history();
    expect(await errorCode(ctxpressTrimMessages(messages, { maxTokens: 10 }))).toBe('BUDGET_UNSATISFIABLE');
    const open = await ctxpressTrimMessages(messages, { maxTokens: 10, failOpen: true });
    open.forEach((m, i) => expect(m).toBe(messages[i]));
    expect(await errorCode(compressMessages(messages, { budget: { tokens: 10 } }))).toBe('BUDGET_UNSATISFIABLE');
  });

  it('INVALID_INPUT for orphan tool messages and unsupported messages', async () => {
    const orphan = [new HumanMessage('hi'), new ToolMessage({ content: 'x', tool_call_id: 'nope' })];
    expect(await errorCode(ctxpressTrimMessages(orphan, { maxTokens: 1 }))).toBe('INVALID_INPUT');
    const noId = [new HumanMessage('hi'), new AIMessage({ content: '', tool_calls: [{ name: 'f', args: {}, type: 'tool_call' }] })];
    expect(await errorCode(ctxpressTrimMessages(noId, { maxTokens: 1 }))).toBe('INVALID_INPUT');
  });

  it('rejects bad options with a coded CtxpressError (at once in the Runnable form)', async () => {
    const messages = history();
    expect(await errorCode(ctxpressTrimMessages(messages, {}))).toBe('INVALID_BUDGET');
    expect(await errorCode(ctxpressTrimMessages(messages, { maxTokens: 10, budget: { tokens: 10 } }))).toBe('INVALID_BUDGET');
    expect(await errorCode(ctxpressTrimMessages(messages, { maxTokens: 0 }))).toBe('INVALID_OPTION');
    expect(await errorCode(ctxpressTrimMessages(messages, { budget: { ratio: 0 } }))).toBe('INVALID_BUDGET');
    expect(await errorCode(ctxpressTrimMessages(messages, { maxTokens: 10, tokenizer: 'nope' }))).toBe('UNKNOWN_TOKENIZER');
    expect(await errorCode(ctxpressTrimMessages(messages, { maxTokens: 10, keepLastTurns: -1 }))).toBe('INVALID_OPTION');
    expect(await errorCode(ctxpressTrimMessages(messages, undefined as never))).toBe('INVALID_OPTION');
    expect(() => ctxpressTrimMessages({ maxTokens: 10, failOpen: 'yes' as never })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
  });

  it('counts a message list like compressChat (text, tool-call arguments, 4 per message)', async () => {
    const one = await countMessageTokens([new SystemMessage('')]);
    expect(one).toBe(4);
    const withCall = await countMessageTokens([new AIMessage({ content: '', tool_calls: [{ id: 'c', name: 'f', args: { a: 1 }, type: 'tool_call' }] }), new ToolMessage({ content: '', tool_call_id: 'c' })]);
    expect(withCall).toBeGreaterThan(8);
  });
});
