/**
 * `compressChat`: compresses a chat / agent history to a token budget and returns it in its own format.
 *
 * Token accounting (what `tokens` and the budget count): for each message, the tokenizer count of each of its text
 * pieces (text content, tool-result content) plus the tokenizer count of each tool call's arguments JSON, plus a fixed
 * overhead of 4 tokens per message (`MESSAGE_OVERHEAD`) and `mediaTokens` (default `MEDIA_TOKENS`, 1000) per image, file
 * or audio part (passed through untouched); plus, when given,
 * `options.system` counted the same way as one message.
 * @module
 */
import { resolveBudget } from '../compress.js';
import { exactCount } from '../exact-count.js';
import { cachedCounter, COUNT_CACHE_MIN_CHARS, countCacheKeys } from '../cache/count-cache.js';
import { hash128 } from '../cache/hash.js';
import { segmentCacheKeysFor } from '../cache/keys.js';
import { checkCacheOptions, sourceCountsKey } from '../cache/segment-cache.js';
import { CtxpressError } from '../errors.js';
import { checkCommonOptions } from '../check-options.js';
import { activeDeadline, withDeadline } from '../deadline.js';
import type { Tokenizer } from '../types.js';
import { ADAPTERS } from './adapters.js';
import { detectChatFormat } from './detect.js';
import { compressPrefixStable } from './prefix-stable.js';
import { compressByRelevance, possibleSources } from './relevance.js';
import { mediaParts, rebuildMessage } from './shared.js';
import { analyseChat } from './structure.js';
import type { CountedConversation } from './conversation.js';
import type { ChatCompressOptions, ChatCompressionResult, ChatDecision, ChatFormat, ChatMessage, TextSlot } from './types.js';

/** Tokens added per message for the role and message framing. */
export const MESSAGE_OVERHEAD = 4;
/** Default fixed cost of one image, file or audio part (the tokenizer cannot count them): about a 1024×1024 image. */
export const MEDIA_TOKENS = 1000;

function mediaTokensOf(options: Pick<ChatCompressOptions, 'mediaTokens'>): number {
  const m = options.mediaTokens ?? MEDIA_TOKENS;
  if (typeof m !== 'number' || !Number.isInteger(m) || m < 0) {
    throw new CtxpressError('INVALID_OPTION', `options.mediaTokens must be a whole number ≥ 0, got ${JSON.stringify(m)}.`);
  }
  return m;
}
export { COMPACT_FACTOR } from './prefix-stable.js';

/** A whole number with `,` between thousands (what `toLocaleString('en-US')` gives, without its cost). */
function thousands(value: number): string {
  const digits = String(Math.trunc(value));
  const sign = digits.startsWith('-') ? '-' : '';
  const body = sign === '' ? digits : digits.slice(1);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    if (i > 0 && (body.length - i) % 3 === 0) out += ',';
    out += body[i];
  }
  return sign + out;
}

/** The one-line stub that replaces omitted content: the only text in the output that is not from the input. */
export function placeholderText(s: TextSlot, role: string, tokens: number): string {
  const n = thousands(tokens);
  if (s.kind === 'result') return s.toolName ? `[tool result from ${s.toolName} omitted: ${n} tokens]` : `[tool result omitted: ${n} tokens]`;
  return `[${role} message omitted: ${n} tokens]`;
}

function checkOptions(options: ChatCompressOptions): { tokenizer: Tokenizer; keepLastTurns: number; halfLife: number } {
  const tokenizer = checkCommonOptions(options);
  const keepLastTurns = options.keepLastTurns ?? 4;
  if (!Number.isInteger(keepLastTurns) || keepLastTurns < 0)
    throw new CtxpressError('INVALID_OPTION', `options.keepLastTurns must be a whole number ≥ 0, got ${JSON.stringify(keepLastTurns)}.`);
  const halfLife = options.halfLife ?? 8;
  if (typeof halfLife !== 'number' || !(halfLife > 0))
    throw new CtxpressError('INVALID_OPTION', `options.halfLife must be a number > 0, got ${JSON.stringify(halfLife)}.`);
  if (options.format !== undefined && options.format !== 'auto' && !(options.format in ADAPTERS)) {
    throw new CtxpressError(
      'INVALID_OPTION',
      `options.format must be openai, anthropic, ai-sdk, openai-responses or auto, got ${JSON.stringify(options.format)}.`,
    );
  }
  if (options.system !== undefined && typeof options.system !== 'string') throw new CtxpressError('INVALID_OPTION', 'options.system must be a string.');
  if (options.cache !== undefined) checkCacheOptions(options.cache);
  return { tokenizer, keepLastTurns, halfLife };
}

/** The messages read into the internal form, in their declared or detected format. */
function parseChat(messages: readonly unknown[], declared: ChatCompressOptions['format']): { format: ChatFormat; parsed: ChatMessage[] } {
  if (!Array.isArray(messages)) throw new CtxpressError('INVALID_INPUT', 'messages must be an array of chat messages.');
  const format: ChatFormat = declared === undefined || declared === 'auto' ? detectChatFormat(messages) : declared;
  return { format, parsed: ADAPTERS[format].parse(messages) };
}

/**
 * Total tokens of a message list as `compressChat` counts them (see the module comment), e.g. to decide whether to
 * compress at all. Validates the messages like `compressChat`.
 */
export function countChatTokens(messages: readonly unknown[], options: Pick<ChatCompressOptions, 'tokenizer' | 'format' | 'system' | 'mediaTokens'>): number {
  const { tokenizer } = checkOptions({ ...options, budget: { ratio: 1 } });
  const { parsed } = parseChat(messages, options.format);
  let total = options.system !== undefined ? exactCount(tokenizer, options.system) + MESSAGE_OVERHEAD : 0;
  const media = mediaTokensOf(options);
  for (const m of parsed) {
    total += MESSAGE_OVERHEAD + media * mediaParts(m.raw);
    for (const slot of m.slots) total += exactCount(tokenizer, slot.text);
    for (const call of m.calls) total += exactCount(tokenizer, call.args);
  }
  return total;
}

/**
 * Every cache key `compressChat(messages, { ...options, cache: { store, hash } })` may read, so an async front door can
 * prefetch them from a slow store (as `@ctxpress/node` does). Invalid input throws as `compressChat` would.
 */
export function chatCacheKeys(
  messages: readonly unknown[],
  options: Pick<ChatCompressOptions, 'tokenizer' | 'format' | 'system'>,
  hash: (text: string) => string = hash128,
): string[] {
  const { tokenizer } = checkOptions({ ...options, budget: { ratio: 1 } });
  const { format, parsed } = parseChat(messages, options.format);
  const texts: string[] = options.system === undefined ? [] : [options.system];
  const keys = new Set<string>();
  for (const m of parsed) {
    for (const s of m.slots) {
      texts.push(s.text);
      // a slot that is cut runs compressSync on its text alone: its segment entries (long slots only, see render)
      if (!s.atomic && s.text.length >= COUNT_CACHE_MIN_CHARS) {
        const segment = segmentCacheKeysFor(s.text, { tokenizer }, hash);
        if (segment !== undefined) for (const key of [...segment.sourceKeys, segment.countsKey]) keys.add(key);
      }
    }
    for (const c of m.calls) texts.push(c.args);
  }
  for (const key of countCacheKeys(hash, tokenizer, texts)) keys.add(key);
  // relevance mode: the passages of every message, and of the latest request around its question (counts of the
  // call's document set stay per call, see relevance.ts callCache)
  const structure = analyseChat(parsed, format, 0);
  const passages = segmentCacheKeysFor(possibleSources(parsed, structure), { tokenizer }, hash);
  if (passages !== undefined)
    for (const key of passages.sourceKeys) {
      keys.add(key);
      keys.add(sourceCountsKey(hash, tokenizer, key));
    }
  return [...keys];
}

/**
 * Compresses `messages` (OpenAI, Anthropic or AI SDK format) to the budget. The system prompt and the last
 * `keepLastTurns` turns are pinned; older messages are kept, cut extractively (query-aware), replaced by a one-line
 * placeholder or dropped; tool calls are never changed; the output is a valid request in the input's format.
 * @throws CtxpressError INVALID_INPUT (bad messages, orphan tool calls/results), INVALID_OPTION, INVALID_BUDGET,
 *   BUDGET_UNSATISFIABLE (the pinned part alone is over the budget), TIME_LIMIT / ABORTED (`timeLimitMs` / `signal`).
 */
export function compressChat(messages: readonly unknown[], options: ChatCompressOptions): ChatCompressionResult {
  const checked = checkOptions(options);
  return withDeadline(options, () => compressChatWith(messages, options, checked));
}

function compressChatWith(
  messages: readonly unknown[],
  options: ChatCompressOptions,
  { tokenizer, keepLastTurns, halfLife }: ReturnType<typeof checkOptions>,
): ChatCompressionResult {
  const { format, parsed } = parseChat(messages, options.format);
  const structure = analyseChat(parsed, format, keepLastTurns);

  // whole-text counts come from the cache when there is one (a conversation that grew by a turn recounts that turn)
  const count = cachedCounter(tokenizer, options.cache);
  const deadline = activeDeadline(); // options.timeLimitMs / signal (deadline.ts); undefined without them
  const slotTokens = parsed.map((m) => {
    deadline?.check();
    return m.slots.map((s) => count(s.text));
  });
  const media = mediaTokensOf(options);
  const overhead = parsed.map((m) => m.calls.reduce((sum, c) => sum + count(c.args), MESSAGE_OVERHEAD + media * mediaParts(m.raw)));
  const full = parsed.map((_, i) => overhead[i]! + slotTokens[i]!.reduce((a, b) => a + b, 0));
  const systemTokens = options.system !== undefined ? count(options.system) + MESSAGE_OVERHEAD : 0;
  const original = full.reduce((a, b) => a + b, systemTokens);
  const budget = resolveBudget(options.budget, original);
  const roleOf = (i: number): string => {
    const r = parsed[i]!.raw['role'];
    return typeof r === 'string' ? r : parsed[i]!.role;
  };

  if (original <= budget) {
    const decisions = parsed.map((_, i): ChatDecision => ({
      index: i,
      role: roleOf(i),
      fidelity: structure.pinned[i] === 1 ? 'pinned' : 'full',
      tokensBefore: full[i]!,
      tokensAfter: full[i]!,
    }));
    return {
      messages: parsed.map((m) => m.raw),
      format,
      tokens: { original, compressed: original, budget },
      ratio: 1,
      decisions,
      mode: options.prefixStable === true ? 'prefix-stable' : 'relevance',
    };
  }
  const placeholder = (slot: TextSlot, i: number, tokens: number): string => placeholderText(slot, roleOf(i), tokens);
  // prefix-stable mode (prefix-stable.ts) gives way to relevance mode only when the system prompt, the latest request
  // and the last exchange alone are over the budget
  const conversation: CountedConversation = {
    messages: parsed,
    structure,
    tokenizer,
    slotTokens,
    overhead,
    full,
    systemTokens,
    cache: options.cache,
    placeholder,
  };
  const stable =
    options.prefixStable === true
      ? compressPrefixStable({ ...conversation, keepLastTurns, budgetFor: (total) => resolveBudget(options.budget, total) })
      : undefined;
  // relevance mode (and prefix-stable mode when the system prompt, the request and the last exchange alone do not fit)
  const { outcomes, compressed } = stable ?? compressByRelevance({ ...conversation, budget, query: options.query, halfLife, keep: options.keep });
  const out: unknown[] = [];
  const decisions: ChatDecision[] = outcomes.map((o, i) => {
    if (o.texts !== undefined) out.push(rebuildMessage(parsed[i]!, o.texts));
    return { index: i, role: roleOf(i), fidelity: o.fidelity, tokensBefore: full[i]!, tokensAfter: o.tokens };
  });
  return {
    messages: out,
    format,
    tokens: { original, compressed, budget },
    ratio: compressed === 0 ? (original === 0 ? 1 : Number.POSITIVE_INFINITY) : original / compressed,
    decisions,
    mode: stable === undefined ? 'relevance' : 'prefix-stable',
  };
}
