/**
 * Prefix-stable mode of `compressChat`: the compressed conversation grows like the conversation does, so a provider's
 * prompt cache keeps hitting — without any state passed between calls.
 *
 * **Regions.** Two checkpoints split the history: messages before C2 are dropped, messages in [C2, C1) are compacted,
 * messages from C1 on are whole. System messages and the latest user request are kept whole wherever they are. The
 * compacted form of a message depends on that message alone (query-free, see `compacted` below), so a compacted message
 * renders the same bytes in every later call.
 *
 * **Replay instead of state.** The checkpoints are what a fixed rule would have chosen turn by turn: the rule is replayed
 * over every prefix of the conversation that ends between two exchanges (a call sees only the messages, and a
 * conversation that grew by a turn has the previous call's messages as a prefix, so its replay passes through the same
 * states). The rule, at each prefix, with that prefix's budget, latest request and last turns:
 * - while the plan fits, nothing moves (the previous output plus the new messages: an identical prefix);
 * - otherwise C1 moves forward (compaction; the output before the old C1 stays identical) to the first exchange boundary
 *   that leaves `COMPACT_HEADROOM` of the budget free, or up to the last turns if none does;
 * - when compacting everything before the last turns is not enough, C2 moves (a drop; the whole prefix breaks once): to
 *   the first user turn that, with compaction, leaves `DROP_HEADROOM` free, C1 to the first boundary that does;
 * - when even that is not enough (the last turns alone are over the budget, e.g. a long agent step in one turn), the same
 *   two moves continue inside the last turns, up to the last exchange, the latest request staying whole. Only when the
 *   system prompt, the latest request and the last exchange alone are over the budget does the call give way to
 *   relevance mode.
 * A message's fidelity is decided once, when C1 passes it (the latest request at that moment stays whole), and kept
 * until C2 passes it. The headrooms trade budget use for fewer breaks: every move rewrites the output after it, so moves
 * should be rare, and each one should free enough for several turns.
 * @module
 */
import { compressSync } from '../compress.js';
import { rethrowIfStopped } from '../deadline.js';
import { exactCount } from '../exact-count.js';
import { COUNT_CACHE_MIN_CHARS } from '../cache/count-cache.js';
import { isImportant } from './importance.js';
import type { ChatFidelity } from './types.js';
import type { CountedConversation, MessageOutcome } from './conversation.js';

/** Share of a message's tokens the query-free compacted form keeps (prefix-stable mode). */
export const COMPACT_FACTOR = 1 / 3;
/** Share of the budget a compaction (C1 move) leaves free, when it can without compacting the last turns. */
export const COMPACT_HEADROOM = 0.25;
/** Share of the budget a drop (C2 move) leaves free, when it can. */
export const DROP_HEADROOM = 0.35;

export interface PrefixStableInput extends CountedConversation {
  readonly keepLastTurns: number;
  /** The budget of a conversation of `original` tokens (so a ratio budget is replayed as each earlier call saw it). */
  readonly budgetFor: (original: number) => number;
}

/** What prefix-stable mode did with one message (the same shape as relevance mode's). */
export type PrefixStableOutcome = MessageOutcome;

export interface PrefixStableResult {
  readonly outcomes: PrefixStableOutcome[];
  /** Tokens of the output, `options.system` included. */
  readonly compressed: number;
  /** The checkpoints of the final plan (for tests and the bench). */
  readonly c2: number;
  readonly c1: number;
}

interface Rendered {
  readonly texts: (string | null)[] | undefined;
  readonly tokens: number;
  readonly fidelity: ChatFidelity;
}

/**
 * The prefix-stable plan of the conversation and its rendering, or undefined when the fixed part (system prompt, latest
 * request, last exchange) alone is over the budget.
 */
export function compressPrefixStable(input: PrefixStableInput): PrefixStableResult | undefined {
  const { messages, structure, tokenizer, slotTokens, overhead, full, systemTokens, keepLastTurns } = input;
  const n = messages.length;
  const { groupOf, turnStarts } = structure;
  const isSystem = (i: number): boolean => messages[i]!.role === 'system';

  // --- prefix sums and positions ---
  const sysP = new Float64Array(n + 1); // full tokens of system messages in [0, i)
  const nsP = new Float64Array(n + 1); // full tokens of the other messages in [0, i)
  for (let i = 0; i < n; i++) {
    sysP[i + 1] = sysP[i]! + (isSystem(i) ? full[i]! : 0);
    nsP[i + 1] = nsP[i]! + (isSystem(i) ? 0 : full[i]!);
  }
  const groupStart = new Int32Array(n);
  for (let i = 0; i < n; i++) groupStart[i] = i > 0 && groupOf[i] === groupOf[i - 1] ? groupStart[i - 1]! : i;
  const isBoundary = (p: number): boolean => p === 0 || p === n || groupOf[p] !== groupOf[p - 1];
  const alone = (i: number): boolean => (i === 0 || groupOf[i - 1] !== groupOf[i]) && (i === n - 1 || groupOf[i + 1] !== groupOf[i]);
  const isTurnStart = new Uint8Array(n + 1);
  for (const t of turnStarts) isTurnStart[t] = 1;
  /**
   * The user message kept before C2 when C2 is inside a turn (a drop inside the latest turn, which keeps its request):
   * the start of that turn, whole — as it was while it was the latest request — so the output still starts with it.
   */
  const anchorOf = new Int32Array(n + 1).fill(-1);
  for (let i = 1, last = isTurnStart[0] === 1 ? 0 : -1; i <= n; i++) {
    if (isTurnStart[i] !== 1) anchorOf[i] = last;
    if (isTurnStart[i] === 1) last = i;
  }
  const nextNonSystem = new Int32Array(n + 1);
  nextNonSystem[n] = n;
  for (let i = n - 1; i >= 0; i--) nextNonSystem[i] = isSystem(i) ? nextNonSystem[i + 1]! : i;
  const firstNonSystem = nextNonSystem[0]!;
  // the output starts with a user message whenever the input does (as relevance mode's firstUserFix does)
  const needsUserFirst = firstNonSystem < n && messages[firstNonSystem]!.role === 'user';

  // --- rendering (cached per message) ---
  /** Exact counts of texts `compressSync` returned (its result counts them), so they are not counted again. */
  const compressedCounts = new Map<string, number>();
  const tokensOf = (i: number, texts: readonly (string | null)[]): number => {
    let t = overhead[i]!;
    texts.forEach((text, k) => {
      if (text === null) return;
      t += text === messages[i]!.slots[k]!.text ? slotTokens[i]![k]! : (compressedCounts.get(text) ?? exactCount(tokenizer, text));
    });
    return t;
  };
  /** Replaces the owners in `which` by a placeholder each (only where the placeholder is shorter). */
  const stubOwners = (i: number, texts: (string | null)[], which: (owner: number) => boolean): void => {
    const m = messages[i]!;
    const owners = new Map<number, number[]>();
    m.slots.forEach((s, k) => {
      if (!which(s.owner)) return;
      const list = owners.get(s.owner) ?? [];
      list.push(k);
      owners.set(s.owner, list);
    });
    for (const ks of owners.values()) {
      const before = ks.reduce((sum, k) => sum + slotTokens[i]![k]!, 0);
      const marker = input.placeholder(m.slots[ks[0]!]!, i, before);
      if (tokenizer.count(marker) >= before) {
        for (const k of ks) texts[k] = m.slots[k]!.text;
        continue;
      }
      ks.forEach((k, j) => (texts[k] = j === 0 ? marker : null));
    }
  };
  const whole = (i: number): Rendered => ({ texts: messages[i]!.slots.map((s) => s.text), tokens: full[i]!, fidelity: 'full' });
  const compactedCache = new Map<number, Rendered>();
  /**
   * The query-free compacted form: important messages whole; tool results as placeholders; text cut to
   * `COMPACT_FACTOR` of its tokens by `compressSync` without a query (JSON and other atomic text removed), a block with
   * nothing left as a placeholder — and a plain message (no calls or results, alone in its group) with nothing left at
   * all is dropped.
   */
  const compacted = (i: number): Rendered => {
    const hit = compactedCache.get(i);
    if (hit) return hit;
    const m = messages[i]!;
    let made: Rendered;
    if (isImportant(m)) made = whole(i);
    else if (m.resultIds.length > 0) {
      const texts: (string | null)[] = m.slots.map((s) => s.text);
      stubOwners(i, texts, () => true);
      made = { texts, tokens: tokensOf(i, texts), fidelity: 'placeholder' };
    } else {
      const texts: (string | null)[] = m.slots.map((s, k) => {
        const t = slotTokens[i]![k]!;
        if (s.atomic) return '';
        const target = Math.max(1, Math.floor(t * COMPACT_FACTOR));
        if (target >= t) return s.text;
        try {
          const result = compressSync(s.text, {
            budget: { tokens: target },
            tokenizer,
            // short texts gain nothing from the segment cache (hashing costs about what segmenting does)
            ...(input.cache === undefined || s.text.length < COUNT_CACHE_MIN_CHARS ? {} : { cache: input.cache }),
          });
          compressedCounts.set(result.text, result.tokens.compressed);
          return result.text;
        } catch (error) {
          rethrowIfStopped(error); // options.timeLimitMs / signal
          return '';
        }
      });
      if (m.slots.length > 0 && m.calls.length === 0 && alone(i) && texts.every((t) => t === '')) made = { texts: undefined, tokens: 0, fidelity: 'dropped' };
      else {
        const emptyOwners = new Set<number>();
        m.slots.forEach((s, k) => {
          if (texts[k] === '' && m.slots.every((o, j) => o.owner !== s.owner || texts[j] === '')) emptyOwners.add(s.owner);
        });
        m.slots.forEach((_, k) => {
          if (texts[k] === '') texts[k] = null;
        });
        stubOwners(i, texts, (owner) => emptyOwners.has(owner));
        made = { texts, tokens: tokensOf(i, texts), fidelity: 'compressed' };
      }
    }
    compactedCache.set(i, made);
    return made;
  };
  const openerCache = new Map<number, Rendered>();
  /** A compacted user message that opens the output: its blocks as placeholders instead of dropped. */
  const opener = (i: number): Rendered => {
    const hit = openerCache.get(i);
    if (hit) return hit;
    const texts: (string | null)[] = messages[i]!.slots.map((s) => s.text);
    stubOwners(i, texts, () => true);
    const made: Rendered = { texts, tokens: tokensOf(i, texts), fidelity: 'placeholder' };
    openerCache.set(i, made);
    return made;
  };

  // --- the state: checkpoints and the frozen fidelities of [0, c1) ---
  let c2 = 0;
  let c1 = 0;
  /** 1 when the message was kept whole as it was compacted (the latest request then). */
  const frozenWhole = new Uint8Array(n);
  /** Z[i]: tokens of the non-system messages in [0, i) in their frozen form (valid for i ≤ c1). */
  const Z = new Float64Array(n + 1);
  const frozen = (j: number): Rendered => (frozenWhole[j] === 1 ? whole(j) : compacted(j));

  // per move: tentative frozen forms of [c1, …) with the request of that prefix
  let tentRequest = -2;
  let tentP = new Float64Array(1); // tentP[k]: tokens of [c1, c1 + k)
  let tentLength = 0;
  const tentative = (j: number, request: number): Rendered => (j === request ? whole(j) : compacted(j));
  const ensureTentative = (upTo: number, request: number): void => {
    if (tentRequest !== request || tentP.length !== n - c1 + 1) {
      tentRequest = request;
      tentP = new Float64Array(n - c1 + 1);
      tentLength = 0;
    }
    while (c1 + tentLength < upTo) {
      const j = c1 + tentLength;
      tentP[tentLength + 1] = tentP[tentLength]! + (isSystem(j) ? 0 : tentative(j, request).tokens);
      tentLength++;
    }
  };
  /** Whether the user message opening the region from `from` is compacted to nothing (then it renders as `opener`). */
  const openerTokens = (from: number, until: number, request: number): number => {
    if (!needsUserFirst) return 0;
    const f = nextNonSystem[from]!;
    if (f >= until || messages[f]!.role !== 'user') return 0;
    const r = f < c1 ? frozen(f) : tentative(f, request);
    return r.fidelity === 'dropped' ? opener(f).tokens : 0;
  };
  /** Tokens of the plan (C2, C1) at prefix m, [c1, C1) frozen now (C1 ≥ c1). */
  const cost = (C2: number, C1: number, m: number, request: number): number => {
    let t = systemTokens + sysP[m]! + (nsP[m]! - nsP[C1]!);
    if (C2 < c1) t += Z[c1]! - Z[C2]!;
    const from = Math.max(C2, c1);
    if (C1 > from) {
      ensureTentative(C1, request);
      t += tentP[C1 - c1]! - tentP[from - c1]!;
    }
    const anchor = anchorOf[C2]!;
    if (anchor >= 0) t += full[anchor]!;
    return t + openerTokens(C2, C1, request);
  };
  const freeze = (C1: number, request: number): void => {
    for (let j = c1; j < C1; j++) {
      frozenWhole[j] = j === request ? 1 : 0;
      Z[j + 1] = Z[j]! + (isSystem(j) ? 0 : frozen(j).tokens);
    }
    c1 = C1;
    tentRequest = -2;
  };

  /** Boundaries in (lo, hi], ascending. */
  const boundaries = (lo: number, hi: number): number[] => {
    const out: number[] = [];
    for (let p = lo + 1; p <= hi; p++) if (isBoundary(p)) out.push(p);
    return out;
  };
  /** Where C2 may move in (lo, hi]: user turn starts, and exchange starts after the latest request (which stays). */
  const dropPoints = (lo: number, hi: number, request: number): number[] => {
    const out: number[] = [];
    for (let p = lo + 1; p <= hi; p++) if (isBoundary(p) && (p > request || isTurnStart[p] === 1)) out.push(p);
    return out;
  };

  /** The next state at prefix m when the current one is over budget B, or undefined when nothing fits. */
  const advance = (m: number, request: number, tail: number, last: number, B: number): readonly [number, number] | undefined => {
    const compactTarget = B - Math.floor(COMPACT_HEADROOM * B);
    const dropTarget = B - Math.floor(DROP_HEADROOM * B);
    // first without touching the last turns, then inside them (up to the last exchange)
    for (const limit of [Math.min(tail, last), last]) {
      const L = Math.max(c1, limit);
      // compaction: C1 forward, the output before the old C1 unchanged
      const ends = boundaries(c1, L);
      for (const b of ends) if (cost(c2, b, m, request) <= compactTarget) return [c2, b];
      if (ends.length > 0 && cost(c2, L, m, request) <= B) return [c2, L];
      // a drop: C2 forward to the first point that leaves the headroom (with everything up to L compacted) …
      const points = dropPoints(c2, Math.min(limit, last), request);
      for (const p of points) {
        if (cost(p, Math.max(L, p), m, request) > dropTarget) continue;
        // … and C1 to the first boundary that still does
        for (const b of [Math.max(p, c1), ...boundaries(Math.max(p, c1), L)]) if (cost(p, b, m, request) <= dropTarget) return [p, b];
      }
      for (const p of points) if (cost(p, Math.max(L, p), m, request) <= B) return [p, Math.max(L, p)];
    }
    return undefined;
  };

  // --- replay over every prefix that ends between exchanges ---
  let fits = false;
  let request = -1;
  let turns = 0;
  for (let m = 1; m <= n; m++) {
    if (!isBoundary(m)) continue;
    while (turns < turnStarts.length && turnStarts[turns]! < m) request = turnStarts[turns++]!;
    const tail = keepLastTurns === 0 ? m : turns <= keepLastTurns ? 0 : turnStarts[turns - keepLastTurns]!;
    const last = groupStart[m - 1]!;
    const B = input.budgetFor(systemTokens + sysP[m]! + nsP[m]!);
    if (cost(c2, c1, m, request) <= B) {
      fits = true;
      continue;
    }
    const next = advance(m, request, tail, last, B);
    fits = next !== undefined;
    if (next === undefined) continue; // this prefix would have gone to relevance mode; the state stays
    freeze(next[1], request);
    c2 = next[0];
  }
  if (!fits) return undefined;

  // --- the plan of the whole conversation, rendered ---
  const lead = needsUserFirst ? nextNonSystem[c2]! : n;
  const outcomes: PrefixStableOutcome[] = [];
  let compressed = systemTokens;
  for (let i = 0; i < n; i++) {
    let r: Rendered;
    if (isSystem(i) || i === request) r = { ...whole(i), fidelity: 'pinned' };
    else if (i < c2) r = i === anchorOf[c2] ? whole(i) : { texts: undefined, tokens: 0, fidelity: 'dropped' };
    else if (i < c1) {
      r = frozen(i);
      if (r.fidelity === 'dropped' && i === lead && messages[i]!.role === 'user') r = opener(i);
    } else r = { ...whole(i), fidelity: structure.pinned[i] === 1 ? 'pinned' : 'full' };
    outcomes.push(r);
    compressed += r.tokens;
  }
  return { outcomes, compressed, c2, c1 };
}
