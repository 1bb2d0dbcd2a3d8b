import { describe, expect, it } from 'vitest';
import { wordTokenizer } from '../testing/index.js';
import { isCtxpressError } from '../errors.js';
import { responsesAdapter } from './responses.js';
import { detectChatFormat } from './detect.js';
import { rebuildMessage } from './shared.js';
import { compressChat, countChatTokens, MESSAGE_OVERHEAD } from './compress-chat.js';

const tokenizer = wordTokenizer();

function error(fn: () => unknown): string {
  try {
    fn();
  } catch (caught) {
    if (isCtxpressError(caught)) return `${caught.code}: ${caught.message}`;
    throw caught;
  }
  return 'no error';
}

const LONG =
  'The rover carries two solar arrays that charge a lithium battery during the day. Dust storms cut the light reaching the arrays. ' +
  'Cold nights drain the battery because heaters keep the electronics warm. Engineers plan drives around the charge level. ';

const items: unknown[] = [
  { role: 'developer', content: 'Answer briefly.' },
  { role: 'user', content: 'What limits the battery?' },
  { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: 'gAAAA' },
  { type: 'function_call', id: 'fc_1', call_id: 'call_a', name: 'search', arguments: '{"q":"battery"}', status: 'completed' },
  { type: 'function_call', id: 'fc_2', call_id: 'call_b', name: 'lookup', arguments: '{"id":7}' },
  { type: 'function_call_output', call_id: 'call_a', output: LONG },
  {
    type: 'function_call_output',
    call_id: 'call_b',
    output: [
      { type: 'input_text', text: '{"id":7,"name":"heater"}' },
      { type: 'input_image', image_url: 'data:,' },
    ],
  },
  {
    type: 'message',
    id: 'msg_1',
    role: 'assistant',
    status: 'completed',
    content: [
      { type: 'output_text', text: 'Dust and cold nights.', annotations: [] },
      { type: 'refusal', refusal: 'I will not guess.' },
    ],
  },
  { type: 'item_reference', id: 'msg_0' },
  {
    type: 'message',
    role: 'user',
    content: [
      { type: 'input_text', text: 'And the heaters?' },
      { type: 'input_file', file_id: 'file-1' },
    ],
  },
];

describe('openai-responses adapter: parse', () => {
  const parsed = responsesAdapter.parse(items);

  it('reads messages, roles and text parts with their paths', () => {
    expect(parsed.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'assistant', 'assistant', 'tool', 'tool', 'assistant', 'assistant', 'user']);
    expect(parsed[0]!.slots).toMatchObject([{ text: 'Answer briefly.', path: ['content'], kind: 'text' }]);
    expect(parsed[7]!.slots).toMatchObject([
      { text: 'Dust and cold nights.', path: ['content', 0, 'text'] },
      { text: 'I will not guess.', path: ['content', 1, 'refusal'] },
    ]);
    // input_file / input_image parts are kept and not counted
    expect(parsed[9]!.slots).toMatchObject([{ text: 'And the heaters?', path: ['content', 0, 'text'] }]);
    expect(parsed.every((m, i) => m.index === i && m.raw === items[i])).toBe(true);
  });

  it('reads function calls as actions and their outputs as tool results', () => {
    expect(parsed[3]!.calls).toEqual([{ id: 'call_a', name: 'search', args: '{"q":"battery"}' }]);
    expect(parsed[3]!.slots).toEqual([]);
    expect(parsed[4]!.calls).toEqual([{ id: 'call_b', name: 'lookup', args: '{"id":7}' }]);
    expect(parsed[5]!.resultIds).toEqual(['call_a']);
    expect(parsed[5]!.slots).toMatchObject([{ text: LONG, path: ['output'], kind: 'result', toolName: 'search', atomic: false }]);
    expect(parsed[6]!.resultIds).toEqual(['call_b']);
    expect(parsed[6]!.slots).toMatchObject([{ path: ['output', 0, 'text'], kind: 'result', toolName: 'lookup', atomic: true }]);
  });

  it('keeps reasoning, item references and other items as they are, with no text', () => {
    for (const i of [2, 8]) expect(parsed[i]).toMatchObject({ role: 'assistant', slots: [], calls: [], resultIds: [] });
    const other = responsesAdapter.parse([{ type: 'web_search_call', id: 'ws_1', status: 'completed' }]);
    expect(other[0]).toMatchObject({ role: 'assistant', slots: [], calls: [] });
  });

  it('reads an atomic JSON string output, custom tool calls and computer calls', () => {
    const more = responsesAdapter.parse([
      { type: 'custom_tool_call', call_id: 'c1', name: 'grep', input: 'battery' },
      { type: 'custom_tool_call_output', call_id: 'c1', output: '[1, 2, 3]' },
      { type: 'computer_call', call_id: 'c2', action: { type: 'click', x: 1, y: 2 }, pending_safety_checks: [] },
      { type: 'computer_call_output', call_id: 'c2', output: { type: 'computer_screenshot', image_url: 'data:,' } },
    ]);
    expect(more[0]!.calls).toEqual([{ id: 'c1', name: 'grep', args: 'battery' }]);
    expect(more[1]!.slots).toMatchObject([{ text: '[1, 2, 3]', atomic: true, toolName: 'grep' }]);
    expect(more[2]!.calls).toEqual([{ id: 'c2', name: 'computer', args: '' }]);
    expect(more[3]).toMatchObject({ role: 'tool', slots: [], resultIds: ['c2'] });
  });
});

describe('openai-responses adapter: round trip', () => {
  it('rebuilds unchanged items as the same objects', () => {
    const parsed = responsesAdapter.parse(items);
    expect(
      parsed.map((m) =>
        rebuildMessage(
          m,
          m.slots.map((s) => s.text),
        ),
      ),
    ).toEqual(items);
    parsed.forEach((m, i) =>
      expect(
        rebuildMessage(
          m,
          m.slots.map((s) => s.text),
        ),
      ).toBe(items[i]),
    );
  });

  it('writes new texts back by path, in a copy, and removes emptied parts', () => {
    const before = JSON.stringify(items);
    const parsed = responsesAdapter.parse(items);
    const output = rebuildMessage(parsed[5]!, ['[tool result from search omitted: 40 tokens]']) as Record<string, unknown>;
    expect(output).toEqual({ type: 'function_call_output', call_id: 'call_a', output: '[tool result from search omitted: 40 tokens]' });
    const parts = rebuildMessage(parsed[6]!, ['X']) as { output: unknown[] };
    expect(parts.output).toEqual([
      { type: 'input_text', text: 'X' },
      { type: 'input_image', image_url: 'data:,' },
    ]);
    const message = rebuildMessage(parsed[7]!, ['Dust.', null]) as { content: unknown[]; id: string };
    expect(message.content).toEqual([{ type: 'output_text', text: 'Dust.', annotations: [] }]);
    expect(message.id).toBe('msg_1');
    expect(JSON.stringify(items)).toBe(before);
    // the rebuilt items read back as what was written
    const again = responsesAdapter.parse([...items.slice(0, 5), output, parts, message]);
    expect(again[5]!.slots[0]!.text).toBe('[tool result from search omitted: 40 tokens]');
    expect(again[7]!.slots.map((s) => s.text)).toEqual(['Dust.']);
  });
});

describe('openai-responses adapter: bad items', () => {
  it.each([
    [[null], /^INVALID_INPUT: messages\[0\]: expected a message object/],
    [[{ role: 'wizard', content: 'x' }], /^INVALID_INPUT: messages\[0\]: message item with unknown role "wizard"/],
    [[{ type: 'message', content: 'x' }], /^INVALID_INPUT: messages\[0\]: message item with unknown role undefined/],
    [[{ role: 'user', content: 42 }], /^INVALID_INPUT: messages\[0\]: message item content must be a string or an array/],
    [[{ role: 'user', content: [{ text: 'no type' }] }], /^INVALID_INPUT: messages\[0\]: item content\[0\] is not a content part/],
    [[{ role: 'user', content: [{ type: 'input_text', text: 3 }] }], /^INVALID_INPUT: messages\[0\]: item content\[0\]\.text must be a string/],
    [[{ type: 7 }], /^INVALID_INPUT: messages\[0\]: item type must be a string/],
    [
      [
        { role: 'user', content: 'x' },
        { type: 'function_call', name: 'f', arguments: '{}' },
      ],
      /^INVALID_INPUT: messages\[1\]: function_call item needs a string call_id/,
    ],
    [[{ type: 'function_call', call_id: 'c', arguments: '{}' }], /function_call item needs a string name/],
    [[{ type: 'function_call', call_id: 'c', name: 'f', arguments: {} }], /function_call item arguments must be a string/],
    [[{ type: 'function_call_output', output: 'x' }], /function_call_output item needs a string call_id/],
    [
      [
        { type: 'function_call', call_id: 'c', name: 'f', arguments: '{}' },
        { type: 'function_call_output', call_id: 'c', output: 5 },
      ],
      /messages\[1\]: function_call_output item output must be/,
    ],
  ])('%j', (input, message) => {
    expect(error(() => responsesAdapter.parse(input))).toMatch(message);
  });

  it('orphan calls and results are INVALID_INPUT from compressChat', () => {
    const options = { budget: { tokens: 1000 }, tokenizer, format: 'openai-responses' } as const;
    expect(
      error(() =>
        compressChat(
          [
            { role: 'user', content: 'hi' },
            { type: 'function_call_output', call_id: 'nope', output: 'r' },
          ],
          options,
        ),
      ),
    ).toMatch(/^INVALID_INPUT: messages\[1\]: tool result for "nope" has no matching tool call/);
    expect(
      error(() =>
        compressChat(
          [
            { role: 'user', content: 'hi' },
            { type: 'function_call', call_id: 'c', name: 'f', arguments: '{}' },
          ],
          options,
        ),
      ),
    ).toMatch(/^INVALID_INPUT: messages\[1\]: tool call "c" has no tool result/);
  });
});

describe('openai-responses detection', () => {
  it.each([
    [[{ type: 'message', role: 'user', content: 'hi' }]],
    [
      [
        { role: 'user', content: 'hi' },
        { type: 'function_call', call_id: 'c', name: 'f', arguments: '{}' },
      ],
    ],
    [[{ type: 'function_call_output', call_id: 'c', output: 'x' }]],
    [[{ role: 'user', content: [{ type: 'input_text', text: 'hi' }] }]],
    [[{ role: 'assistant', content: [{ type: 'output_text', text: 'hi' }] }]],
    [[{ type: 'reasoning', id: 'rs', summary: [] }]],
  ])('%j is openai-responses', (list) => {
    expect(detectChatFormat(list)).toBe('openai-responses');
  });

  it('leaves the other formats alone', () => {
    expect(detectChatFormat([{ role: 'user', content: 'hi' }])).toBe('openai');
    expect(detectChatFormat([{ role: 'user', content: [{ type: 'text', text: 'hi' }] }])).toBe('openai');
    expect(detectChatFormat([{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'x', content: 'r' }] }])).toBe('anthropic');
  });
});

describe('compressChat on Responses input', () => {
  /** `turns` old exchanges (question, reasoning, a call, a long output, an answer), then a short question. */
  const conversation = (turns: number): unknown[] => {
    const out: unknown[] = [];
    for (let t = 0; t < turns; t++) {
      out.push(
        { role: 'user', content: `Question ${t}: what about the arrays?` },
        { type: 'reasoning', id: `rs_${t}`, summary: [] },
        { type: 'function_call', call_id: `call_${t}`, name: 'search', arguments: `{"q":"arrays ${t}"}` },
        { type: 'function_call_output', call_id: `call_${t}`, output: LONG.repeat(4) },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: `Answer ${t}: the arrays charge the battery.` }] },
      );
    }
    out.push({ role: 'user', content: [{ type: 'input_text', text: 'What drains the battery at night?' }] });
    return out;
  };

  it('counts instructions as the system prompt', () => {
    const list = conversation(1);
    const without = countChatTokens(list, { tokenizer });
    expect(countChatTokens(list, { tokenizer, system: 'Be brief.' })).toBe(without + tokenizer.count('Be brief.') + MESSAGE_OVERHEAD);
  });

  it('compresses older tool outputs to the budget and returns valid Responses input', () => {
    const list = conversation(6);
    const result = compressChat(list, { budget: { ratio: 3 }, tokenizer, keepLastTurns: 1, system: 'Be brief.' });
    expect(result.format).toBe('openai-responses');
    expect(result.tokens.compressed).toBeLessThanOrEqual(result.tokens.budget);
    expect(result.tokens.compressed).toBeLessThan(result.tokens.original);
    // still valid: it parses, every call is answered right after it, the last question is untouched
    const again = compressChat(result.messages, { budget: { tokens: 1_000_000 }, tokenizer, format: 'openai-responses' });
    expect(again.messages).toEqual(result.messages);
    expect(result.messages.at(-1)).toBe(list.at(-1));
    const calls = result.messages.filter((m) => (m as { type?: string }).type === 'function_call') as { call_id: string }[];
    for (const call of calls) {
      const at = result.messages.indexOf(call);
      expect(result.messages[at + 1]).toMatchObject({ type: 'function_call_output', call_id: call.call_id });
    }
    // tool calls are never changed
    for (const call of calls) expect(list).toContain(call);
  });

  it('accepts parallel calls (consecutive function_call items) answered by consecutive outputs', () => {
    const list = [
      { role: 'user', content: 'Compare.' },
      { type: 'function_call', call_id: 'a', name: 'f', arguments: '{}' },
      { type: 'function_call', call_id: 'b', name: 'f', arguments: '{}' },
      { type: 'function_call_output', call_id: 'b', output: LONG },
      { type: 'function_call_output', call_id: 'a', output: LONG },
      { role: 'user', content: 'Thanks.' },
    ];
    const result = compressChat(list, { budget: { tokens: 1_000_000 }, tokenizer });
    expect(result.messages).toEqual(list);
  });

  it('accepts a reasoning item before a call', () => {
    const list = [
      { role: 'user', content: 'Go.' },
      { type: 'reasoning', id: 'rs', summary: [] },
      { type: 'function_call', call_id: 'a', name: 'f', arguments: '{}' },
      { type: 'function_call_output', call_id: 'a', output: 'ok' },
    ];
    expect(compressChat(list, { budget: { tokens: 1_000_000 }, tokenizer }).messages).toEqual(list);
  });

  it('keeps a reasoning item with the call it precedes: between parallel calls, before an output, and dropped together', () => {
    const filler = (k: number): string => Array.from({ length: 30 }, (_, j) => `Old note ${k}.${j} about the garden and the weather.`).join(' ');
    const list = [
      { role: 'user', content: filler(1) },
      { type: 'reasoning', id: 'rs_1', summary: [] },
      { type: 'function_call', call_id: 'a', name: 'search', arguments: '{"q":"garden"}' },
      { type: 'reasoning', id: 'rs_2', summary: [] },
      { type: 'function_call', call_id: 'b', name: 'search', arguments: '{"q":"weather"}' },
      { type: 'function_call_output', call_id: 'a', output: filler(2) },
      { type: 'reasoning', id: 'rs_3', summary: [] },
      { type: 'function_call_output', call_id: 'b', output: filler(3) },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: filler(4), annotations: [] }] },
      { role: 'user', content: 'What did the old notes say about the rover battery?' },
    ];
    const full = countChatTokens(list, { tokenizer });
    const keptCallA: boolean[] = [];
    for (const tokens of [Math.floor(full / 2), Math.floor(full / 4), 40]) {
      const result = compressChat(list, { budget: { tokens }, tokenizer, keepLastTurns: 1 });
      expect(result.tokens.compressed).toBeLessThanOrEqual(tokens);
      const out = result.messages as Array<Record<string, unknown>>;
      const ids = out.map((m) => (m['id'] ?? m['call_id'] ?? m['role']) as string);
      // every kept call keeps the reasoning item that preceded it, and its output
      keptCallA.push(ids.includes('a'));
      if (ids.includes('a')) expect(ids).toEqual(expect.arrayContaining(['rs_1', 'rs_2', 'b', 'rs_3']));
      if (!ids.includes('a')) expect(ids.filter((id) => id.startsWith('rs_'))).toEqual([]);
      expect(out.at(-1)).toEqual(list.at(-1));
    }
    // both branches above are exercised: the loose budget keeps call a, the tightest drops it
    expect(keptCallA).toEqual([true, expect.any(Boolean), false]);
  });
});
