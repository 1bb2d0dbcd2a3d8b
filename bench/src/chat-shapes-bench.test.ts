import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compressChatSync as compressChat, countChatTokens, CtxpressError } from '@ctxpress/core';
import { wordTokenizer } from '@ctxpress/core/testing';
import type { Example } from './data.js';
import { dataDirectory, skipWithoutData } from './data.js';
import type { CompressChatFn } from './chat-bench.js';
import {
  buildAgent,
  buildConversation,
  buildRag,
  chunkLines,
  countMessages,
  newlineSplitter,
  questionKept,
  RAG_VARIANTS,
  splitEven,
  trimLast,
  validateRequest,
  type OpenAIMessage,
} from './chat-shapes.js';
import { allocate, bm25Request, prepareBm25, runChatShapes, SHAPE_SOURCES, textPathRequest } from './chat-shapes-bench.js';

const tokenizer = wordTokenizer();

// ---- fixtures (written for this test; not taken from shared/data)

const multihop: Example = {
  id: 'fixture-multihop-1',
  task: 'multihop',
  source: 'fixture',
  question: 'Which river flows through the capital of Veltria?',
  answers: ['Amberflow'],
  supporting: ['Korsa is the capital of Veltria.', 'The Amberflow river runs through Korsa from the northern hills.'],
  documents: [
    { title: 'Veltria', text: 'Veltria is a small inland country. Korsa is the capital of Veltria. It is known for glass making.' },
    { title: 'Glass making', text: 'Glass making needs sand, soda ash and limestone. Furnaces run day and night.' },
    { title: 'Korsa', text: 'Korsa has three bridges. The Amberflow river runs through Korsa from the northern hills.' },
    { title: 'Northern hills', text: 'The northern hills are covered in pine forest. Shepherds keep goats there.' },
    { title: 'Pine forest', text: 'Pine forests are common in cool climates. Their needles stay green in winter.' },
  ],
};

const article: Example = {
  id: 'fixture-article-1',
  task: 'qa',
  source: 'fixture',
  question: 'In what year did the observatory open? ',
  answers: ['1911'],
  supporting: ['The observatory on Mount Tessel opened in 1911 after nine years of building.'],
  context:
    'Mount Tessel\n\nMount Tessel is the highest peak of the Orvan range. Its summit is often above the clouds.\n\n' +
    'The observatory on Mount Tessel opened in 1911 after nine years of building. Its first telescope came from a shipyard workshop.\n\n' +
    'A cable car reaches the summit in summer. In winter the road is closed and supplies arrive by sled.',
};

const chatLog: Example = {
  id: 'fixture-chat-1',
  task: 'conversation',
  source: 'fixture',
  question: 'What instrument did Ana start learning?',
  answers: ['cello'],
  supporting: ['I finally started cello lessons last week.'],
  context: [
    '[Session 1 - 9:00 am on 1 May, 2023]',
    'Ana: Hi Ben! How was your weekend?',
    'Ben: Great, I went hiking by the lake. You?',
    'Ana: I finally started cello lessons last week. My teacher is very patient.',
    'Ben: That is wonderful, how often do you practise?',
    '[Session 2 - 6:30 pm on 9 May, 2023]',
    'Ana: Every evening for half an hour. My neighbours are kind about it.',
    'Ben: I baked bread today, it came out flat again.',
    'Ana: Maybe the yeast was old. Try a warmer spot for the dough.',
    'Ben: Good idea, the kitchen was cold because the window was open all day.',
    '[Session 3 - 8:15 am on 20 May, 2023]',
    'Ben: Morning! My sister is visiting from the coast next weekend.',
    'Ana: How lovely. Are you taking her to the market on Saturday?',
    'Ben: Yes, and maybe to the old harbour museum if it does not rain.',
    'Ana: The museum has a new exhibit about lighthouse keepers, she might enjoy it.',
    'Ben: Thanks for the tip, I will check the opening hours tonight.',
  ].join('\n'),
};

const meeting: Example = {
  id: 'fixture-meeting-1',
  task: 'meeting',
  source: 'fixture',
  question: 'What did the group decide about the budget review?',
  answers: [],
  supporting: ['We move the budget review to the second week of March so finance can join.'],
  context: [
    'Chair A: Let us start with the schedule for next quarter.',
    'Member B: The venue is booked for all four sessions already.',
    'Chair A: We move the budget review to the second week of March so finance can join.',
    'Member C: Fine by me, I will tell the finance team today.',
  ].join('\n'),
};

const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** A data directory holding the fixtures under the file names the suite reads. */
function fixtureDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'chat-shapes-'));
  tempDirs.push(dir);
  const line = (e: Example): string => `${JSON.stringify(e)}\n`;
  writeFileSync(join(dir, 'hotpotqa_distractor.jsonl'), line(multihop) + line({ ...multihop, id: 'fixture-multihop-2' }));
  writeFileSync(join(dir, 'squad_article.jsonl'), line(article));
  writeFileSync(
    join(dir, 'niah_paulgraham.jsonl'),
    line({ ...article, id: 'fixture-needle-1', task: 'needle', context: article.context!.replace(/\n\n/g, '\n') }),
  );
  writeFileSync(join(dir, 'locomo_conversation.jsonl'), line(chatLog));
  writeFileSync(join(dir, 'qmsum_meeting.jsonl'), line(meeting));
  return dir;
}

describe('chat-shapes builders', () => {
  it('builds every RAG phrasing as [system, user] holding every document and the question verbatim', () => {
    for (let v = 0; v < RAG_VARIANTS.length; v++) {
      const c = buildRag(multihop, 'hotpotqa_distractor', v);
      expect(c.variant).toBe(RAG_VARIANTS[v]!.name);
      expect(c.messages.map((m) => m.role)).toEqual(['system', 'user']);
      const user = c.messages[1]!.content!;
      expect(user).toContain(multihop.question);
      for (const d of multihop.documents!) expect(user).toContain(`${d.title}\n${d.text}`);
      expect(validateRequest(c.messages, { question: c.question })).toEqual([]);
      expect(questionKept(c.messages, c.question, 'rag')).toBe(true);
      // render with every piece left out keeps the frame and the question
      expect(c.render(c.pieces.map(() => ''))[1]!.content).toContain(multihop.question);
    }
    // the phrasing is a deterministic function of the example id
    expect(buildRag(multihop, 'hotpotqa_distractor').variant).toBe(buildRag(multihop, 'hotpotqa_distractor').variant);
    const variants = new Set(Array.from({ length: 30 }, (_, i) => buildRag({ ...multihop, id: `v${i}` }, 't').variant));
    expect(variants.size).toBeGreaterThan(3);
  });

  it('splits an article into paragraphs (title on the first) and a haystack into line-aligned chunks', () => {
    const c = buildRag(article, 'squad_article', 0);
    expect(c.pieces).toHaveLength(3);
    expect(c.pieces[0]!.title).toBe('Mount Tessel');
    expect(c.question).toBe('In what year did the observatory open?');
    const chunks = chunkLines(Array.from({ length: 50 }, (_, i) => `line ${i} of the essay text`).join('\n'), 200);
    expect(chunks.length).toBeGreaterThan(3);
    expect(chunks.map((p) => p.text).join('\n')).toBe(Array.from({ length: 50 }, (_, i) => `line ${i} of the essay text`).join('\n'));
  });

  it('builds an agent loop: task, then 2-4 search calls each answered by the next tool result, documents in order', () => {
    for (let i = 0; i < 12; i++) {
      const c = buildAgent({ ...multihop, id: `agent-${i}` }, 'hotpotqa_distractor');
      const roles = c.messages.map((m) => m.role);
      expect(roles.slice(0, 2)).toEqual(['system', 'user']);
      expect(c.messages[1]!.content).toContain(multihop.question);
      const results = c.messages.filter((m) => m.role === 'tool');
      expect(results.length).toBeGreaterThanOrEqual(2);
      expect(results.length).toBeLessThanOrEqual(4);
      expect(roles.slice(2)).toEqual(results.flatMap(() => ['assistant', 'tool']));
      expect(roles[roles.length - 1]).toBe('tool');
      expect(results.map((m) => m.content).join('\n\n')).toBe(multihop.documents!.map((d) => `${d.title}\n${d.text}`).join('\n\n'));
      for (const m of c.messages.filter((x) => x.role === 'assistant')) {
        const args = JSON.parse(m.tool_calls![0]!.function.arguments) as { query: string };
        expect(typeof args.query).toBe('string');
      }
      expect(validateRequest(c.messages)).toEqual([]);
    }
    expect(splitEven(10, 3)).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
    ]);
    expect(allocate(40, [1, 1, 1])).toEqual([14, 13, 13]);
    expect(allocate(40, [3, 1])).toEqual([30, 10]);
  });

  it('builds a conversation: one message per line, headers joined, question last', () => {
    const c = buildConversation(chatLog, 'locomo_conversation');
    expect(c.messages.map((m) => m.role)).toEqual([
      'system',
      ...['user', 'assistant', 'user', 'assistant', 'user', 'assistant', 'user', 'assistant', 'assistant', 'user', 'assistant', 'user', 'assistant'],
      'user',
    ]);
    expect(c.messages[9]!.content).toBe('[Session 3 - 8:15 am on 20 May, 2023]\nBen: Morning! My sister is visiting from the coast next weekend.');
    expect(c.messages[1]!.content).toBe('[Session 1 - 9:00 am on 1 May, 2023]\nAna: Hi Ben! How was your weekend?');
    expect(c.messages[c.messages.length - 1]).toEqual({ role: 'user', content: chatLog.question });
    expect(validateRequest(c.messages, { question: c.question })).toEqual([]);
    // the harness count is compressChat's
    expect(countMessages(c.messages, tokenizer)).toBe(countChatTokens(c.messages, { tokenizer }));
    const agent = buildAgent(multihop, 'hotpotqa_distractor');
    expect(countMessages(agent.messages, tokenizer)).toBe(countChatTokens(agent.messages, { tokenizer }));
  });
});

describe('validateRequest', () => {
  const call = (id: string) => ({ id, type: 'function', function: { name: 'search', arguments: '{"query":"x"}' } });
  const good = [
    { role: 'system', content: 'sys' },
    { role: 'user', content: 'task' },
    { role: 'assistant', content: null, tool_calls: [call('a'), call('b')] },
    { role: 'tool', tool_call_id: 'a', content: 'one' },
    { role: 'tool', tool_call_id: 'b', content: 'two' },
    { role: 'user', content: 'What now?' },
  ];

  it('accepts a valid request', () => {
    expect(validateRequest(good, { question: 'What now?' })).toEqual([]);
  });

  it.each([
    ['not an array', {}],
    ['an empty array', []],
    ['an unknown role', [{ role: 'human', content: 'hi' }]],
    [
      'a system message after a user message',
      [
        { role: 'user', content: 'hi' },
        { role: 'system', content: 'sys' },
      ],
    ],
    [
      'an orphan tool message',
      [
        { role: 'user', content: 'hi' },
        { role: 'tool', tool_call_id: 'a', content: 'x' },
      ],
    ],
    [
      'an unanswered tool call',
      [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: null, tool_calls: [call('a'), call('b')] },
        { role: 'tool', tool_call_id: 'a', content: 'x' },
      ],
    ],
    [
      'a tool result after an intervening message',
      [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: null, tool_calls: [call('a')] },
        { role: 'user', content: 'hm' },
        { role: 'tool', tool_call_id: 'a', content: 'x' },
      ],
    ],
    [
      'a call answered twice',
      [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: null, tool_calls: [call('a')] },
        { role: 'tool', tool_call_id: 'a', content: 'x' },
        { role: 'tool', tool_call_id: 'a', content: 'y' },
      ],
    ],
    [
      'an assistant message with neither content nor calls',
      [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: null },
      ],
    ],
    [
      'a tool message without tool_call_id',
      [
        { role: 'assistant', content: null, tool_calls: [call('a')] },
        { role: 'tool', content: 'x' },
      ],
    ],
    [
      'a malformed tool call',
      [
        { role: 'assistant', content: null, tool_calls: [{ id: 'a', function: { name: 'f' } }] },
        { role: 'tool', tool_call_id: 'a', content: 'x' },
      ],
    ],
    ['a non-text content', [{ role: 'user', content: 42 }]],
  ])('rejects %s', (_, messages) => {
    expect(validateRequest(messages).length).toBeGreaterThan(0);
  });

  it('rejects a request whose last user message lost or changed the question', () => {
    expect(validateRequest(good.slice(0, 5), { question: 'What now?' })).toContain('the last message is not a user message');
    expect(validateRequest([...good.slice(0, 5), { role: 'user', content: 'What now' }], { question: 'What now?' })).toContain(
      'the question is not verbatim in the last user message',
    );
    expect(
      questionKept(
        [
          { role: 'user', content: 'What now?' },
          { role: 'assistant', content: 'x' },
        ],
        'What now?',
        'rag',
      ),
    ).toBe(false);
    expect(
      questionKept(
        [
          { role: 'user', content: 'Find out: What now?' },
          { role: 'tool', content: 'x' },
        ],
        'What now?',
        'agent',
      ),
    ).toBe(true);
  });
});

describe('trimLast (LangChain trimMessages, strategy last)', () => {
  // LangChain's documented example: every string message is 3 + 4 + 3 = 10 tokens, a message of blocks 3 + 4·blocks + 3
  const text = 'This is a 4 token text. The full message is 10 tokens.';
  const messages = [
    { role: 'system', content: text },
    { role: 'user', content: text, id: 'first' },
    {
      role: 'assistant',
      content: [
        { type: 'text', text: 'This is the FIRST 4 token block.' },
        { type: 'text', text: 'This is the SECOND 4 token block.' },
      ],
      id: 'second',
    },
    { role: 'user', content: text, id: 'third' },
    { role: 'assistant', content: text, id: 'fourth' },
  ] as unknown as OpenAIMessage[];
  const dummyCounter = (list: readonly OpenAIMessage[]): number =>
    list.reduce((sum, m) => sum + (Array.isArray(m.content) ? 6 + 4 * (m.content as unknown[]).length : 10), 0);
  const ids = (list: readonly OpenAIMessage[]) => list.map((m) => (m as unknown as { id?: string }).id ?? m.role);

  it('keeps the system message and the last whole messages that fit', () => {
    expect(ids(trimLast(messages, { maxTokens: 30, tokenCounter: dummyCounter, allowPartial: false }))).toEqual(['system', 'third', 'fourth']);
  });

  it('with allowPartial keeps the last content block of the first message that does not fit', () => {
    const out = trimLast(messages, { maxTokens: 40, tokenCounter: dummyCounter, allowPartial: true });
    expect(ids(out)).toEqual(['system', 'second', 'third', 'fourth']);
    expect(out[1]!.content).toEqual([{ type: 'text', text: 'This is the SECOND 4 token block.' }]);
  });

  it('with startOn human drops kept messages until the oldest is a user message', () => {
    expect(ids(trimLast(messages, { maxTokens: 40, tokenCounter: dummyCounter, allowPartial: true, startOn: ['user'] }))).toEqual([
      'system',
      'third',
      'fourth',
    ]);
  });

  it('with endOn cuts the input back to the last message of that role first', () => {
    // input cut to [system, first, second, third]; 20 tokens left: third (10) fits, second (14) does not
    expect(ids(trimLast(messages, { maxTokens: 30, tokenCounter: dummyCounter, allowPartial: false, endOn: ['user'] }))).toEqual(['system', 'third']);
    expect(ids(trimLast(messages, { maxTokens: 40, tokenCounter: dummyCounter, allowPartial: false, endOn: ['user'] }))).toEqual(['system', 'second', 'third']);
  });

  it('cuts a string message to its last lines, by the newline splitter', () => {
    const lines = Array.from({ length: 20 }, (_, i) => `line number ${i}`).join('\n');
    const list: OpenAIMessage[] = [
      { role: 'system', content: 'be brief' },
      { role: 'user', content: lines },
    ];
    const counter = (l: readonly OpenAIMessage[]) => countMessages(l, tokenizer);
    // room for the last 5 lines: "line number N\n" is 4 test tokens, the last line 3
    const budget = countMessages([list[0]!], tokenizer) + 4 + 4 * 5 - 1;
    const out = trimLast(list, { maxTokens: budget, tokenCounter: counter, startOn: ['user'] });
    expect(out).toHaveLength(2);
    expect(out[1]!.content).toBe(Array.from({ length: 5 }, (_, i) => `line number ${15 + i}`).join('\n'));
    expect(counter(out)).toBeLessThanOrEqual(budget);
    expect(newlineSplitter('a\nb\n')).toEqual(['a\n', 'b\n', '']);
    expect(newlineSplitter('a\nb\n').join('')).toBe('a\nb\n');
  });

  it('returns everything when it fits, and the system message alone when nothing else does', () => {
    const counter = (l: readonly OpenAIMessage[]) => countMessages(l, tokenizer);
    const c = buildRag(multihop, 'hotpotqa_distractor', 0);
    expect(trimLast(c.messages, { maxTokens: 100_000, tokenCounter: counter })).toEqual(c.messages);
    expect(trimLast(c.messages, { maxTokens: 5, tokenCounter: counter })).toEqual([c.messages[0]]);
  });

  it('on an agent loop keeps the latest tool results: orphans without startOn, the system message alone with it', () => {
    const c = buildAgent({ ...multihop, id: 'agent-3' }, 'hotpotqa_distractor');
    const counter = (l: readonly OpenAIMessage[]) => countMessages(l, tokenizer);
    const budget = Math.floor(counter(c.messages) / 4);
    const raw = trimLast(c.messages, { maxTokens: budget, tokenCounter: counter });
    const last = c.messages[c.messages.length - 1]!;
    expect(raw[raw.length - 1]).toMatchObject({ role: 'tool', tool_call_id: last.tool_call_id });
    expect(last.content!.endsWith(raw[raw.length - 1]!.content!)).toBe(true);
    expect(counter(raw)).toBeLessThanOrEqual(budget);
    expect(validateRequest(raw).some((p) => p.includes('not a call of the assistant message'))).toBe(true);
    expect(trimLast(c.messages, { maxTokens: budget, tokenCounter: counter, startOn: ['user'] })).toEqual([c.messages[0]]);
  });
});

describe('bm25 sentences and the text path', () => {
  it('render valid requests within the budget that keep the evidence', () => {
    for (const c of [
      buildRag(multihop, 'hotpotqa_distractor', 0),
      buildAgent(multihop, 'hotpotqa_distractor'),
      buildConversation(chatLog, 'locomo_conversation'),
    ]) {
      const original = countMessages(c.messages, tokenizer);
      const budget = Math.floor(original / 1.5); // the fixtures are small: their fixed parts are a large share
      const bm25 = bm25Request(c.messages, prepareBm25(c.messages, c.question, tokenizer), budget, tokenizer);
      const text = textPathRequest(c, budget, tokenizer);
      for (const out of [bm25, text]) {
        expect(countMessages(out, tokenizer)).toBeLessThanOrEqual(budget);
        expect(countMessages(out, tokenizer)).toBeGreaterThan(budget * 0.6);
        expect(validateRequest(out, c.shape === 'agent' ? {} : { question: c.question })).toEqual([]);
        expect(out[0]).toEqual(c.messages[0]);
      }
      const kept = text.map((m) => m.content ?? '').join('\n');
      expect(kept).toContain(c.example.supporting[0]);
    }
  });
});

describe('runChatShapes', () => {
  it('counts thrown calls and invalid outputs without crashing (injected compressChat)', async () => {
    const flaky: CompressChatFn = (messages, options) => {
      const list = messages as OpenAIMessage[];
      if (list.length === 2) throw new CtxpressError('BUDGET_UNSATISFIABLE', 'pinned part too large');
      if (list.some((m) => m.role === 'tool'))
        return { messages: list.filter((m) => m.role !== 'assistant'), tokens: { original: 0, compressed: 0, budget: 0 } };
      return compressChat(messages, options);
    };
    const result = await runChatShapes({ dataDir: fixtureDataDir(), tokenizer, limit: 2, compressChat: flaky });
    expect(result.samples).toEqual({
      rag: { hotpotqa_distractor: 1, squad_article: 1, niah_paulgraham: 0 },
      agent: { hotpotqa_distractor: 1, squad_article: 1 },
      conversation: { locomo_conversation: 1, qmsum_meeting: 0 }, // the fixture file has one conversation
    });
    const row = (shape: string, method: string, ratio: number) => result.rows.find((r) => r.shape === shape && r.method === method && r.ratio === ratio)!;
    expect(row('rag', 'ctxpress-chat', 4)).toMatchObject({
      n: 2,
      errors: 2,
      errorCodes: { BUDGET_UNSATISFIABLE: 2 },
      answer: 0,
      supporting: 0,
      questionKept: null,
    });
    expect(row('agent', 'ctxpress-chat', 4)).toMatchObject({ errors: 0, invalid: 2 });
    expect(row('conversation', 'ctxpress-chat', 2)).toMatchObject({ errors: 0, invalid: 0, overBudget: 0 });
    expect(row('agent', 'trim-last-nostart', 4).invalid).toBeGreaterThan(0);
    // the other baselines keep the structure valid; they may lose the question (trim-last cuts it off with the start of the prompt)
    for (const r of result.records.filter((x) => x.method !== 'ctxpress-chat' && x.method !== 'trim-last-nostart')) {
      for (const p of r.problems) expect(p).toMatch(/question|last message/);
    }
    // bm25 and the text path never go over budget; trim-last only when the system message alone is over it (LangChain keeps it)
    const over = result.records.filter((x) => x.tokens !== null && x.tokens > x.budget);
    expect(over.filter((x) => x.method === 'bm25-sentences' || x.method === 'ctxpress-text')).toEqual([]);
    const systemTokens: Record<string, number> = {
      rag: countMessages([buildRag(multihop, 't', 0).messages[0]!], tokenizer),
      agent: countMessages([buildAgent(multihop, 't').messages[0]!], tokenizer),
      conversation: countMessages([buildConversation(chatLog, 'locomo_conversation').messages[0]!], tokenizer),
    };
    for (const x of over.filter((r) => r.method.startsWith('trim-last'))) expect(x.tokens).toBe(systemTokens[x.shape]);
    expect(over.filter((x) => x.method.startsWith('trim-last')).length).toBeGreaterThan(0); // the tiny fixtures at 10x
    expect(row('agent', 'ctxpress-chat', 4).overBudget).toBe(2); // the fake only drops the assistant messages
    expect(result.countMismatches).toBe(0);
    expect(result.markdown).toContain('## rag (hotpotqa_distractor 1, squad_article 1, niah_paulgraham 0)');
    expect(result.markdown).toContain('rag BUDGET_UNSATISFIABLE: 6');
    expect(result.markdown).toContain('not a call of the assistant message before its run');
    expect(result.summary.split('\n')).toHaveLength(2 + 3 * 5);
  });

  const data = dataDirectory();
  const noData = skipWithoutData('chat-shapes end-to-end run', [...new Set(Object.values(SHAPE_SOURCES).flatMap((sources) => sources.map((source) => `${source.task}.jsonl`)))], data);
  it.skipIf(noData)('runs end to end on a tiny sample of shared/data with the real compressChat', async () => {
    const result = await runChatShapes({ dataDir: data, tokenizer, limit: 3 });
    expect(Object.values(result.samples).map((s) => Object.values(s).reduce((a, b) => a + b, 0))).toEqual([3, 3, 3]);
    expect(result.rows).toHaveLength(3 * 5 * 3);
    for (const r of result.rows) {
      expect(r.n).toBe(3);
      // the baselines never go over budget; they only fail (NO_ROOM) when the request's fixed parts alone are over it
      if (r.method !== 'ctxpress-chat') expect(r.overBudget).toBe(0);
      if (r.method.startsWith('trim-last')) expect(r.errors).toBe(0);
      for (const code of Object.keys(r.errorCodes)) expect(r.method === 'ctxpress-chat' || code === 'NO_ROOM').toBe(true);
    }
    expect(result.markdown).toContain('## compressChat outputs');
  });
});
