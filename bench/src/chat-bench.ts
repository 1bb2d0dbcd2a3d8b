/**
 * Chat-history compression bench: conversational evidence retention on LoCoMo, and how much of the prompt stays an
 * identical prefix as a conversation grows (what provider prompt caches need).
 *
 * Messages from an example: every `Speaker: text` line of the `context` becomes one message, the first speaker's as
 * `user` and the other speaker's as `assistant` (content `Speaker: text`, so names survive); a `[Session …]` header line
 * is prepended (with a newline) to the next message; the `question` is the final user message. The metric is the
 * fraction of `supporting` strings whose normalised form (metrics.ts `normalize`) survives in the normalised text of the
 * compressed messages, at 2x/4x/10x of the chat token count (compressChat's: text + 4 tokens per message), against
 * "keep the last messages that fit" and seeded random messages (the final question always kept by both).
 *
 * Prefix stability: a 50-turn conversation from LoCoMo lines (user/assistant) with a synthetic `search_memory` tool
 * call and result every 3rd turn, compressed after every turn at a fixed budget (a quarter of the final
 * conversation's tokens); for each call, the share of its tokens in leading messages identical to the previous call's
 * output; mean over calls 2..50, with and without `prefixStable`; the budget use (tokens / budget) of the calls whose
 * conversation exceeds the budget; and the upper bound no policy can pass on this conversation (every call keeps the
 * whole previous prompt and fills the budget: the messages new in a call cannot be in the previous prompt).
 * @module
 */
import { compressChatSync as compressChat } from '@ctxpress/core';
import type { Budget, Tokenizer } from '@ctxpress/core';
import { join } from 'node:path';
import { hashSeed, seededShuffle } from './baselines.js';
import { loadTask, spreadSample, type Example } from './data.js';
import { normalize, supportingRetention } from './metrics.js';

/** The subset of `compressChat` the bench calls (`@ctxpress/core`'s export once wired; injectable for tests). */
export type CompressChatFn = (
  messages: unknown[],
  options: { budget: Budget; tokenizer: Tokenizer; keepLastTurns?: number; prefixStable?: boolean; query?: string },
) => { messages: unknown[]; tokens: { original: number; compressed: number; budget: number } };

export interface ChatBenchOptions {
  readonly dataDir: string;
  readonly tokenizer: Tokenizer;
  /** Examples of LoCoMo to run (spread over the file); default all. */
  readonly limit?: number;
  /** Default: `compressChat` from `@ctxpress/core`. */
  readonly compressChat?: CompressChatFn;
}

export interface ChatBenchRow {
  readonly ratio: number;
  readonly examples: number;
  /** Mean supporting-string retention per method. */
  readonly ctxpress: number;
  readonly lastTurns: number;
  readonly random: number;
  /** Mean tokens / budget of ctxpress's output (≤ 1). */
  readonly fill: number;
}

export interface PrefixStability {
  readonly turns: number;
  readonly budget: number;
  /** Mean share of each call's tokens in a prefix identical to the previous call's output. */
  readonly prefixStable: number;
  readonly relevance: number;
  /** Calls whose prefix broke (share < 0.5). */
  readonly breaksPrefixStable: number;
  readonly breaksRelevance: number;
  /** Calls whose conversation exceeds the budget (the ones compressed). */
  readonly overBudgetCalls: number;
  /** Mean tokens / budget of the calls whose conversation exceeds the budget. */
  readonly usePrefixStable: number;
  readonly useRelevance: number;
  /** Mean share if every call kept the whole previous prompt and filled the budget (an upper bound for any policy). */
  readonly bound: number;
}

export interface ChatBenchResult {
  readonly rows: ChatBenchRow[];
  readonly prefix: PrefixStability;
  readonly markdown: string;
}

const RATIOS = [2, 4, 10] as const;
const OVERHEAD = 4;

interface Message {
  role: string;
  content: string | null;
  tool_calls?: unknown[];
  tool_call_id?: string;
}

/** LoCoMo `context` lines as chat messages (see the module comment). */
export function locomoMessages(context: string): Message[] {
  const out: Message[] = [];
  let header = '';
  let first: string | undefined;
  for (const raw of context.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('[Session')) {
      header += `${line}\n`;
      continue;
    }
    const colon = line.indexOf(':');
    const speaker = colon > 0 ? line.slice(0, colon) : '';
    first ??= speaker;
    out.push({ role: speaker === first ? 'user' : 'assistant', content: header + line });
    header = '';
  }
  return out;
}

function findLocomo(dataDir: string): string {
  return join(dataDir, 'locomo_conversation.jsonl');
}

/** Tokens as compressChat counts them for these plain messages (text + arguments + 4 per message). */
function countMessages(messages: readonly Message[], tokenizer: Tokenizer): number {
  let total = 0;
  for (const m of messages) {
    total += OVERHEAD + (m.content === null ? 0 : tokenizer.count(m.content));
    for (const c of m.tool_calls ?? []) total += tokenizer.count((c as { function: { arguments: string } }).function.arguments);
  }
  return total;
}

function textOf(messages: readonly unknown[]): string {
  return messages.map((m) => (m as Message).content ?? '').join('\n');
}

/** Keeps `order` (message indices) while they fit, the final question first; output in conversation order. */
function fill(messages: readonly Message[], order: Iterable<number>, budget: number, tokenizer: Tokenizer): Message[] {
  const last = messages.length - 1;
  const keep = new Set<number>([last]);
  let used = countMessages([messages[last]!], tokenizer);
  for (const i of order) {
    if (i === last) continue;
    const cost = countMessages([messages[i]!], tokenizer);
    if (used + cost > budget) continue;
    keep.add(i);
    used += cost;
  }
  return messages.filter((_, i) => keep.has(i));
}

function lastTurnsBaseline(messages: readonly Message[], budget: number, tokenizer: Tokenizer): Message[] {
  const order: number[] = [];
  for (let i = messages.length - 2; i >= 0; i--) order.push(i);
  // stop at the first message that does not fit: "the last turns that fit" is a contiguous tail
  const last = messages.length - 1;
  let used = countMessages([messages[last]!], tokenizer);
  let start = last;
  for (const i of order) {
    const cost = countMessages([messages[i]!], tokenizer);
    if (used + cost > budget) break;
    used += cost;
    start = i;
  }
  return messages.slice(start);
}

function randomBaseline(messages: readonly Message[], budget: number, tokenizer: Tokenizer, seed: number): Message[] {
  return fill(messages, seededShuffle(messages.length, seed), budget, tokenizer);
}

function resolveCompressChat(options: ChatBenchOptions): CompressChatFn {
  if (options.compressChat) return options.compressChat;
  const fn: unknown = compressChat;
  return fn as CompressChatFn;
}

/** The 50-turn conversation of the prefix-stability measurement, as one growing list of messages per turn. */
export function growingConversation(lines: readonly Message[], turns: number): Message[][] {
  const system: Message = { role: 'system', content: 'You are a friendly assistant that remembers what the user told you in earlier sessions.' };
  const snapshots: Message[][] = [];
  const history: Message[] = [system];
  for (let t = 0; t < turns; t++) {
    const user = lines[(2 * t) % lines.length]!;
    const reply = lines[(2 * t + 1) % lines.length]!;
    history.push({ role: 'user', content: user.content });
    if (t % 3 === 2) {
      const id = `call_${t}`;
      const query = (user.content ?? '').split(/\s+/).slice(1, 6).join(' ');
      const found = [lines[(2 * t + 7) % lines.length]!, lines[(2 * t + 13) % lines.length]!, lines[(2 * t + 21) % lines.length]!];
      history.push({
        role: 'assistant',
        content: null,
        tool_calls: [{ id, type: 'function', function: { name: 'search_memory', arguments: JSON.stringify({ query, limit: 3 }) } }],
      });
      history.push({ role: 'tool', tool_call_id: id, content: found.map((m) => m.content).join('\n') });
    }
    history.push({ role: 'assistant', content: reply.content });
    snapshots.push(history.map((m) => ({ ...m })));
  }
  return snapshots;
}

function prefixShare(previous: readonly unknown[], current: readonly unknown[], tokenizer: Tokenizer): number {
  const cost = (m: unknown): number => countMessages([m as Message], tokenizer);
  let same = 0;
  let total = 0;
  let prefix = true;
  current.forEach((m, k) => {
    const c = cost(m);
    total += c;
    if (prefix && k < previous.length && JSON.stringify(previous[k]) === JSON.stringify(m)) same += c;
    else prefix = false;
  });
  return total === 0 ? 1 : same / total;
}

export function measurePrefix(lines: readonly Message[], tokenizer: Tokenizer, compressChat: CompressChatFn, turns = 50): PrefixStability {
  const snapshots = growingConversation(lines, turns);
  const totals = snapshots.map((messages) => countMessages(messages, tokenizer));
  const budget = Math.floor(totals[totals.length - 1]! / 4);
  const over = totals.filter((total) => total > budget).length;
  const run = (prefixStable: boolean): { mean: number; breaks: number; use: number } => {
    let previous: unknown[] | undefined;
    let sum = 0;
    let breaks = 0;
    let use = 0;
    snapshots.forEach((messages, t) => {
      const result = compressChat(messages, { budget: { tokens: budget }, tokenizer, keepLastTurns: 2, prefixStable });
      if (totals[t]! > budget) use += result.tokens.compressed / budget;
      if (previous) {
        const share = prefixShare(previous, result.messages, tokenizer);
        sum += share;
        if (share < 0.5) breaks++;
      }
      previous = result.messages;
    });
    return { mean: sum / (snapshots.length - 1), breaks, use: over === 0 ? 1 : use / over };
  };
  const stable = run(true);
  const relevance = run(false);
  let bound = 0;
  for (let t = 1; t < snapshots.length; t++) bound += 1 - (totals[t]! - totals[t - 1]!) / Math.min(totals[t]!, budget);
  return {
    turns,
    budget,
    prefixStable: stable.mean,
    relevance: relevance.mean,
    breaksPrefixStable: stable.breaks,
    breaksRelevance: relevance.breaks,
    overBudgetCalls: over,
    usePrefixStable: stable.use,
    useRelevance: relevance.use,
    bound: bound / (snapshots.length - 1),
  };
}

const f3 = (x: number): string => x.toFixed(3);

export async function runChatBench(options: ChatBenchOptions): Promise<ChatBenchResult> {
  const { tokenizer } = options;
  const compressChat = resolveCompressChat(options);
  const task = loadTask(findLocomo(options.dataDir));
  const examples: Example[] = spreadSample(task.examples, options.limit).filter((e) => typeof e.context === 'string' && e.supporting.length > 0);
  const sums = RATIOS.map(() => ({ ctxpress: 0, lastTurns: 0, random: 0, fill: 0, n: 0 }));
  for (const example of examples) {
    const messages = [...locomoMessages(example.context!), { role: 'user', content: example.question }];
    const original = countMessages(messages, tokenizer);
    RATIOS.forEach((ratio, r) => {
      const budget = Math.floor(original / ratio);
      const score = (out: readonly unknown[]): number => supportingRetention(normalize(textOf(out)), example.supporting) ?? 0;
      const result = compressChat(messages, { budget: { tokens: budget }, tokenizer });
      const s = sums[r]!;
      s.ctxpress += score(result.messages);
      s.lastTurns += score(lastTurnsBaseline(messages, budget, tokenizer));
      s.random += score(randomBaseline(messages, budget, tokenizer, hashSeed(example.id)));
      s.fill += result.tokens.compressed / budget;
      s.n++;
    });
  }
  const rows: ChatBenchRow[] = RATIOS.map((ratio, r) => {
    const s = sums[r]!;
    const d = s.n || 1;
    return { ratio, examples: s.n, ctxpress: s.ctxpress / d, lastTurns: s.lastTurns / d, random: s.random / d, fill: s.fill / d };
  });
  const lines = examples.length > 0 ? locomoMessages(examples[0]!.context!) : [];
  const prefix =
    lines.length >= 2
      ? measurePrefix(lines, tokenizer, compressChat)
      : {
          turns: 0,
          budget: 0,
          prefixStable: 0,
          relevance: 0,
          breaksPrefixStable: 0,
          breaksRelevance: 0,
          overBudgetCalls: 0,
          usePrefixStable: 0,
          useRelevance: 0,
          bound: 0,
        };
  const markdown = [
    `Chat history (LoCoMo, ${rows[0]?.examples ?? 0} examples, tokenizer ${tokenizer.name}): supporting-evidence retention`,
    '',
    '| ratio | compressChat | last turns that fit | random (seeded) | budget fill |',
    '|---|---|---|---|---|',
    ...rows.map((row) => `| ${row.ratio}x | **${f3(row.ctxpress)}** | ${f3(row.lastTurns)} | ${f3(row.random)} | ${f3(row.fill)} |`),
    '',
    `Prefix stability over a ${prefix.turns}-turn conversation (budget ${prefix.budget} tokens): share of each call's prompt identical to the previous call's prefix; budget use over the ${prefix.overBudgetCalls} calls whose conversation exceeds the budget`,
    '',
    '| mode | mean identical-prefix share | calls with share < 0.5 | budget use |',
    '|---|---|---|---|',
    `| prefixStable: true | **${f3(prefix.prefixStable)}** | ${prefix.breaksPrefixStable} | ${f3(prefix.usePrefixStable)} |`,
    `| default (relevance) | ${f3(prefix.relevance)} | ${prefix.breaksRelevance} | ${f3(prefix.useRelevance)} |`,
    `| upper bound: every call keeps the whole previous prompt and fills the budget | ${f3(prefix.bound)} | 0 | 1.000 |`,
    '',
  ].join('\n');
  return { rows, prefix, markdown };
}
