import { describe, expect, it } from 'vitest';
import { wordTokenizer } from '../testing/index.js';
import { isCtxpressError } from '../errors.js';
import { compressChat, placeholderText } from './compress-chat.js';
import { analyseChat } from './structure.js';
import { openaiAdapter } from './openai.js';
import { SAMPLES } from './samples.js';

const tokenizer = wordTokenizer();

const FILLER = [
  'We talked about the weather in the mountains and how cold the nights were.',
  'The train was late again so the meeting started twenty minutes after nine.',
  'Someone brought cake to the office and everyone had a slice in the kitchen.',
  'The garden needs watering twice a week during the dry summer months.',
];

/** system, then `turns` user/assistant pairs of filler, with `extra` messages spliced in at `at`. */
function conversation(turns: number, extra: unknown[] = [], at = 1): Array<Record<string, unknown>> {
  const messages: Array<Record<string, unknown>> = [{ role: 'system', content: 'You are a helpful assistant.' }];
  for (let t = 0; t < turns; t++) {
    messages.push({ role: 'user', content: `${FILLER[t % 4]} Turn ${t}.` });
    messages.push({ role: 'assistant', content: `${FILLER[(t + 1) % 4]} Reply ${t}.` });
  }
  messages.splice(at, 0, ...(extra as Array<Record<string, unknown>>));
  return messages;
}

describe('structure', () => {
  it('groups a tool exchange, finds user turns and pins the system prompt, the tail and the latest user message', () => {
    const parsed = openaiAdapter.parse(SAMPLES.openai.messages);
    const s = analyseChat(parsed, 'openai', 1);
    expect(s.groupOf[2]).toBe(s.groupOf[3]); // call and its result
    expect(s.groupOf[4]).not.toBe(s.groupOf[3]);
    expect(s.turnStarts).toEqual([1, 5]);
    expect([...s.turnsAfter]).toEqual([2, 1, 1, 1, 1, 0, 0]);
    expect(s.tailStart).toBe(5);
    expect([...s.pinned]).toEqual([1, 0, 0, 0, 0, 1, 1]);
    expect([...analyseChat(parsed, 'openai', 0).pinned]).toEqual([1, 0, 0, 0, 0, 1, 0]);
    expect([...analyseChat(parsed, 'openai', 5).pinned]).toEqual([1, 1, 1, 1, 1, 1, 1]);
  });
});

describe('compressChat policy', () => {
  it('keeps the system prompt and the last turns whole and drops the least relevant older messages', () => {
    const messages = conversation(10, [{ role: 'assistant', content: 'The rover battery limits the mission to ninety days.' }], 5);
    messages.push({ role: 'user', content: 'What limits the rover mission?' });
    const result = compressChat(messages, { budget: { ratio: 3 }, tokenizer, keepLastTurns: 2 });
    expect(result.tokens.compressed).toBeLessThanOrEqual(result.tokens.budget);
    expect(result.messages[0]).toEqual(messages[0]);
    expect(result.messages.slice(-3)).toEqual(messages.slice(-3));
    expect(result.messages).toContainEqual(messages[5]);
    expect(result.decisions[0]!.fidelity).toBe('pinned');
    expect(result.decisions.at(-1)!.fidelity).toBe('pinned');
    expect(result.decisions.some((d) => d.fidelity === 'dropped')).toBe(true);
    expect(result.decisions.reduce((sum, d) => sum + d.tokensAfter, 0)).toBe(result.tokens.compressed);
    expect(result.ratio).toBeCloseTo(result.tokens.original / result.tokens.compressed);
  });

  it('replaces an old tool result by a one-line placeholder and keeps the tool call verbatim', () => {
    const big = Array.from({ length: 40 }, (_, k) => `Line ${k} of the log: all checks passed for module m${k}.`).join('\n');
    const exchange = [
      { role: 'user', content: 'Run the tests please.' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_9', type: 'function', function: { name: 'run_tests', arguments: '{"path":"src"}' } }] },
      { role: 'tool', tool_call_id: 'call_9', content: big },
      { role: 'assistant', content: 'All tests pass.' },
    ];
    const messages = conversation(6, exchange);
    const result = compressChat(messages, { budget: { ratio: 4 }, tokenizer, keepLastTurns: 2 });
    const out = result.messages as Array<Record<string, unknown>>;
    const call = out.find((m) => m['tool_calls'] !== undefined);
    if (call) {
      expect(call).toEqual(exchange[1]);
      const tool = out[out.indexOf(call) + 1]!;
      expect(tool['tool_call_id']).toBe('call_9');
      expect(tool['content']).toMatch(/^\[tool result from run_tests omitted: [\d,]+ tokens\]$|Line/);
    }
    expect(out.some((m) => m['role'] === 'tool') === (call !== undefined)).toBe(true);
    expect(result.tokens.compressed).toBeLessThanOrEqual(result.tokens.budget);
    // with room for the exchange but not the log, the result is cut or stubbed, never the call
    const roomy = compressChat(messages, { budget: { tokens: result.tokens.original - 200 }, tokenizer, keepLastTurns: 2 });
    const tool = (roomy.messages as Array<Record<string, unknown>>).find((m) => m['role'] === 'tool')!;
    expect(roomy.decisions[3]!.fidelity).toMatch(/compressed|placeholder/);
    expect((tool['content'] as string).length).toBeLessThan(big.length);
    expect(roomy.messages).toContainEqual(exchange[1]);
  });

  it('formats placeholders with a thousands separator and the tool name', () => {
    const slot = { text: '', kind: 'result', toolName: 'search_docs', owner: 0, path: ['content'], atomic: false } as const;
    expect(placeholderText(slot, 'tool', 1234)).toBe('[tool result from search_docs omitted: 1,234 tokens]');
    expect(placeholderText({ ...slot, kind: 'text' }, 'user', 12)).toBe('[user message omitted: 12 tokens]');
  });

  it('throws BUDGET_UNSATISFIABLE only when the system prompt and the question alone are over the budget', () => {
    const messages = conversation(4);
    messages.push({ role: 'user', content: 'What did we say about the train and the meeting this morning?' });
    try {
      compressChat(messages, { budget: { tokens: 20 }, tokenizer, keepLastTurns: 2 });
      expect.unreachable();
    } catch (error) {
      expect(isCtxpressError(error) && error.code).toBe('BUDGET_UNSATISFIABLE');
      expect((error as Error).message).toMatch(/system prompt, the question and the tool calls alone need \d+ tokens, more than the budget of 20/);
    }
    // the last 2 turns do not fit in 40 tokens: they are compressed like the rest instead of failing
    const result = compressChat(messages, { budget: { tokens: 40 }, tokenizer, keepLastTurns: 2 });
    expect(result.tokens.compressed).toBeLessThanOrEqual(40);
    expect(result.messages.at(-1)).toEqual(messages.at(-1));
    expect(result.messages[0]).toEqual(messages[0]);
  });

  it('counts and pins the Anthropic top-level system prompt', () => {
    const { messages, system } = SAMPLES.anthropic;
    const full = compressChat(messages, { budget: { ratio: 1 }, tokenizer, system: system! });
    const without = compressChat(messages, { budget: { ratio: 1 }, tokenizer });
    expect(full.tokens.original - without.tokens.original).toBe(tokenizer.count(system!) + 4);
    const result = compressChat(messages, { budget: { tokens: full.tokens.original - 20 }, tokenizer, system: system!, keepLastTurns: 1 });
    expect(result.tokens.compressed).toBeLessThanOrEqual(result.tokens.budget);
    expect((result.messages[0] as Record<string, unknown>)['role']).toBe('user');
  });

  it('keeps a stated preference over filler when the budget is tight', () => {
    const messages = conversation(12, [
      { role: 'user', content: 'Remember that I never eat peanuts.' },
      { role: 'assistant', content: 'Noted.' },
    ]);
    messages.push({ role: 'user', content: 'Plan a dinner menu for tonight.' });
    const result = compressChat(messages, { budget: { ratio: 4 }, tokenizer, keepLastTurns: 1 });
    expect(result.messages).toContainEqual(messages[1]);
  });

  it('prefix-stable mode keeps the compacted prefix byte-identical as the conversation grows', () => {
    let previous: unknown[] | undefined;
    let identical = 0;
    let calls = 0;
    for (let turns = 4; turns <= 40; turns++) {
      const messages = conversation(turns);
      const result = compressChat(messages, { budget: { tokens: 400 }, tokenizer, keepLastTurns: 2, prefixStable: true });
      expect(result.tokens.compressed).toBeLessThanOrEqual(400);
      if (previous) {
        calls++;
        // identical when the first half of the previous output is still the start of this one
        const half = Math.floor(previous.length / 2);
        if (JSON.stringify(result.messages.slice(0, half)) === JSON.stringify(previous.slice(0, half))) identical++;
      }
      previous = result.messages;
    }
    expect(identical / calls).toBeGreaterThan(0.8);
  });

  it('prefix-stable mode stays prefix-stable through an agent step longer than the budget (one turn of tool calls)', () => {
    const messages: Array<Record<string, unknown>> = [
      { role: 'system', content: 'You are a coding agent.' },
      { role: 'user', content: 'Find why the rover battery test fails and fix it.' },
    ];
    const shares: number[] = [];
    let previous: unknown[] | undefined;
    for (let step = 0; step < 30; step++) {
      const id = `call_${step}`;
      messages.push({ role: 'assistant', content: `Step ${step}: reading module m${step}.`, tool_calls: [{ id, type: 'function', function: { name: 'read_file', arguments: `{"path":"src/m${step}.ts"}` } }] });
      messages.push({ role: 'tool', tool_call_id: id, content: `${FILLER[step % 4]} ${FILLER[(step + 1) % 4]} Module m${step} exports ${step * 7} functions.` });
      const result = compressChat(messages, { budget: { tokens: 600 }, tokenizer, keepLastTurns: 2, prefixStable: true });
      expect(result.mode).toBe('prefix-stable');
      expect(result.tokens.compressed).toBeLessThanOrEqual(600);
      // the task, the system prompt and the latest exchange are kept whole; every kept call is verbatim
      expect(result.messages.slice(0, 2)).toEqual(messages.slice(0, 2));
      expect(result.messages.slice(-2)).toEqual(messages.slice(-2));
      for (const m of result.messages as Array<Record<string, unknown>>) if (m['tool_calls']) expect(messages).toContainEqual(m);
      if (previous) {
        let same = 0;
        while (same < previous.length && JSON.stringify(result.messages[same]) === JSON.stringify(previous[same])) same++;
        shares.push(same / result.messages.length);
      }
      previous = result.messages;
    }
    // the prefix holds on most steps (a share of messages, each step appends two)
    expect(shares.filter((s) => s >= 0.5).length).toBeGreaterThan(shares.length * 0.8);
  });

  it('passes images and files through untouched and counts each as mediaTokens (default 1000)', () => {
    const image = { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } };
    const messages = conversation(6);
    messages.push({ role: 'user', content: [{ type: 'text', text: 'What is in this picture of the garden?' }, image] });
    const base = compressChat(messages, { budget: { ratio: 1 }, tokenizer, mediaTokens: 0 }).tokens.original;
    const counted = compressChat(messages, { budget: { ratio: 1 }, tokenizer }).tokens.original;
    expect(counted - base).toBe(1000);
    expect(compressChat(messages, { budget: { ratio: 1 }, tokenizer, mediaTokens: 250 }).tokens.original - base).toBe(250);
    const result = compressChat(messages, { budget: { tokens: 1000 + 60 }, tokenizer });
    expect(result.tokens.compressed).toBeLessThanOrEqual(1060);
    expect(result.messages.at(-1)).toEqual(messages.at(-1));
    // an Anthropic image inside a tool result counts too
    const anthropic = [
      { role: 'user', content: 'Take a screenshot.' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'screenshot', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } }] }] },
    ];
    const a0 = compressChat(anthropic, { budget: { ratio: 1 }, tokenizer, mediaTokens: 0 }).tokens.original;
    expect(compressChat(anthropic, { budget: { ratio: 1 }, tokenizer }).tokens.original - a0).toBe(1000);
    expect(() => compressChat(messages, { budget: { ratio: 2 }, tokenizer, mediaTokens: -1 })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
  });

  it('compresses a RAG prompt of titled documents: each document a source, the question verbatim, every line from the input', () => {
    const docs = [
      ['Rover power', 'The rover carries two solar arrays. Dust on the arrays cut their output by 40 percent. Cold nights drain the battery because heaters must keep the electronics warm.'],
      ['Pump station', 'The pump station was built in 1962. It was renovated twice. The eastern district lost pressure in May.'],
      ['City budget', 'The city budget grew by four percent. Most of it went to roads. Parks received a small increase.'],
      ['Garden club', 'The garden club meets on Tuesdays. Members trade seeds in spring. The club was founded by a retired teacher.'],
    ];
    const question = 'Question: What drains the battery of the rover at night?';
    // long enough (over 250 tokens) for the material to be cut around the question
    const user = `Use the documents below.\n\n${docs.map(([t, x]) => `${t}\n${x} ${FILLER.join(' ')}`).join('\n\n')}\n\n${question}`;
    const messages = [
      { role: 'system', content: 'Answer from the documents.' },
      { role: 'user', content: user },
    ];
    const result = compressChat(messages, { budget: { ratio: 3 }, tokenizer });
    expect(result.tokens.compressed).toBeLessThanOrEqual(result.tokens.budget);
    const out = (result.messages[1] as { content: string }).content;
    expect(out.endsWith(question)).toBe(true);
    expect(out).toContain('heaters must keep the electronics warm');
    for (const line of out.split('\n')) expect(user).toContain(line);
  });
});
