/**
 * The structure compression must respect: tool exchanges (a message with tool calls and the messages answering them,
 * dropped or kept together), user turns, and what is pinned (system messages and the last N turns).
 * @module
 */
import type { ChatFormat, ChatMessage } from './types.js';
import { invalid } from './shared.js';

export interface ChatStructure {
  /** Group of each message: a tool exchange is one group, every other message its own. */
  readonly groupOf: Int32Array;
  /** Index of each user turn start: a user message that carries no tool results. */
  readonly turnStarts: readonly number[];
  /** Number of turn starts after each message (0 for the latest turn). */
  readonly turnsAfter: Int32Array;
  /** First message of the pinned tail (`messages.length` when no tail is pinned). */
  readonly tailStart: number;
  /** 1 for system messages, the tail and the latest user message. */
  readonly pinned: Uint8Array;
}

/**
 * Checks that every tool result answers a call of the exchange it is in and every call gets its result, then groups.
 * OpenAI: `tool` messages right after the assistant message with the call; Anthropic: every result in the next (user)
 * message; AI SDK: `tool` messages after the call, before any other message.
 */
export function analyseChat(messages: readonly ChatMessage[], format: ChatFormat, keepLastTurns: number): ChatStructure {
  const n = messages.length;
  const groupOf = new Int32Array(n);
  const seen = new Set<string>();
  let open = new Map<string, number>(); // call id -> message index of the call
  let group = -1;
  const unanswered = (): never => {
    const [id, at] = open.entries().next().value as [string, number];
    throw invalid(at, `tool call ${JSON.stringify(id)} has no tool result right after it (an orphan call).`);
  };
  let lastHadCalls = false;
  let joinNext = false;
  for (const m of messages) {
    // Responses API: an item with no text, calls or results (a reasoning item, an item reference) belongs with what
    // follows it — inside an open exchange it stays there, otherwise it opens the group the next item joins
    if (format === 'openai-responses' && m.slots.length === 0 && m.calls.length === 0 && m.resultIds.length === 0 && m.raw['type'] !== 'message') {
      if (open.size === 0 && !joinNext) {
        group++;
        joinNext = true;
      }
      groupOf[m.index] = group;
      continue;
    }
    const joining = joinNext;
    joinNext = false;
    const hadCalls = lastHadCalls;
    lastHadCalls = m.calls.length > 0 && m.resultIds.length === 0;
    if (m.resultIds.length > 0) {
      for (const id of m.resultIds) {
        if (!open.has(id))
          throw invalid(
            m.index,
            seen.has(id)
              ? `tool result for ${JSON.stringify(id)} is not right after its call (or answers it twice).`
              : `tool result for ${JSON.stringify(id)} has no matching tool call before it (an orphan result).`,
          );
        open.delete(id);
      }
      groupOf[m.index] = group;
      if (format === 'anthropic' && open.size > 0) unanswered();
      if (m.calls.length > 0) throw invalid(m.index, 'a message cannot both answer and make tool calls.');
      continue;
    }
    // Responses API: parallel calls are consecutive function_call items, answered by the outputs that follow them
    if (open.size > 0 && format === 'openai-responses' && m.calls.length > 0 && hadCalls) {
      groupOf[m.index] = group;
      for (const c of m.calls) {
        if (seen.has(c.id)) throw invalid(m.index, `tool call id ${JSON.stringify(c.id)} is used twice.`);
        seen.add(c.id);
        open.set(c.id, m.index);
      }
      continue;
    }
    if (open.size > 0) unanswered();
    if (!joining) group++;
    groupOf[m.index] = group;
    if (m.calls.length > 0) {
      open = new Map();
      for (const c of m.calls) {
        if (seen.has(c.id)) throw invalid(m.index, `tool call id ${JSON.stringify(c.id)} is used twice.`);
        seen.add(c.id);
        open.set(c.id, m.index);
      }
    }
  }
  if (open.size > 0) unanswered();

  const turnStarts: number[] = [];
  for (const m of messages) if (m.role === 'user' && m.resultIds.length === 0) turnStarts.push(m.index);
  const turnsAfter = new Int32Array(n);
  const isStart = new Uint8Array(n);
  for (const i of turnStarts) isStart[i] = 1;
  for (let i = n - 1, after = 0; i >= 0; i--) {
    turnsAfter[i] = after;
    if (isStart[i] === 1) after++;
  }
  let tailStart = n;
  if (keepLastTurns > 0) tailStart = turnStarts.length <= keepLastTurns ? 0 : turnStarts[turnStarts.length - keepLastTurns]!;
  const pinned = new Uint8Array(n);
  for (let i = 0; i < n; i++) if (i >= tailStart || messages[i]!.role === 'system') pinned[i] = 1;
  // the latest user message is always kept, also with keepLastTurns 0 (a request needs it; Anthropic needs a message)
  const latest = turnStarts[turnStarts.length - 1];
  if (latest !== undefined) pinned[latest] = 1;
  return { groupOf, turnStarts, turnsAfter, tailStart, pinned };
}
