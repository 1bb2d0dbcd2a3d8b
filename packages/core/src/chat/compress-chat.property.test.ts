/**
 * Property tests over generated agent conversations with tool calls, in all three formats: the output is a valid
 * request for its provider, the system prompt and tool calls survive verbatim, every text is input text or a
 * placeholder, and the budget holds (or BUDGET_UNSATISFIABLE exactly when the pinned part alone is over it).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { wordTokenizer } from '../testing/index.js';
import { isCtxpressError } from '../errors.js';
import { chatCacheKeys, compressChat, MESSAGE_OVERHEAD } from './compress-chat.js';
import { MIN_CUT_TOKENS } from './relevance.js';
import { memoryCacheStore } from '../cache/store.js';
import type { ChatFormat } from './types.js';

const tokenizer = wordTokenizer();
const WORDS = [
  'budget',
  'token',
  'the',
  'cache',
  'prefers',
  'error',
  'never',
  'my',
  'name',
  'is',
  'Ada',
  'report',
  'rover',
  'battery',
  'limits',
  'search',
  'docs',
  'result',
  '42',
  'x_1',
  'always',
  'tool',
  'plan',
  'decided',
  'JSON',
];

interface Tool {
  readonly name: string;
  readonly args: Record<string, unknown>;
  readonly result: string;
}
interface Turn {
  readonly user: string;
  readonly lead: string | null;
  readonly tools: readonly Tool[];
  readonly answer: string;
}
interface Conversation {
  readonly system: string;
  readonly turns: readonly Turn[];
}

// sentences start with a capital letter (as in real text), so the sentence splitter can cut between them
const sentence = fc
  .array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 12 })
  .map((w) => `${w.join(' ')}.`)
  .map((t) => t.charAt(0).toUpperCase() + t.slice(1));
const text = fc.array(sentence, { minLength: 1, maxLength: 5 }).map((s) => s.join(' '));
const toolArb = fc.record({
  name: fc.constantFrom('search_docs', 'read_file', 'run_tests'),
  args: fc.dictionary(fc.constantFrom('q', 'path', 'limit'), fc.oneof(fc.string({ maxLength: 8 }), fc.integer())),
  result: fc.oneof(
    text,
    text.map((t) => JSON.stringify({ ok: true, lines: t.split('. ') })),
  ),
});
const turnArb = fc.record({ user: text, lead: fc.option(text, { nil: null }), tools: fc.array(toolArb, { maxLength: 3 }), answer: text });
const conversationArb: fc.Arbitrary<Conversation> = fc.record({ system: text, turns: fc.array(turnArb, { minLength: 1, maxLength: 9 }) });

/** The conversation in one format; `system` is separate for Anthropic. */
function render(c: Conversation, format: ChatFormat): { messages: unknown[]; system?: string } {
  const out: unknown[] = [];
  let id = 0;
  if (format !== 'anthropic') out.push({ role: 'system', content: c.system });
  for (const turn of c.turns) {
    out.push(format === 'ai-sdk' ? { role: 'user', content: [{ type: 'text', text: turn.user }] } : { role: 'user', content: turn.user });
    if (turn.tools.length > 0) {
      const ids = turn.tools.map(() => `call_${id++}`);
      if (format === 'openai') {
        out.push({
          role: 'assistant',
          content: turn.lead,
          tool_calls: turn.tools.map((t, k) => ({ id: ids[k], type: 'function', function: { name: t.name, arguments: JSON.stringify(t.args) } })),
        });
        turn.tools.forEach((t, k) => out.push({ role: 'tool', tool_call_id: ids[k], content: t.result }));
      } else if (format === 'anthropic') {
        out.push({
          role: 'assistant',
          content: [
            ...(turn.lead ? [{ type: 'text', text: turn.lead }] : []),
            ...turn.tools.map((t, k) => ({ type: 'tool_use', id: ids[k], name: t.name, input: t.args })),
          ],
        });
        out.push({
          role: 'user',
          content: turn.tools.map((t, k) => ({
            type: 'tool_result',
            tool_use_id: ids[k],
            content: k % 2 === 0 ? t.result : [{ type: 'text', text: t.result }],
          })),
        });
      } else {
        out.push({
          role: 'assistant',
          content: [
            ...(turn.lead ? [{ type: 'text', text: turn.lead }] : []),
            ...turn.tools.map((t, k) => ({ type: 'tool-call', toolCallId: ids[k], toolName: t.name, input: t.args })),
          ],
        });
        out.push({
          role: 'tool',
          content: turn.tools.map((t, k) => ({
            type: 'tool-result',
            toolCallId: ids[k],
            toolName: t.name,
            output: k % 2 === 0 ? { type: 'text', value: t.result } : t.result,
          })),
        });
      }
    }
    out.push({ role: 'assistant', content: turn.answer });
  }
  return format === 'anthropic' ? { messages: out, system: c.system } : { messages: out };
}

type Rec = Record<string, unknown>;
const parts = (m: Rec): Rec[] => (Array.isArray(m['content']) ? (m['content'] as Rec[]) : []);

/** Every text in a message with its kind, and its tool calls, read independently of the adapters. */
function inspect(m: Rec, format: ChatFormat): { texts: string[]; calls: Array<{ id: string; json: string; args: string }>; results: string[] } {
  const texts: string[] = [];
  const calls: Array<{ id: string; json: string; args: string }> = [];
  const results: string[] = [];
  if (typeof m['content'] === 'string') texts.push(m['content']);
  if (format === 'openai') {
    for (const c of (m['tool_calls'] as Rec[] | undefined) ?? [])
      calls.push({ id: c['id'] as string, json: JSON.stringify(c), args: (c['function'] as Rec)['arguments'] as string });
    if (m['role'] === 'tool') results.push(m['tool_call_id'] as string);
    for (const p of parts(m)) if (p['type'] === 'text') texts.push(p['text'] as string);
  } else if (format === 'anthropic') {
    for (const p of parts(m)) {
      if (p['type'] === 'text') texts.push(p['text'] as string);
      if (p['type'] === 'tool_use') calls.push({ id: p['id'] as string, json: JSON.stringify(p), args: JSON.stringify(p['input']) });
      if (p['type'] === 'tool_result') {
        results.push(p['tool_use_id'] as string);
        const inner = p['content'];
        if (typeof inner === 'string') texts.push(inner);
        else for (const q of inner as Rec[]) texts.push(q['text'] as string);
      }
    }
  } else {
    for (const p of parts(m)) {
      if (p['type'] === 'text') texts.push(p['text'] as string);
      if (p['type'] === 'tool-call') calls.push({ id: p['toolCallId'] as string, json: JSON.stringify(p), args: JSON.stringify(p['input']) });
      if (p['type'] === 'tool-result') {
        results.push(p['toolCallId'] as string);
        const o = p['output'];
        texts.push(typeof o === 'string' ? o : ((o as Rec)['value'] as string));
      }
    }
  }
  return { texts, calls, results };
}

function chatTokens(messages: readonly Rec[], format: ChatFormat, system: string | undefined): number {
  let total = system === undefined ? 0 : tokenizer.count(system) + MESSAGE_OVERHEAD;
  for (const m of messages) {
    const { texts, calls } = inspect(m, format);
    total += MESSAGE_OVERHEAD + texts.reduce((s, t) => s + tokenizer.count(t), 0) + calls.reduce((s, c) => s + tokenizer.count(c.args), 0);
  }
  return total;
}

/** Provider rules on tool pairing and role order. */
function assertValidRequest(messages: readonly Rec[], format: ChatFormat): void {
  if (format === 'anthropic') {
    expect(messages.length).toBeGreaterThan(0);
    expect(messages[0]!['role']).toBe('user');
    // merge consecutive same-role messages, then: every tool_use answered in the next message, every result answers the previous
    const merged: Rec[][] = [];
    let last: unknown;
    for (const m of messages) {
      const content = typeof m['content'] === 'string' ? [{ type: 'text', text: m['content'] }] : parts(m);
      expect(content.length).toBeGreaterThan(0);
      if (m['role'] === last) merged[merged.length - 1]!.push(...content);
      else merged.push([...content]);
      last = m['role'];
    }
    merged.forEach((blocks, k) => {
      const uses = blocks.filter((b) => b['type'] === 'tool_use').map((b) => b['id']);
      const next = (merged[k + 1] ?? []).filter((b) => b['type'] === 'tool_result').map((b) => b['tool_use_id']);
      const answered = blocks.filter((b) => b['type'] === 'tool_result').map((b) => b['tool_use_id']);
      const prev = k > 0 ? merged[k - 1]!.filter((b) => b['type'] === 'tool_use').map((b) => b['id']) : [];
      for (const u of uses) expect(next).toContain(u);
      for (const a of answered) expect(prev).toContain(a);
    });
    return;
  }
  // OpenAI and AI SDK: results in tool messages right after the assistant message that made the calls
  let open = new Set<string>();
  for (const m of messages) {
    const { calls, results } = inspect(m, format);
    if (m['role'] === 'tool') {
      for (const r of results) {
        expect(open.has(r)).toBe(true);
        open.delete(r);
      }
      continue;
    }
    expect([...open]).toEqual([]);
    open = new Set(calls.map((c) => c.id));
  }
  expect([...open]).toEqual([]);
}

const STUB = tokenizer.count('[tool result from search_docs omitted: 99,999 tokens]');
const PLACEHOLDER = /^\[(?:(?:tool result(?: from \w+)?|system|user|assistant|developer|tool) (?:message )?omitted: [\d,]+ tokens|omitted)\]$/;

describe.each(['openai', 'anthropic', 'ai-sdk'] as const)('compressChat properties (%s)', (format) => {
  it('outputs a valid request within budget, with the system prompt, the question and tool calls intact, using the budget', () => {
    const seen = new Set<string>();
    const fills: number[] = [];
    fc.assert(
      fc.property(
        conversationArb,
        fc.double({ min: 0.02, max: 1.1, noNaN: true }),
        fc.integer({ min: 0, max: 3 }),
        fc.boolean(),
        fc.boolean(),
        (c, share, keepLastTurns, prefixStable, explicit) => {
          const { messages, system } = render(c, format);
          const input = JSON.parse(JSON.stringify(messages)) as Rec[];
          const tokens = Math.max(1, Math.floor(chatTokens(input, format, system) * share));
          const options = {
            budget: { tokens },
            tokenizer,
            keepLastTurns,
            prefixStable,
            ...(explicit ? { format } : {}),
            ...(system !== undefined ? { system } : {}),
          };
          let result;
          try {
            result = compressChat(messages, options);
          } catch (error) {
            if (!isCtxpressError(error)) throw error;
            expect(error.code).toBe('BUDGET_UNSATISFIABLE');
            // only when the fixed part alone is over the budget: the system prompt, the question (the latest user
            // message, short here) and the tool calls made since it, each result as a placeholder or whole (whichever
            // is shorter; the placeholder counted at its longest)
            const userStarts = input.map((m, i) => (m['role'] === 'user' && inspect(m, format).results.length === 0 ? i : -1)).filter((i) => i >= 0);
            const q = userStarts[userStarts.length - 1] ?? 0;
            let fixed = chatTokens(input.filter((m, i) => i === q || m['role'] === 'system'), format, system);
            input.forEach((m, i) => {
              if (i <= q) return;
              const { calls, results } = inspect(m, format);
              if (calls.length === 0 && results.length === 0) return;
              fixed += MESSAGE_OVERHEAD + calls.reduce((sum, c) => sum + tokenizer.count(c.args), 0);
              if (results.length > 0) fixed += inspect(m, format).texts.reduce((sum, t) => sum + Math.min(tokenizer.count(t), STUB), 0);
            });
            expect(fixed).toBeGreaterThan(tokens);
            return;
          }
          expect(messages).toEqual(input); // input untouched
          const out = JSON.parse(JSON.stringify(result.messages)) as Rec[];
          expect(out).toEqual(result.messages);
          assertValidRequest(out, format);
          const total = chatTokens(out, format, system);
          expect(total).toBe(result.tokens.compressed);
          expect(total).toBeLessThanOrEqual(Math.max(tokens, result.tokens.original));
          if (result.tokens.original > tokens) {
            expect(total).toBeLessThanOrEqual(tokens);
            if (tokens >= 150 && !prefixStable) {
              // under 90 % only when nothing more can go in: every kept message whole, only whole tool exchanges
              // (indivisible: calls are never cut) left out, and JSON tool results, which are cut in JSON-shaped
              // steps (compressJson) or replaced
              const exhausted = result.decisions.every((d) => {
                if (d.fidelity === 'full' || d.fidelity === 'pinned') return true;
                const io = inspect(input[d.index]!, format);
                if (d.fidelity !== 'dropped') return io.results.length > 0 && io.texts.every((t) => t.startsWith('{'));
                if (io.calls.length > 0 || io.results.length > 0) return true;
                // text parts under MIN_CUT_TOKENS are kept whole or dropped, never cut: such a message that does not
                // fit whole in what is left could not go in
                return io.texts.every((t) => tokenizer.count(t) < MIN_CUT_TOKENS) && d.tokensBefore > tokens - total;
              });
              if (!exhausted) fills.push(total / tokens);
            }
          }
          // the question (the latest user request, short here) is kept verbatim
          const lastUser = input.findLastIndex((m) => m['role'] === 'user' && inspect(m, format).results.length === 0);
          if (lastUser >= 0) expect(out).toContainEqual(input[lastUser]);
          // system prompt never dropped or changed
          if (format !== 'anthropic') expect(out[0]).toEqual(input[0]);
          // output messages are the kept input messages in order; roles, ids and tool calls verbatim; text is input text or a placeholder
          for (const d of result.decisions) seen.add(d.fidelity);
          const kept = result.decisions.filter((d) => d.fidelity !== 'dropped');
          expect(kept).toHaveLength(out.length);
          kept.forEach((d, k) => {
            const before = input[d.index]!;
            const after = out[k]!;
            expect(after['role']).toBe(before['role']);
            expect(after['tool_call_id']).toBe(before['tool_call_id']);
            const a = inspect(after, format);
            const b = inspect(before, format);
            expect(a.calls).toEqual(b.calls);
            expect(a.results).toEqual(b.results);
            if (d.fidelity === 'pinned' || d.fidelity === 'full') expect(after).toEqual(before);
            const source = b.texts.join('\n');
            for (const [j, t] of a.texts.entries()) {
              if (PLACEHOLDER.test(t)) continue;
              // a JSON tool result is cut as JSON: what is left still parses
              if (b.texts.some((x) => x.startsWith('{')) && t.startsWith('{') && !b.texts.includes(t)) {
                expect(() => JSON.parse(t), `text ${j}`).not.toThrow();
                continue;
              }
              for (const piece of t.split('\n')) expect(source).toContain(piece);
            }
          });
        },
      ),
      { numRuns: 300 },
    );
    // the generated cases exercise every fidelity
    expect([...seen].sort()).toEqual(['compressed', 'dropped', 'full', 'pinned', 'placeholder']);
    // the budget is used: on budgets of 150+ tokens, every output that could hold more fills at least 90 % of it
    expect(fills.length).toBeGreaterThan(20);
    expect(Math.min(...fills)).toBeGreaterThanOrEqual(0.9);
  });

  it('is deterministic and extends a prefix byte-identically in prefix-stable mode while the checkpoint holds', () => {
    fc.assert(
      fc.property(conversationArb, turnArb, fc.integer({ min: 60, max: 300 }), (c, extra, tokens) => {
        const a = render(c, format);
        const b = render({ ...c, turns: [...c.turns, extra] }, format);
        const opts = { budget: { tokens }, tokenizer, prefixStable: true, keepLastTurns: 1, ...(a.system !== undefined ? { system: a.system } : {}) };
        let ra, rb;
        try {
          ra = compressChat(a.messages, opts);
          rb = compressChat(b.messages, opts);
        } catch (error) {
          if (isCtxpressError(error) && error.code === 'BUDGET_UNSATISFIABLE') return;
          throw error;
        }
        expect(compressChat(a.messages, opts)).toEqual(ra);
        // prefix stability holds only while the pinned tail fits (otherwise relevance mode takes over)
        if (ra.mode !== 'prefix-stable' || rb.mode !== 'prefix-stable') return;
        // when nothing was dropped in either call, the earlier output's compacted part is a prefix of the later one
        const droppedA = ra.decisions.some((d) => d.fidelity === 'dropped');
        const droppedB = rb.decisions.some((d) => d.fidelity === 'dropped');
        if (droppedA || droppedB) return;
        const compactedA = ra.decisions.filter((d) => d.fidelity === 'compressed' || d.fidelity === 'placeholder').map((d) => d.index);
        const end = compactedA.length === 0 ? 0 : Math.max(...compactedA) + 1;
        expect(rb.messages.slice(0, end)).toEqual(ra.messages.slice(0, end));
      }),
      { numRuns: 100 },
    );
  });
});

/** Lengths of the prefixes of `render(c, format).messages` that are whole requests: after a user message, an exchange or an answer. */
function requestEnds(c: Conversation, format: ChatFormat): number[] {
  const ends: number[] = [];
  let at = format === 'anthropic' ? 0 : 1;
  for (const turn of c.turns) {
    ends.push(++at);
    if (turn.tools.length > 0) ends.push((at += 1 + (format === 'openai' ? turn.tools.length : 1)));
    ends.push(++at);
  }
  return ends;
}

const longConversationArb: fc.Arbitrary<Conversation> = fc.record({ system: text, turns: fc.array(turnArb, { minLength: 4, maxLength: 16 }) });

describe.each(['openai', 'anthropic', 'ai-sdk'] as const)('compressChat prefix-stable growth (%s)', (format) => {
  it('keeps the earlier output byte-identical up to its last compacted message, across compactions, until a drop', () => {
    let compared = 0;
    let compacted = 0;
    fc.assert(
      fc.property(
        longConversationArb,
        fc.double({ min: 0.15, max: 0.9, noNaN: true }),
        fc.integer({ min: 0, max: 2 }),
        fc.nat(),
        fc.integer({ min: 1, max: 4 }),
        (c, share, keepLastTurns, x, steps) => {
          const { messages, system } = render(c, format);
          const ends = requestEnds(c, format);
          expect(ends[ends.length - 1]).toBe(messages.length);
          // the conversation grew by `steps` requests (a turn is two or three: the user message, an exchange, the answer)
          const at = x % ends.length;
          const k1 = ends[at]!;
          const k2 = ends[Math.min(ends.length - 1, at + steps)]!;
          const tokens = Math.max(1, Math.floor(chatTokens(messages.slice(0, k2) as Rec[], format, system) * share));
          const opts = { budget: { tokens }, tokenizer, prefixStable: true, keepLastTurns, ...(system !== undefined ? { system } : {}) };
          let ra, rb;
          try {
            ra = compressChat(messages.slice(0, k1), opts);
            rb = compressChat(messages.slice(0, k2), opts);
          } catch (error) {
            if (isCtxpressError(error) && error.code === 'BUDGET_UNSATISFIABLE') return;
            throw error;
          }
          if (ra.mode !== 'prefix-stable' || rb.mode !== 'prefix-stable') return;
          // a drop (C2 moving) removes a message the earlier output kept: then the whole prefix may change
          if (ra.decisions.some((d) => d.fidelity !== 'dropped' && rb.decisions[d.index]!.fidelity === 'dropped')) return;
          compared++;
          // every message up to the last one compacted or dropped (all before C1) is as it was
          const shortened = ra.decisions
            .filter((d) => d.fidelity === 'compressed' || d.fidelity === 'placeholder' || d.fidelity === 'dropped')
            .map((d) => d.index);
          const end = shortened.length === 0 ? 0 : Math.max(...shortened) + 1;
          if (end > 0) compacted++;
          const keptA = ra.decisions.filter((d) => d.index < end && d.fidelity !== 'dropped').map((d) => d.index);
          const keptB = rb.decisions.filter((d) => d.index < end && d.fidelity !== 'dropped').map((d) => d.index);
          expect(keptB).toEqual(keptA);
          expect(rb.messages.slice(0, keptA.length)).toEqual(ra.messages.slice(0, keptA.length));
        },
      ),
      { numRuns: 300 },
    );
    expect(compared).toBeGreaterThan(40);
    expect(compacted).toBeGreaterThan(30);
  });
});

describe('compressChat with a cache', () => {
  it('gives the same output as without, turn after turn of a growing conversation, reading only keys chatCacheKeys names', () => {
    fc.assert(
      fc.property(
        conversationArb,
        fc.constantFrom('openai', 'anthropic', 'ai-sdk') as fc.Arbitrary<ChatFormat>,
        fc.integer({ min: 2, max: 6 }),
        fc.boolean(),
        (c, format, ratio, prefixStable) => {
          const store = memoryCacheStore();
          const read: string[] = [];
          const spy = { name: 'spy', get: (key: string) => (read.push(key), store.get(key)), set: (key: string, value: Uint8Array) => store.set(key, value) };
          for (let t = 1; t <= c.turns.length; t++) {
            const { messages, system } = render({ system: c.system, turns: c.turns.slice(0, t) }, format);
            const options = { budget: { ratio }, tokenizer, keepLastTurns: 1, prefixStable, ...(system === undefined ? {} : { system }) };
            let plain: unknown;
            try {
              plain = compressChat(messages, options);
            } catch (error) {
              plain = isCtxpressError(error) ? error.code : error;
            }
            read.length = 0;
            let cached: unknown;
            try {
              cached = compressChat(messages, { ...options, cache: { store: spy } });
            } catch (error) {
              cached = isCtxpressError(error) ? error.code : error;
            }
            expect(cached).toEqual(plain);
            const named = new Set(chatCacheKeys(messages, options));
            for (const key of read) expect(named.has(key)).toBe(true);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('reuses the earlier turns: a conversation that grew by a turn only adds entries for the new messages', () => {
    const long = (k: number): string =>
      Array.from({ length: 12 }, (_, j) => `Sentence ${j} of message ${k} talks about the rover battery and budget number ${k * 100 + j}.`).join(' ');
    const history: Array<{ role: string; content: string }> = [{ role: 'system', content: 'You help.' }];
    const store = memoryCacheStore();
    let found = 0;
    let looked = 0;
    const spy = {
      name: 'spy',
      get: (key: string) => {
        looked++;
        const v = store.get(key);
        if (v !== undefined) found++;
        return v;
      },
      set: (key: string, value: Uint8Array) => store.set(key, value),
    };
    for (let t = 0; t < 8; t++) {
      history.push({ role: 'user', content: long(2 * t) }, { role: 'assistant', content: long(2 * t + 1) });
      found = 0;
      looked = 0;
      const options = { budget: { tokens: 700 }, tokenizer, keepLastTurns: 1 };
      const cached = compressChat(history, { ...options, cache: { store: spy } });
      expect(cached).toEqual(compressChat(history, options));
      // every message but the two new ones has its count cached by now
      if (t > 0) expect(found).toBeGreaterThanOrEqual(2 * t);
      expect(looked).toBeGreaterThan(found - 1);
    }
    const size = store.size;
    compressChat(history, { budget: { tokens: 700 }, tokenizer, keepLastTurns: 1, cache: { store } });
    expect(store.size).toBe(size); // the same call again computes nothing new
  });

  it('rejects a malformed cache option with INVALID_OPTION', () => {
    expect(() => compressChat([{ role: 'user', content: 'hi' }], { budget: { ratio: 2 }, tokenizer, cache: { store: {} } as never })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION' }),
    );
  });
});

describe('compressChat on bad input', () => {
  it('never crashes: a result or a coded CtxpressError, for junk and for conversations with a message removed or mangled', () => {
    const junk = fc.array(fc.oneof(fc.anything(), fc.record({ role: fc.constantFrom('user', 'assistant', 'tool', 'system', 'x'), content: fc.anything() })), {
      maxLength: 8,
    });
    const mangled = fc
      .tuple(conversationArb, fc.constantFrom('openai', 'anthropic', 'ai-sdk') as fc.Arbitrary<ChatFormat>, fc.nat(), fc.anything(), fc.boolean())
      .map(([c, format, k, value, remove]) => {
        const { messages } = render(c, format);
        const i = k % messages.length;
        if (remove) messages.splice(i, 1);
        else messages[i] = { ...(messages[i] as Rec), content: value };
        return messages;
      });
    fc.assert(
      fc.property(fc.oneof(junk, mangled), fc.integer({ min: 1, max: 200 }), fc.boolean(), (messages, tokens, prefixStable) => {
        try {
          const result = compressChat(messages, { budget: { tokens }, tokenizer, prefixStable, keepLastTurns: 1 });
          expect(result.tokens.compressed).toBeLessThanOrEqual(Math.max(tokens, result.tokens.original));
        } catch (error) {
          if (!isCtxpressError(error)) throw error;
          expect(['INVALID_INPUT', 'BUDGET_UNSATISFIABLE']).toContain(error.code);
          if (error.code === 'INVALID_INPUT') expect(error.message).toMatch(/^messages(\[\d+\])?/);
        }
      }),
      { numRuns: 500 },
    );
  });
});
