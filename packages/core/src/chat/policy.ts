/**
 * Which fidelity each older message gets. Two policies:
 *
 * - **relevance** (default): a value per message — BM25 relevance to the query (max-normalised), plus `NEIGHBOUR` × the
 *   better neighbour's (answers follow questions), 0.3 × a recency half-life in user turns, and `IMPORTANCE` for stated
 *   facts and preferences, errors and decisions — halved for observations (tool results), so they are cut first. One
 *   threshold τ splits it: value ≥ τ full; tool results ≥ τ/2 and other text ≥ `TEXT_BAND` × τ compressed to value/τ of
 *   their tokens (only messages of `MIN_COMPRESSIBLE`+ tokens; smaller ones are kept whole or dropped); lower dropped.
 *   The lowest τ whose estimated cost fits is found by bisection and verified on the rendered messages; what is left of
 *   the budget then keeps more plain messages whole, best value first.
 * - **prefix-stable**: see prefix-stable.ts (checkpoints C2/C1 replayed over the conversation's prefixes).
 *
 * In relevance mode, a tool exchange is kept or dropped as a whole (kept members at least as placeholders), and when
 * the input's first message (after system messages) is a user message, the output's is too: a leading kept assistant
 * message brings the user message before it along as a placeholder (Anthropic requires a first user message; applied in
 * every format because plain-text conversations look the same in all).
 * @module
 */
import { forEachTerm, terms } from '../text/terms.js';
import type { ChatFidelity, ChatMessage } from './types.js';
import type { ChatStructure } from './structure.js';

/** Weights of the neighbour's relevance and of importance signals in a message's value (tuned on the chat bench). */
export const NEIGHBOUR = 0.5;
export const IMPORTANCE = 0.15;
/** Messages with fewer text tokens are kept whole or dropped, never cut (cutting them saves little and loses sentences). */
export const MIN_COMPRESSIBLE = 48;
/** A text (not tool-result) message is cut when its value is within this share of the threshold. */
export const TEXT_BAND = 0.75;

/** Stated facts and preferences, errors and decisions: worth keeping whatever the query. */
export const IMPORTANT =
  /\b(?:i prefer|i'd prefer|i would prefer|my name is|call me|i am allergic|i'm allergic|always|never|don't ever|do not ever|remember that|make sure|i like|i love|i hate|i don't like|i want|i need|error|exception|failed|failure|traceback|decided|decision|we'll go with|let's go with|let's use|we agreed|agreed)\b/i;

export interface PlanEntry {
  readonly fidelity: Exclude<ChatFidelity, 'pinned'> | 'pinned';
  /** For `compressed`: the share of each slot's tokens to keep (0..1). */
  readonly factor: number;
}

/** The text of a message that is scored: its text slots, tool names and call arguments. */
export function messageText(m: ChatMessage): string {
  if (m.slots.length === 1 && m.calls.length === 0) return m.slots[0]!.text;
  const parts = m.slots.map((s) => s.text);
  for (const c of m.calls) parts.push(c.name, c.args);
  return parts.join('\n');
}

export function isImportant(m: ChatMessage): boolean {
  return m.slots.some((s) => s.error === true || (s.kind === 'text' && IMPORTANT.test(s.text)));
}

/** A message's terms as BM25 needs them: the number of term occurrences, and the count of any term. */
export interface TermBag {
  readonly length: number;
  count(term: string): number;
}

/** Distinct terms with their counts, in order of first appearance, and the number of occurrences. */
export function termCounts(text: string): { readonly length: number; readonly counts: ReadonlyMap<string, number> } {
  const counts = new Map<string, number>();
  let length = 0;
  forEachTerm(text, 0, text.length, (t) => {
    length++;
    counts.set(t, (counts.get(t) ?? 0) + 1);
  });
  return { length, counts };
}

/** The term bag of a text. */
export function termBag(text: string): TermBag {
  const { length, counts } = termCounts(text);
  return { length, count: (term) => counts.get(term) ?? 0 };
}

/** The bag of a message's scored text (see `messageText`). */
export const messageBag = (m: ChatMessage): TermBag => termBag(messageText(m));

/**
 * BM25 (k1 1.2, b 0.75) of each message against the query, max-normalised to [0, 1]. `bagOf` may return cached bags
 * (compressChat's cache); the scores only depend on the bags.
 */
export function relevance(messages: readonly ChatMessage[], query: string, bagOf: (m: ChatMessage) => TermBag = messageBag): Float64Array {
  const n = messages.length;
  const out = new Float64Array(n);
  const queryTerms = [...new Set(terms(query))];
  if (queryTerms.length === 0 || n === 0) return out;
  const q = queryTerms.length;
  // per message, the count of each query term (0 when absent); the document frequency of each query term
  const tf = new Float64Array(n * q);
  const lengths = new Float64Array(n);
  const df = new Float64Array(q);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const bag = bagOf(messages[i]!);
    lengths[i] = bag.length;
    total += bag.length;
    for (let k = 0; k < q; k++) {
      const c = bag.count(queryTerms[k]!);
      if (c === 0) continue;
      tf[i * q + k] = c;
      df[k] = df[k]! + 1;
    }
  }
  const avg = total / n || 1;
  let max = 0;
  for (let i = 0; i < n; i++) {
    let score = 0;
    for (let k = 0; k < q; k++) {
      const f = tf[i * q + k]!;
      if (f === 0) continue;
      const dq = df[k]!;
      const idf = Math.log(1 + (n - dq + 0.5) / (dq + 0.5));
      score += (idf * f * 2.2) / (f + 1.2 * (0.25 + (0.75 * lengths[i]!) / avg));
    }
    out[i] = score;
    if (score > max) max = score;
  }
  if (max > 0) for (let i = 0; i < n; i++) out[i] = out[i]! / max;
  return out;
}

/** The value of every message (pinned ones included; they are not ranked). */
export function messageValues(
  messages: readonly ChatMessage[],
  structure: ChatStructure,
  query: string,
  halfLife: number,
  bagOf: (m: ChatMessage) => TermBag = messageBag,
): Float64Array {
  const rel = relevance(messages, query, bagOf);
  const n = messages.length;
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const m = messages[i]!;
    const neighbour = Math.max(i > 0 ? rel[i - 1]! : 0, i + 1 < n ? rel[i + 1]! : 0);
    const recency = Math.pow(0.5, structure.turnsAfter[i]! / halfLife);
    let v = rel[i]! + NEIGHBOUR * neighbour + 0.3 * recency + (isImportant(m) ? IMPORTANCE : 0);
    if (m.resultIds.length > 0) v *= 0.5;
    values[i] = v;
  }
  return values;
}

/** Costs the planner needs: per message, its full cost, its placeholder cost and its cost compressed to a factor. */
export interface CostModel {
  full(i: number): number;
  placeholder(i: number): number;
  compressed(i: number, factor: number): number;
  /** The query-free compacted form of prefix-stable mode. */
  compacted(i: number): number;
  compactedFidelity(i: number): ChatFidelity;
}

/** Group constraints: a group with any kept member keeps the others as placeholders; Anthropic starts with a user message. */
export function enforceStructure(plan: PlanEntry[], messages: readonly ChatMessage[], structure: ChatStructure): PlanEntry[] {
  const n = plan.length;
  const groups = structure.groupOf;
  const kept = new Set<number>();
  for (let i = 0; i < n; i++) if (plan[i]!.fidelity !== 'dropped') kept.add(groups[i]!);
  for (let i = 0; i < n; i++) if (plan[i]!.fidelity === 'dropped' && kept.has(groups[i]!)) plan[i] = { fidelity: 'placeholder', factor: 0 };
  const firstNonSystem = messages.findIndex((m) => m.role !== 'system');
  if (firstNonSystem >= 0 && messages[firstNonSystem]!.role === 'user') {
    // the first kept message must be a user message: keep the user turn before a leading assistant message as a placeholder
    const first = plan.findIndex((p, i) => p.fidelity !== 'dropped' && messages[i]!.role !== 'system');
    if (first >= 0 && messages[first]!.role !== 'user') {
      let u = first - 1;
      while (u >= 0 && !(messages[u]!.role === 'user' && messages[u]!.resultIds.length === 0)) u--;
      if (u >= 0) plan[u] = { fidelity: 'placeholder', factor: 0 };
    }
  }
  return plan;
}

export function planCost(plan: readonly PlanEntry[], costs: CostModel): number {
  let total = 0;
  plan.forEach((p, i) => {
    if (p.fidelity === 'pinned' || p.fidelity === 'full') total += costs.full(i);
    else if (p.fidelity === 'compressed') total += p.factor < 0 ? costs.compacted(i) : costs.compressed(i, p.factor);
    else if (p.fidelity === 'placeholder') total += costs.placeholder(i);
  });
  return total;
}

/** True when a message has enough text to be worth cutting (by a rough count: 4 characters a token). */
function compressible(m: ChatMessage): boolean {
  let chars = 0;
  for (const s of m.slots) if (!s.atomic) chars += s.text.length;
  return chars >= MIN_COMPRESSIBLE * 4;
}

/** The plan for threshold τ in relevance mode. */
export function thresholdPlan(tau: number, values: Float64Array, messages: readonly ChatMessage[], structure: ChatStructure): PlanEntry[] {
  const plan = messages.map((_, i): PlanEntry => {
    if (structure.pinned[i] === 1) return { fidelity: 'pinned', factor: 1 };
    const v = values[i]!;
    if (v >= tau) return { fidelity: 'full', factor: 1 };
    // observations are cut from half the threshold on, other text only close to it (cutting conversation loses more)
    const m = messages[i]!;
    if (v >= tau * (m.resultIds.length > 0 ? 0.5 : TEXT_BAND) && compressible(m)) return { fidelity: 'compressed', factor: v / tau };
    return { fidelity: 'dropped', factor: 0 };
  });
  return enforceStructure(plan, messages, structure);
}

/**
 * Relevance mode: candidate thresholds (every value and twice every value, plus ∞), bisected for the lowest one whose
 * estimated cost fits; `fits` verifies a plan on the rendered messages and the search moves up until it does.
 */
export function relevancePlan(
  budget: number,
  values: Float64Array,
  messages: readonly ChatMessage[],
  structure: ChatStructure,
  costs: CostModel,
  fits: (plan: PlanEntry[]) => boolean,
): PlanEntry[] {
  const candidates = new Set<number>([Number.POSITIVE_INFINITY]);
  for (let i = 0; i < values.length; i++) {
    if (structure.pinned[i] === 1) continue;
    candidates.add(values[i]!);
    candidates.add(values[i]! * 2);
  }
  const taus = [...candidates].filter((t) => t > 0).sort((a, b) => a - b);
  let lo = 0;
  let hi = taus.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (planCost(thresholdPlan(taus[mid]!, values, messages, structure), costs) <= budget) hi = mid;
    else lo = mid + 1;
  }
  for (let k = lo; k < taus.length; k++) {
    const plan = thresholdPlan(taus[k]!, values, messages, structure);
    if (fits(plan)) return refill(plan, budget, values, messages, structure, costs, fits);
  }
  return thresholdPlan(Number.POSITIVE_INFINITY, values, messages, structure);
}

/**
 * Spends what the threshold left of the budget: dropped plain messages (no tool calls or results), best value first,
 * are kept whole while they fit.
 */
function refill(
  plan: PlanEntry[],
  budget: number,
  values: Float64Array,
  messages: readonly ChatMessage[],
  structure: ChatStructure,
  costs: CostModel,
  fits: (plan: PlanEntry[]) => boolean,
): PlanEntry[] {
  let left = budget - planCost(plan, costs);
  if (left <= 0) return plan;
  const order = messages
    .map((_, i) => i)
    .filter((i) => plan[i]!.fidelity === 'dropped' && messages[i]!.calls.length === 0 && messages[i]!.resultIds.length === 0)
    .sort((a, b) => values[b]! - values[a]! || b - a);
  const next = plan.slice();
  for (const i of order) {
    const cost = costs.full(i);
    if (cost > left) continue;
    next[i] = { fidelity: 'full', factor: 1 };
    left -= cost;
  }
  const checked = enforceStructure(next, messages, structure);
  return fits(checked) ? checked : plan;
}
