/**
 * Relevance mode of `compressChat`, on the shared pipeline: every message text that may be cut becomes one or more
 * sources (long texts are cut into passages at paragraph breaks, like the allocator does for one long text) of ONE
 * `compressSync` call, so the whole conversation competes for the budget under the same scoring, allocation and
 * selection as documents. Roles, turns, recency and importance enter as a per-message prior (a scorer); what must not
 * change (system prompt, the question, tool calls, the last turns when they fit) is a fixed cost outside the pipeline.
 * The result is recounted exactly per message and the elastic budget calibrated until it fits and fills the budget.
 * docs/decisions/0014-chat-on-the-shared-pipeline.md.
 * @module
 */
import { compressSync, defaultPipeline, prepareCompression, type PreparedCompression } from '../compress.js';
import { exactCount } from '../exact-count.js';
import { CtxpressError, isCtxpressError } from '../errors.js';
import { activeDeadline, rethrowIfStopped } from '../deadline.js';
import { compressJson } from '../json/compress-json.js';
import type { Scorer, Tokenizer, DocumentInput } from '../types.js';
import type { WeightedScorer } from '../options.js';
import type { SegmentCacheOptions } from '../cache/segment-cache.js';
import { getSync, setQuietly, type CacheStore } from '../cache/store.js';
import { hasNonSpace, paragraphRanges } from '../text/paragraphs.js';
import { findQuestion } from './question.js';
import { isImportant } from './importance.js';
import type { ChatStructure } from './structure.js';
import type { ChatFidelity, ChatMessage } from './types.js';
import type { CountedConversation, MessageOutcome } from './conversation.js';

/** A latest user message with at most this many text tokens is the question as a whole. */
export const QUESTION_WHOLE_TOKENS = 250;
/** Long texts are cut into sources of about this many characters (~400 tokens) at paragraph or line breaks. */
export const PASSAGE_CHARS = 1600;
/** Weight of the per-message prior (recency, importance, last turns) beside the relevance scorers. */
export const PRIOR_WEIGHT = 0.2;
/** Weight of the adjacent messages' relevance (see `messageNeighbourScorer`). */
export const MESSAGE_NEIGHBOUR_WEIGHT = 0.8;
/** The tool-result placeholder when the descriptive one (`[tool result from X omitted: N tokens]`) does not fit. */
export const SHORT_PLACEHOLDER = '[omitted]';
/** Stop calibrating once the output uses this share of the budget. */
export const FILL_TARGET = 0.97;
const MAX_ATTEMPTS = 7;
/** A text slot with fewer tokens is kept whole or dropped, never cut. */
export const MIN_CUT_TOKENS = 32;
/** The refill pass cuts a dropped message into the slack only when at least this many tokens of text fit. */
const MIN_REFILL_TOKENS = 8;

export interface RelevanceInput extends CountedConversation {
  readonly budget: number;
  readonly query: string | undefined;
  readonly halfLife: number;
  readonly keep: readonly (string | RegExp)[] | undefined;
}

export interface RelevanceResult {
  readonly outcomes: MessageOutcome[];
  readonly compressed: number;
}

/** One source of the pipeline call: a passage of one slot. */
export interface Piece {
  readonly message: number;
  readonly slot: number;
  /** Offset of the passage in the slot's text. */
  readonly offset: number;
}

/** What the question analysis decided for the latest user message. */
interface QuestionPlan {
  readonly message: number;
  /** Whole message fixed. */
  readonly whole: boolean;
  /** Per slot: fixed ranges (question/instruction), or 'all' for a slot kept whole. */
  readonly fixed: ReadonlyMap<number, ReadonlyArray<readonly [number, number]> | 'all'>;
  readonly query: string;
}

function textTokens(input: RelevanceInput, i: number): number {
  const m = input.messages[i]!;
  let t = 0;
  m.slots.forEach((s, k) => {
    if (s.kind === 'text') t += input.slotTokens[i]![k]!;
  });
  return t;
}

/** The latest user request: whole when short, else its question/instruction ranges (see question.ts). */
function planQuestion(input: RelevanceInput): QuestionPlan | undefined {
  const { structure, messages } = input;
  const q = structure.turnStarts[structure.turnStarts.length - 1];
  if (q === undefined) return undefined;
  const m = messages[q]!;
  const textSlots = m.slots.map((s, k) => (s.kind === 'text' ? k : -1)).filter((k) => k >= 0);
  const fixed = new Map<number, ReadonlyArray<readonly [number, number]> | 'all'>();
  if (textTokens(input, q) <= QUESTION_WHOLE_TOKENS || textSlots.length === 0) {
    return { message: q, whole: true, fixed, query: textSlots.map((k) => m.slots[k]!.text).join('\n') };
  }
  const last = textSlots[textSlots.length - 1]!;
  const queries: string[] = [];
  for (const k of textSlots) {
    const s = m.slots[k]!;
    if (k !== last) {
      // an earlier short text part (an instruction) stays whole; long ones are material
      if (input.slotTokens[q]![k]! <= 80) fixed.set(k, 'all');
      continue;
    }
    if (input.slotTokens[q]![k]! <= QUESTION_WHOLE_TOKENS) {
      fixed.set(k, 'all');
      queries.push(s.text);
      continue;
    }
    const parts = findQuestion(s.text);
    fixed.set(k, parts.ranges);
    queries.push(parts.query);
  }
  return { message: q, whole: false, fixed, query: queries.join('\n') };
}

/** The task of an agent step (the conversation ends with tool results): the request plus the assistant's steps since. */
function agentTask(input: RelevanceInput, question: QuestionPlan | undefined): string | undefined {
  const { messages } = input;
  let last = messages.length - 1;
  while (last >= 0 && messages[last]!.role === 'system') last--;
  if (last < 0 || messages[last]!.resultIds.length === 0) return undefined;
  const parts: string[] = question === undefined ? [] : [question.query];
  for (let i = question === undefined ? 0 : question.message + 1; i < messages.length; i++) {
    const m = messages[i]!;
    if (m.role !== 'assistant') continue;
    for (const s of m.slots) if (s.kind === 'text') parts.push(s.text);
    for (const c of m.calls) parts.push(`${c.name} ${c.args}`);
  }
  return parts.join('\n');
}

/** Cuts `[start, end)` of a text into passages of about `PASSAGE_CHARS` at paragraph breaks (line breaks when long). */
function passages(text: string, start: number, end: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let from = start;
  let lastPara = -1;
  for (let i = start; i < end; i++) {
    if (text.charCodeAt(i) !== 10) continue;
    let j = i + 1;
    while (j < end && (text.charCodeAt(j) === 32 || text.charCodeAt(j) === 9 || text.charCodeAt(j) === 13)) j++;
    if (j < end && text.charCodeAt(j) === 10) lastPara = j + 1;
    const size = i - from;
    if (size >= PASSAGE_CHARS && lastPara > from) {
      out.push([from, lastPara]);
      from = lastPara;
    } else if (size >= 3 * PASSAGE_CHARS) {
      out.push([from, i + 1]);
      from = i + 1;
    }
  }
  if (end > from) out.push([from, end]);
  return out.filter(([s, e]) => hasNonSpace(text, s, e));
}

/**
 * The default scorers the chat path builds on, made once: stages are stateless values (per-call state lives in the
 * scoring context), and sharing them keeps V8's optimized code for them (docs/decisions/0002-one-pass-token-counting.md).
 */
let chatScorers: { readonly query: readonly WeightedScorer[]; readonly agnostic: readonly WeightedScorer[]; readonly bm25: Scorer } | undefined;
function chatBaseScorers(): NonNullable<typeof chatScorers> {
  if (chatScorers === undefined) {
    const base = defaultPipeline();
    chatScorers = {
      // the default scorers but position (each message is a source: every message's first sentence would get it)
      query: base.queryScorers.filter((w) => !w.scorer.name.startsWith('position')),
      agnostic: base.agnosticScorers,
      bm25: base.queryScorers[0]!.scorer,
    };
  }
  return chatScorers;
}

/**
 * Relevance from the adjacent messages (an answer follows its question, a question precedes its answer): each unit gets
 * the best of the previous message's best base score × 0.8 (two back × 0.64) and the next message's × 0.5 (two ahead
 * × 0.25). Only between plain
 * conversational messages: tool results next to each other are independent observations.
 */
function messageNeighbourScorer(base: Scorer, pieceMessage: readonly number[], conversational: readonly boolean[]): Scorer {
  const messages = conversational.length;
  return {
    name: 'chat-neighbour',
    score(context) {
      const s = base.score(context);
      const units = context.segmentation.units;
      const best = new Float64Array(messages);
      for (let u = 0; u < units.length; u++) {
        const m = pieceMessage[units[u]!.source]!;
        if (s[u]! > best[m]!) best[m] = s[u]!;
      }
      const out = new Float64Array(units.length);
      for (let u = 0; u < units.length; u++) {
        const m = pieceMessage[units[u]!.source]!;
        if (!conversational[m]) continue;
        let v = Math.max(m > 0 && conversational[m - 1] ? best[m - 1]! * 0.8 : 0, m + 1 < messages && conversational[m + 1] ? best[m + 1]! * 0.5 : 0);
        if (m > 1 && conversational[m - 1] && conversational[m - 2]) v = Math.max(v, best[m - 2]! * 0.64);
        if (m + 2 < messages && conversational[m + 1] && conversational[m + 2]) v = Math.max(v, best[m + 2]! * 0.25);
        out[u] = v;
      }
      return out;
    },
  };
}

/**
 * Pasted documents: when a region is at least 3 blank-line-separated paragraphs and most of them start with a short
 * title line (no closing period, text after it), each paragraph is one titled document `[start, titleEnd, end)`, as
 * `compressSync` reads `{ title, text }` (the title is the source's first line, so offsets are unchanged). Otherwise
 * undefined (the region is cut into passages).
 */
function titledDocuments(text: string, start: number, end: number): Array<[number, number, number]> | undefined {
  const nonEmpty = paragraphRanges(text, start, end);
  if (nonEmpty.length < 3) return undefined;
  const out: Array<[number, number, number]> = [];
  let titledCount = 0;
  for (const [s, e] of nonEmpty) {
    const nl = text.indexOf('\n', s);
    const title = nl > s && nl < e ? text.slice(s, nl) : '';
    const isTitle = title.length > 0 && title.length <= 120 && !/[.!?:;,]["')\]]?\s*$/.test(title) && !title.includes('\r') && e - nl > 20;
    if (isTitle) {
      titledCount++;
      out.push([s, nl, e]);
    } else out.push([s, -1, e]);
  }
  if (titledCount < nonEmpty.length * 0.6) return undefined;
  // untitled paragraphs among titled ones: their own source with an empty title would shift offsets, so no title
  return out.map(([s, t, e]) => [s, t < 0 ? s - 1 : t, e]);
}

/** The per-message prior as a scorer over units: recency, importance, the last turns; old observations at half. */
function priorScorer(prior: Float64Array, pieceMessage: readonly number[]): Scorer {
  return {
    name: 'chat-prior',
    score(context) {
      const units = context.segmentation.units;
      const out = new Float64Array(units.length);
      for (let u = 0; u < units.length; u++) out[u] = prior[pieceMessage[units[u]!.source]!]!;
      return out;
    },
  };
}

function messagePriors(input: RelevanceInput, questionAt: number): Float64Array {
  const { messages, structure, halfLife } = input;
  const out = new Float64Array(messages.length);
  messages.forEach((m, i) => {
    const recency = Math.pow(0.5, structure.turnsAfter[i]! / halfLife);
    const tail = structure.pinned[i] === 1 ? 1 : 0;
    let v = 0.5 * recency + 0.25 * tail + (isImportant(m) ? 0.25 : 0);
    if (m.resultIds.length > 0 && i < questionAt) v *= 0.5;
    out[i] = v;
  });
  return out;
}

/** `[start, end)` ranges of a slot joined: original text across white-space-only gaps, `\n` elsewhere. */
function joinRanges(text: string, ranges: Array<readonly [number, number]>): string {
  ranges.sort((a, b) => a[0] - b[0]);
  let out = '';
  let lastEnd = -1;
  for (const [s, e] of ranges) {
    if (lastEnd < 0) out += text.slice(s, e);
    else if (s <= lastEnd) out += text.slice(lastEnd, Math.max(lastEnd, e));
    else out += (/^\s*$/.test(text.slice(lastEnd, s)) ? text.slice(lastEnd, s) : '\n') + text.slice(s, e);
    lastEnd = Math.max(lastEnd, e);
  }
  return out;
}

/** True when the ranges cover every non-space character of the text. */
function coversAll(text: string, ranges: ReadonlyArray<readonly [number, number]>): boolean {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  let at = 0;
  for (const [s, e] of sorted) {
    if (s > at && hasNonSpace(text, at, s)) return false;
    at = Math.max(at, e);
  }
  return !hasNonSpace(text, at, text.length);
}

/**
 * Compresses the conversation to `input.budget` (see the module comment). Throws BUDGET_UNSATISFIABLE only when the
 * system prompt, the question and the tool-call skeletons alone (plus `keep` matches) exceed the budget.
 */
export function compressByRelevance(input: RelevanceInput): RelevanceResult {
  const { messages, structure, tokenizer, budget, slotTokens, overhead, full, systemTokens } = input;
  const n = messages.length;
  const question = planQuestion(input);
  const questionAt = question?.message ?? -1;
  const query = input.query ?? agentTask(input, question) ?? question?.query;
  const placeholderCost = new Map<string, number>();
  /** Short stubs (`[omitted]`) when the fixed part would not fit with the descriptive ones. */
  let shortStubs = false;
  const stubs = new Map<string, string>();
  const resultPlaceholder = (i: number, k: number): string => {
    if (shortStubs) return SHORT_PLACEHOLDER;
    const key = `${i}:${k}`;
    let stub = stubs.get(key);
    if (stub === undefined) stubs.set(key, (stub = input.placeholder(messages[i]!.slots[k]!, i, slotTokens[i]![k]!)));
    return stub;
  };
  const countPlaceholder = (text: string): number => {
    let c = placeholderCost.get(text);
    if (c === undefined) placeholderCost.set(text, (c = tokenizer.count(text)));
    return c;
  };

  // --- fixed parts: system messages, the question, tool-call skeletons (calls + placeholder results) ---
  const whole = new Uint8Array(n); // kept whole, never cut
  const groups = structure.groupOf;
  const exchange = new Uint8Array(n); // part of a tool exchange (a call message, a result, or an item grouped with them)
  const exchangeGroups = new Set<number>();
  const membersOf = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    if (messages[i]!.calls.length > 0 || messages[i]!.resultIds.length > 0) exchangeGroups.add(groups[i]!);
    const members = membersOf.get(groups[i]!);
    if (members === undefined) membersOf.set(groups[i]!, [i]);
    else members.push(i);
    if (messages[i]!.role === 'system') whole[i] = 1;
  }
  for (let i = 0; i < n; i++) if (exchangeGroups.has(groups[i]!)) exchange[i] = 1;
  if (question?.whole === true) whole[questionAt] = 1;
  const questionFixed = question !== undefined && !question.whole ? question.fixed : undefined;
  /** Tokens of the question's fixed ranges in a long latest request (overhead included); 0 when it is kept whole. */
  let questionFixedTokens = 0;
  if (questionFixed !== undefined) {
    questionFixedTokens = overhead[questionAt]!;
    for (const [k, ranges] of questionFixed) {
      const text = messages[questionAt]!.slots[k]!.text;
      questionFixedTokens += ranges === 'all' ? slotTokens[questionAt]![k]! : exactCount(tokenizer, joinRanges(text, [...ranges]));
    }
  }
  const ownerTokens = (i: number, owner: number): number => {
    let t = 0;
    messages[i]!.slots.forEach((s, k) => {
      if (s.owner === owner) t += slotTokens[i]![k]!;
    });
    return t;
  };
  // The output must start with a user message when the input does (see firstUserFix): the user turn before the first
  // kept message comes back when that message is not a user message.
  const firstNonSystem = messages.findIndex((m) => m.role !== 'system');
  const needsUser = firstNonSystem >= 0 && messages[firstNonSystem]!.role === 'user';
  /** The nearest user turn start before each message (-1: none). */
  const prevUser = new Int32Array(n);
  for (let i = 0, last = -1; i < n; i++) {
    prevUser[i] = last;
    if (messages[i]!.role === 'user' && messages[i]!.resultIds.length === 0) last = i;
  }
  /** The first kept non-system message at or after `from` (n: none). */
  const firstKept = (keptAt: (i: number) => boolean, from = 0): number => {
    let i = from;
    while (i < n && (messages[i]!.role === 'system' || !keptAt(i))) i++;
    return i;
  };
  /** The user message to bring back before the first kept message `first`, or -1. */
  const userBefore = (first: number): number => (!needsUser || first >= n || messages[first]!.role === 'user' ? -1 : prevUser[first]!);
  /** A user message kept only to open the conversation: a placeholder, or the message itself when that is cheaper. */
  const opener = (u: number): MessageOutcome => {
    const m = messages[u]!;
    const marker = m.slots.length === 0 ? undefined : input.placeholder(m.slots[0]!, u, full[u]! - overhead[u]!);
    if (marker === undefined || full[u]! <= overhead[u]! + countPlaceholder(marker))
      return { texts: m.slots.map((s) => s.text), tokens: full[u]!, fidelity: 'full' };
    const texts: (string | null)[] = m.slots.map((s, k) => (k === 0 ? marker : s.path.some((step) => typeof step === 'number') ? null : ''));
    return { texts, tokens: overhead[u]! + countPlaceholder(marker), fidelity: 'placeholder' };
  };
  /** The skeleton of a message in an exchange: overhead + calls, results as placeholders. */
  const skeleton = (i: number): number => {
    const m = messages[i]!;
    let t = overhead[i]!;
    const owners = new Set<number>();
    m.slots.forEach((s, k) => {
      if (s.kind !== 'result' || owners.has(s.owner)) return;
      owners.add(s.owner);
      t += Math.min(countPlaceholder(resultPlaceholder(i, k)), ownerTokens(i, s.owner));
    });
    return t;
  };
  const droppedExchange = new Uint8Array(n);
  /** What message i adds to the fixed part: whole, or its skeleton when it is in an exchange. */
  const contribution = (i: number): number =>
    droppedExchange[i] === 1 ? 0 : whole[i] === 1 ? full[i]! : exchange[i] === 1 && i !== questionAt ? skeleton(i) : 0;
  const keptFixed = (i: number): boolean => droppedExchange[i] === 0 && (whole[i] === 1 || exchange[i] === 1 || i === questionAt);
  const minimum = (): number => {
    let t = systemTokens + questionFixedTokens;
    for (let i = 0; i < n; i++) t += contribution(i);
    const u = userBefore(firstKept(keptFixed));
    if (u >= 0 && whole[u] === 0) t += opener(u).tokens;
    return t;
  };
  let fixedMin = minimum();
  // older exchanges give way (dropped whole, oldest first) before the request fails; kept linear in the conversation:
  // the base is updated per dropped group, and the first kept message only moves forward
  if (fixedMin > budget) {
    let base = systemTokens + questionFixedTokens;
    for (let i = 0; i < n; i++) base += contribution(i);
    let first = 0;
    const openerTokens = (): number => {
      first = firstKept(keptFixed, first);
      const u = userBefore(first);
      return u >= 0 && whole[u] === 0 ? opener(u).tokens : 0;
    };
    for (let i = 0; i < n && fixedMin > budget; i++) {
      if (exchange[i] !== 1 || droppedExchange[i] === 1 || i >= questionAt || whole[i] === 1) continue;
      for (const j of membersOf.get(groups[i]!) ?? []) {
        if (j >= questionAt || droppedExchange[j] === 1) continue;
        base -= contribution(j);
        droppedExchange[j] = 1;
      }
      fixedMin = base + openerTokens();
    }
  }
  if (fixedMin > budget) {
    // the results' placeholders as short as they go
    shortStubs = true;
    fixedMin = minimum();
  }
  if (fixedMin > budget) {
    throw new CtxpressError(
      'BUDGET_UNSATISFIABLE',
      `The system prompt, the question and the tool calls alone need ${fixedMin} tokens, more than the budget of ${budget}. Raise the budget.`,
    );
  }
  // the last turns are kept whole when they fit beside the fixed part
  let tailExtra = 0;
  for (let i = 0; i < n; i++) {
    if (structure.pinned[i] !== 1 || whole[i] === 1 || i === questionAt) continue;
    tailExtra += full[i]! - (exchange[i] === 1 ? skeleton(i) : 0);
  }
  if (tailExtra > 0 && fixedMin + tailExtra <= budget) {
    for (let i = 0; i < n; i++) if (structure.pinned[i] === 1 && i !== questionAt) whole[i] = 1;
    fixedMin += tailExtra;
  }

  // --- sources: every cuttable text (passages of long ones); atomic JSON results as one source each ---
  const { pieces, documents } = elasticSources(messages, (i, k) => {
    if (whole[i] === 1 || droppedExchange[i] === 1) return 'all';
    return i === questionAt ? questionFixed?.get(k) : undefined;
  });
  const pieceMessage = pieces.map((p) => p.message);
  const prior = priorScorer(messagePriors(input, questionAt), pieceMessage);
  const base = chatBaseScorers();
  const bm25 = base.bm25;
  const queryScorers: WeightedScorer[] = [
    ...base.query,
    {
      scorer: messageNeighbourScorer(
        bm25,
        pieceMessage,
        messages.map((m) => m.calls.length === 0 && m.resultIds.length === 0),
      ),
      weight: MESSAGE_NEIGHBOUR_WEIGHT,
    },
    { scorer: prior, weight: PRIOR_WEIGHT },
  ];
  const agnosticScorers: WeightedScorer[] = [...base.agnostic, { scorer: prior, weight: 1 }];
  const hasQuery = query !== undefined && query.trim().length > 0;
  const cache = callCache(input.cache);

  // --- one attempt: select with an elastic budget, render every message, count exactly ---
  // the pipeline's budget-independent work (segmentation, counts, scores) once; each attempt only allocates and selects
  let prepared: PreparedCompression | undefined;
  const hasKeep = input.keep !== undefined && input.keep.length > 0;
  /** Exact counts of cut texts: calibration attempts and the refill produce the same cuts again, counted once. */
  const cutCounts = new Map<string, number>();
  const countCut = (text: string): number => {
    let c = cutCounts.get(text);
    if (c === undefined) cutCounts.set(text, (c = exactCount(tokenizer, text)));
    return c;
  };
  const minCut = MIN_CUT_TOKENS;
  /** One attempt; `undefined` when the `keep` matches alone do not fit `elastic`. */
  const attempt = (elastic: number): { outcomes: MessageOutcome[]; total: number } | undefined => {
    activeDeadline()?.check(); // options.timeLimitMs / signal of compressChat (deadline.ts)
    const kept = new Map<string, Array<readonly [number, number]>>(); // `${message}:${slot}` -> kept ranges in slot offsets
    if ((elastic >= 1 || hasKeep) && documents.length > 0) {
      let spans;
      try {
        prepared ??= prepareCompression(
          documents,
          {
            tokenizer,
            ...(hasQuery ? { query } : {}),
            ...(input.keep === undefined ? {} : { keep: input.keep }),
            pipeline: { queryScorers, agnosticScorers },
            ...(cache === undefined ? {} : { cache }),
          },
          // counted per passage, so a conversation that grew by a turn reuses the earlier passages' counts
          { countSourcesApart: true },
        );
        spans = prepared.select(elastic);
      } catch (error) {
        if (isCtxpressError(error) && error.code === 'BUDGET_UNSATISFIABLE') return undefined;
        throw error;
      }
      for (const span of spans) {
        const p = pieces[Number(span.sourceId)]!;
        const key = `${p.message}:${p.slot}`;
        const list = kept.get(key) ?? [];
        list.push([p.offset + span.start, p.offset + span.end]);
        kept.set(key, list);
      }
    }
    const outcomes: MessageOutcome[] = [];
    let total = systemTokens;
    for (let i = 0; i < n; i++) {
      const m = messages[i]!;
      if (droppedExchange[i] === 1) {
        outcomes.push({ texts: undefined, tokens: 0, fidelity: 'dropped' });
        continue;
      }
      if (whole[i] === 1) {
        outcomes.push({ texts: m.slots.map((s) => s.text), tokens: full[i]!, fidelity: 'pinned' });
        total += full[i]!;
        continue;
      }
      const texts: (string | null)[] = [];
      const original: boolean[] = [];
      m.slots.forEach((s, k) => {
        const fixed = i === questionAt ? questionFixed?.get(k) : undefined;
        if (fixed === 'all') {
          texts.push(s.text);
          original.push(true);
          return;
        }
        const ranges: Array<readonly [number, number]> = [...(fixed ?? []), ...(kept.get(`${i}:${k}`) ?? [])];
        if (ranges.length === 0) {
          texts.push(null);
          original.push(false);
        } else if (coversAll(s.text, ranges) || (slotTokens[i]![k]! < minCut && fixed === undefined)) {
          // whole, or short: a short message loses its sense when cut and saves little (kept whole instead)
          texts.push(s.text);
          original.push(true);
        } else if (s.atomic) {
          texts.push(shrinkJson(s.text, ranges, slotTokens[i]![k]!, tokenizer, query));
          original.push(false);
        } else {
          texts.push(joinRanges(s.text, ranges));
          original.push(false);
        }
      });
      // a block (owner) with nothing left: a tool result becomes a placeholder, a text part is removed
      const owners = new Map<number, number[]>();
      m.slots.forEach((s, k) => {
        const list = owners.get(s.owner);
        if (list === undefined) owners.set(s.owner, [k]);
        else list.push(k);
      });
      let placeholders = 0;
      for (const ks of owners.values()) {
        if (ks.some((k) => texts[k] !== null)) continue;
        const first = m.slots[ks[0]!]!;
        if (first.kind !== 'result') continue;
        const marker = resultPlaceholder(i, ks[0]!);
        if (countPlaceholder(marker) < ownerTokens(i, first.owner)) {
          texts[ks[0]!] = marker;
          placeholders++;
        } else {
          for (const k of ks) {
            texts[k] = m.slots[k]!.text;
            original[k] = true;
          }
        }
      }
      const anyText = texts.some((t) => t !== null);
      if (!anyText && exchange[i] === 0 && i !== questionAt) {
        outcomes.push({ texts: undefined, tokens: 0, fidelity: 'dropped' });
        continue;
      }
      // a string content cannot lose its only part: it becomes empty
      m.slots.forEach((s, k) => {
        if (texts[k] === null && !s.path.some((step) => typeof step === 'number')) texts[k] = '';
      });
      let tokens = overhead[i]!;
      texts.forEach((t, k) => {
        if (t === null) return;
        tokens += original[k] === true ? slotTokens[i]![k]! : countCut(t);
      });
      const nonEmpty = texts.filter((t) => t !== null && t !== '').length;
      const fidelity: ChatFidelity = original.every(Boolean) ? 'full' : placeholders > 0 && nonEmpty === placeholders ? 'placeholder' : 'compressed';
      outcomes.push({ texts, tokens, fidelity });
      total += tokens;
    }
    total += firstUserFix(outcomes);
    return { outcomes, total };
  };

  /**
   * When the input's first non-system message is a user message, the output's must be too (Anthropic requires it; applied
   * to every format): a dropped user message before the first kept one comes back (see `opener`). Returns the tokens added.
   */
  const firstUserFix = (outcomes: MessageOutcome[]): number => {
    const u = userBefore(firstKept((i) => outcomes[i]!.texts !== undefined));
    if (u < 0) return 0;
    outcomes[u] = opener(u);
    return outcomes[u].tokens;
  };

  // --- calibration: the selector's estimate misses message overheads and joins; measure and adjust ---
  let elasticOverhead = 0;
  for (let i = 0; i < n; i++) if (whole[i] === 0 && droppedExchange[i] === 0 && exchange[i] === 0 && i !== questionAt) elasticOverhead += overhead[i]!;
  // start pessimistic (every cuttable message kept pays its overhead), but never below half of what the fixed part leaves
  let elastic = Math.max(budget - fixedMin - elasticOverhead, Math.floor((budget - fixedMin) / 2));
  let best: { outcomes: MessageOutcome[]; total: number } | undefined;
  let lowestOver = Number.POSITIVE_INFINITY;
  let highestFit = -1;
  const tried = new Set<number>();
  const room = budget - fixedMin;
  for (let k = 0; k < MAX_ATTEMPTS; k++) {
    const e = Math.max(0, Math.floor(elastic));
    if (tried.has(e) || e >= lowestOver || e <= highestFit) break;
    tried.add(e);
    const a = attempt(e);
    if (a === undefined) {
      // the keep matches need more than this: try all the room there is, once
      if (e >= room) break;
      elastic = room;
      continue;
    }
    if (a.total <= budget) {
      const grew = best === undefined || a.total > best.total;
      if (grew) best = a;
      highestFit = e;
      // full enough, nothing to cut, or a larger elastic budget kept nothing more (everything cuttable is in)
      if (a.total >= budget * FILL_TARGET || documents.length === 0 || !grew) break;
      const next = e + (budget - a.total);
      elastic = lowestOver === Number.POSITIVE_INFINITY ? next : Math.min(next, (e + lowestOver) / 2);
    } else {
      lowestOver = e;
      const next = e - (a.total - budget) - Math.ceil(budget * 0.005);
      elastic = highestFit >= 0 ? Math.max(next, (highestFit + e) / 2) : next;
    }
  }
  if (best === undefined) {
    best = attempt(0);
    if (best === undefined) {
      throw new CtxpressError(
        'BUDGET_UNSATISFIABLE',
        `The text matched by options.keep does not fit in the ${room} tokens the system prompt, the question and the tool calls leave of the budget of ${budget}. Raise the budget or keep less.`,
      );
    }
    if (best.total > budget) {
      throw new CtxpressError(
        'BUDGET_UNSATISFIABLE',
        `The fixed parts of the conversation need ${best.total} tokens, more than the budget of ${budget}. Raise the budget.`,
      );
    }
  }
  const refilled = refill(best.outcomes, budget - best.total);
  return { outcomes: best.outcomes, compressed: best.total + refilled };

  /**
   * Spends what calibration left (whole units are coarse: a JSON result, a long sentence): most recent first, a cut or
   * stubbed slot comes back whole, or a JSON result larger, or a dropped message whole, while it fits. Returns the
   * tokens added. Mutates `outcomes`.
   */
  function refill(outcomes: MessageOutcome[], slack: number): number {
    let added = 0;
    const firstKept = outcomes.findIndex((o, i) => o.texts !== undefined && messages[i]!.role !== 'system');
    for (let i = n - 1; i >= 0 && slack > 0; i--) {
      const o = outcomes[i]!;
      const m = messages[i]!;
      if (o.fidelity === 'pinned' || o.fidelity === 'full') continue;
      if (o.texts === undefined) {
        // a dropped message comes back whole (not before the first kept message unless it is a user message)
        if (droppedExchange[i] === 1 || (i < firstKept && m.role !== 'user')) continue;
        if (full[i]! <= slack) {
          outcomes[i] = { texts: m.slots.map((s) => s.text), tokens: full[i]!, fidelity: 'full' };
          slack -= full[i]!;
          added += full[i]!;
          continue;
        }
        // too long whole: its best sentences that fit (one-part messages)
        const only = m.slots.length === 1 ? m.slots[0]! : undefined;
        if (only === undefined || only.atomic || slack - overhead[i]! < MIN_REFILL_TOKENS) continue;
        let cut: string;
        try {
          cut = compressSync(only.text, { budget: { tokens: slack - overhead[i]! }, tokenizer, ...(hasQuery ? { query } : {}) }).text;
        } catch (error) {
          rethrowIfStopped(error); // options.timeLimitMs / signal
          continue;
        }
        if (cut.trim() === '') continue;
        const cost = overhead[i]! + countCut(cut);
        if (cost > slack) continue;
        outcomes[i] = { texts: [cut], tokens: cost, fidelity: 'compressed' };
        slack -= cost;
        added += cost;
        continue;
      }
      const texts = o.texts.slice();
      let tokens = o.tokens;
      m.slots.forEach((s, k) => {
        const current = texts[k];
        if (current === s.text || slack <= 0) return;
        const now = current === null || current === undefined ? 0 : countCut(current);
        const wholeCost = slotTokens[i]![k]! - now;
        if (wholeCost <= slack) {
          texts[k] = s.text;
          slack -= wholeCost;
          tokens += wholeCost;
          return;
        }
        if (!s.atomic) return;
        const larger = shrinkJson(s.text, [[0, s.text.length]], Math.min(slotTokens[i]![k]!, now + slack), tokenizer, query, now + slack);
        if (larger === null) return;
        const delta = countCut(larger) - now;
        if (delta > 0 && delta <= slack) {
          texts[k] = larger;
          slack -= delta;
          tokens += delta;
        }
      });
      if (tokens === o.tokens) continue;
      // a placeholder whose owner came back whole is no longer needed
      const allOriginal = m.slots.every((s, k) => texts[k] === s.text);
      added += tokens - o.tokens;
      outcomes[i] = { texts, tokens, fidelity: allOriginal ? 'full' : 'compressed' };
    }
    return added;
  }
}

/**
 * The sources of the pipeline call: per message and slot, the text outside its fixed ranges (`fixedOf` returns 'all' for
 * a slot that is not cut at all), cut into passages; an atomic (JSON) slot is one source read as plain text.
 */
export function elasticSources(
  messages: readonly ChatMessage[],
  fixedOf: (message: number, slot: number) => ReadonlyArray<readonly [number, number]> | 'all' | undefined,
): { pieces: Piece[]; documents: DocumentInput[] } {
  const pieces: Piece[] = [];
  const documents: DocumentInput[] = [];
  const addRegion = (i: number, k: number, start: number, end: number, atomic: boolean): void => {
    const text = messages[i]!.slots[k]!.text;
    const titled = atomic ? undefined : titledDocuments(text, start, end);
    if (titled !== undefined) {
      for (const [s, t, e] of titled) {
        pieces.push({ message: i, slot: k, offset: s });
        documents.push({ id: String(documents.length), title: text.slice(s, t), text: text.slice(t + 1, e) });
      }
      return;
    }
    const cuts: Array<[number, number]> = atomic ? (hasNonSpace(text, start, end) ? [[start, end]] : []) : passages(text, start, end);
    for (const [s, e] of cuts) {
      pieces.push({ message: i, slot: k, offset: s });
      documents.push({ id: String(documents.length), text: text.slice(s, e), ...(atomic ? { format: 'text' as const } : {}) });
    }
  };
  messages.forEach((m, i) => {
    m.slots.forEach((s, k) => {
      const fixed = fixedOf(i, k);
      if (fixed === 'all') return;
      if (fixed === undefined || fixed.length === 0) {
        addRegion(i, k, 0, s.text.length, s.atomic);
        return;
      }
      let at = 0;
      for (const [fs, fe] of fixed) {
        if (fs > at) addRegion(i, k, at, fs, false);
        at = Math.max(at, fe);
      }
      if (at < s.text.length) addRegion(i, k, at, s.text.length, false);
    });
  });
  return { pieces, documents };
}

/**
 * The documents whose segment-cache entries a call may read, for any budget: every slot's passages whole, and the latest
 * user request's last text part around its question (see `chatCacheKeys`).
 */
export function possibleSources(messages: readonly ChatMessage[], structure: ChatStructure): DocumentInput[] {
  const all = elasticSources(messages, () => undefined).documents;
  const q = structure.turnStarts[structure.turnStarts.length - 1];
  if (q === undefined) return all;
  const slots = messages[q]!.slots;
  let last = -1;
  slots.forEach((s, k) => {
    if (s.kind === 'text') last = k;
  });
  if (last < 0) return all;
  const ranges = findQuestion(slots[last]!.text).ranges;
  const around = elasticSources(messages, (i, k) => (i === q && k === last ? ranges : 'all')).documents;
  return [...all, ...around].map((d, i) => ({ ...d, id: String(i) }));
}

/**
 * The caller's segment cache as the pipeline call sees it: per-passage entries go through (chatCacheKeys names them for
 * prefetching), the counts of the call's document set do not (the set depends on the budget, so no caller could
 * prefetch its key; the call counts it once anyway).
 */
function callCache(user: SegmentCacheOptions | undefined): SegmentCacheOptions | undefined {
  if (user === undefined) return undefined;
  const store: CacheStore = {
    name: 'chat-passages',
    get: (key) => (key.includes(':c:') ? undefined : getSync(user.store, key)),
    set: (key, value) => {
      if (!key.includes(':c:')) setQuietly(user.store, key, value);
    },
  };
  return user.hash === undefined ? { store } : { store, hash: user.hash };
}

/** A JSON result cut to about the share of it the selection kept, as valid JSON (`compressJson`), or null when it cannot. */
function shrinkJson(
  text: string,
  ranges: ReadonlyArray<readonly [number, number]>,
  tokens: number,
  tokenizer: Tokenizer,
  query: string | undefined,
  exactTarget?: number,
): string | null {
  let chars = 0;
  for (const [s, e] of ranges) chars += e - s;
  const target = exactTarget ?? Math.max(1, Math.floor((tokens * chars) / Math.max(1, text.length)));
  try {
    const r = compressJson(text, { budget: { tokens: target }, tokenizer, ...(query !== undefined && query.trim() !== '' ? { query } : {}) });
    return r.tokens.compressed < tokens ? r.text : null;
  } catch (error) {
    rethrowIfStopped(error); // options.timeLimitMs / signal
    return null;
  }
}
