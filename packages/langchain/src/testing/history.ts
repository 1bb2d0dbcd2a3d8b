/**
 * Test fixtures: a LangChain history with tool exchanges, and checks of what a model may receive. Not exported by the
 * package (no entry point points here).
 * @module
 */
import { AIMessage, HumanMessage, SystemMessage, ToolMessage } from '@langchain/core/messages';
import type { BaseMessage } from '@langchain/core/messages';

export const filler = (topic: string, n: number): string =>
  Array.from({ length: n }, (_, i) => `The ${topic} log entry ${i + 1} records routine scheduling, staffing and paperwork notes for the week.`).join(' ');

export const ANSWER = 'The rover battery life is limited by the cold: at minus forty degrees the lithium cells lose sixty percent of their capacity.';
export const SYSTEM = 'You are a careful engineering assistant. Answer from the tool results only.';
export const LAST = 'Given all that, what limits the battery life of the rover?';

/** System, two earlier turns (one with a tool exchange whose result holds the answer among filler), the last question. */
export function history(): BaseMessage[] {
  return [
    new SystemMessage(SYSTEM),
    new HumanMessage({ content: 'Summarise the catering logs for me.', id: 'h1' }),
    new AIMessage({ content: filler('catering', 25), id: 'a1' }),
    new HumanMessage({ content: [{ type: 'text', text: 'Now search the rover reports.' }], id: 'h2' }),
    new AIMessage({
      content: '',
      id: 'a2',
      tool_calls: [{ id: 'call_1', name: 'search_reports', args: { query: 'rover battery' }, type: 'tool_call' }],
    }),
    new ToolMessage({ content: `${filler('hardware', 15)} ${ANSWER} ${filler('hardware', 15)}`, tool_call_id: 'call_1', name: 'search_reports', id: 't1' }),
    new AIMessage({ content: `I found the hardware reports. ${filler('summary', 10)}`, id: 'a3' }),
    new HumanMessage({ content: LAST, id: 'h3' }),
  ];
}

/** Every AI tool call is answered by the tool messages right after it, and every tool message answers such a call. */
export function pairsValid(messages: readonly BaseMessage[]): boolean {
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    if (AIMessage.isInstance(m) && (m.tool_calls?.length ?? 0) > 0) {
      const ids = new Set(m.tool_calls!.map((c) => c.id));
      let j = i + 1;
      while (j < messages.length && ToolMessage.isInstance(messages[j]!)) {
        if (!ids.delete((messages[j] as ToolMessage).tool_call_id)) return false;
        j++;
      }
      if (ids.size > 0) return false;
      i = j - 1;
    } else if (ToolMessage.isInstance(m)) {
      return false; // a tool message not right after its call
    }
  }
  return true;
}

export function textOf(messages: readonly BaseMessage[]): string {
  return messages.map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content))).join('\n');
}
