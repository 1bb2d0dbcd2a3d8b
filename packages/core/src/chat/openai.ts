/**
 * OpenAI Chat Completions messages: `system` / `developer` / `user` / `assistant` (with `tool_calls`) / `tool`.
 * Text is a string `content` or its `{ type: 'text', text }` parts; other parts (images, audio) are kept as they are and
 * count 0 tokens. Tool-call `function.arguments` is kept verbatim.
 * @module
 */
import type { ChatAdapter, ChatMessage, ChatRole, TextSlot, ToolCallInfo } from './types.js';
import { asRecord, invalid, isRecord, looksLikeJson, slot } from './shared.js';

const ROLES: Record<string, ChatRole> = { system: 'system', developer: 'system', user: 'user', assistant: 'assistant', tool: 'tool' };

/** Slots of a string or parts `content`; `result` marks a tool message's content. */
export function contentSlots(
  content: unknown,
  index: number,
  kind: 'text' | 'result',
  toolName: string | undefined,
  base: readonly (string | number)[],
  owner = 0,
): TextSlot[] {
  if (typeof content === 'string') {
    return [slot(content, base, owner, { kind, toolName, atomic: kind === 'result' && looksLikeJson(content) })];
  }
  if (content === null || content === undefined) return [];
  if (!Array.isArray(content)) throw invalid(index, 'content must be a string or an array of content parts.');
  const slots: TextSlot[] = [];
  content.forEach((part, p) => {
    if (!isRecord(part) || typeof part['type'] !== 'string') throw invalid(index, `content[${p}] is not a content part with a "type".`);
    const key = part['type'] === 'text' ? 'text' : part['type'] === 'refusal' ? 'refusal' : undefined;
    if (key === undefined) return;
    const text = part[key];
    if (typeof text !== 'string') throw invalid(index, `content[${p}].${key} must be a string.`);
    slots.push(slot(text, [...base, p, key], owner, { kind, toolName, atomic: kind === 'result' && looksLikeJson(text) }));
  });
  return slots;
}

export const openaiAdapter: ChatAdapter = {
  format: 'openai',
  parse(messages) {
    const names = new Map<string, string>();
    return messages.map((value, index): ChatMessage => {
      const raw = asRecord(value, index);
      const roleName = raw['role'];
      const role = typeof roleName === 'string' ? ROLES[roleName] : undefined;
      if (role === undefined) throw invalid(index, `unknown role ${JSON.stringify(roleName)} (OpenAI roles: system, developer, user, assistant, tool).`);
      const calls: ToolCallInfo[] = [];
      if (role === 'assistant' && raw['tool_calls'] !== undefined && raw['tool_calls'] !== null) {
        const list = raw['tool_calls'];
        if (!Array.isArray(list)) throw invalid(index, 'tool_calls must be an array.');
        list.forEach((call, c) => {
          const fn = isRecord(call) ? call['function'] : undefined;
          if (!isRecord(call) || typeof call['id'] !== 'string' || !isRecord(fn) || typeof fn['name'] !== 'string') {
            throw invalid(index, `tool_calls[${c}] needs a string id and function.name.`);
          }
          const args = fn['arguments'];
          if (typeof args !== 'string') throw invalid(index, `tool_calls[${c}].function.arguments must be a JSON string.`);
          calls.push({ id: call['id'], name: fn['name'], args });
          names.set(call['id'], fn['name']);
        });
      }
      if (role === 'tool') {
        const id = raw['tool_call_id'];
        if (typeof id !== 'string') throw invalid(index, 'a tool message needs a string tool_call_id.');
        const toolName = names.get(id) ?? (typeof raw['name'] === 'string' ? raw['name'] : undefined);
        return { index, role, slots: contentSlots(raw['content'], index, 'result', toolName, ['content']), calls, resultIds: [id], raw };
      }
      return { index, role, slots: contentSlots(raw['content'], index, 'text', undefined, ['content']), calls, resultIds: [], raw };
    });
  },
};
