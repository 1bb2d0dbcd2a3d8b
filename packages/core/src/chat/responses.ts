/**
 * OpenAI Responses API `input` items. A string `input` is the caller's to wrap (`[{ role: 'user', content: input }]`);
 * the top-level `instructions` is passed as `options.system`.
 *
 * - Messages: `{ role, content }` (easy input, no `type`) and `{ type: 'message', role, content }` with role `user`,
 *   `assistant`, `system` or `developer` (read as `system`). `content` is a string or parts: `input_text` /
 *   `output_text` (`text`) and `refusal` (`refusal`) are text; other parts (`input_image`, `input_file`, `input_audio`,
 *   …) are kept as they are and count `mediaTokens` each (default 1000; `shared.ts mediaParts`).
 * - Tool calls: `{ type: 'function_call', call_id, name, arguments }` (and `custom_tool_call` with `input`) are actions,
 *   kept verbatim and counted as their arguments; `computer_call` (kept, counted 0) too, so it stays with its output.
 * - Tool results: `{ type: 'function_call_output', call_id, output }` (and `custom_tool_call_output`): a string output is
 *   one result slot (atomic when it is JSON), an array output has one slot per `input_text` / `output_text` part;
 *   `computer_call_output` is a result with no text.
 * - Anything else (`reasoning`, `item_reference`, `web_search_call`, `mcp_call`, …) is kept as it is with no text, as
 *   an assistant item.
 * @module
 */
import type { ChatAdapter, ChatMessage, ChatRole, TextSlot, ToolCallInfo } from './types.js';
import { asRecord, invalid, isRecord, looksLikeJson, slot } from './shared.js';

const ROLES: Readonly<Record<string, ChatRole>> = { user: 'user', assistant: 'assistant', system: 'system', developer: 'system' };

/** Content-part types whose text may be cut, and the field it is in. */
const TEXT_PARTS: Readonly<Record<string, string>> = { input_text: 'text', output_text: 'text', refusal: 'refusal' };

/** Item types that make a tool call, and the field that holds what the call passes (counted, never changed). */
const CALLS: Readonly<Record<string, string | undefined>> = { function_call: 'arguments', custom_tool_call: 'input', computer_call: undefined };
/** Item types that answer a call by its `call_id`. */
const OUTPUTS = new Set(['function_call_output', 'custom_tool_call_output', 'computer_call_output']);

/** Slots of parts content (`content` of a message, `output` of a tool result). */
function partSlots(parts: readonly unknown[], index: number, field: string, kind: 'text' | 'result', toolName: string | undefined): TextSlot[] {
  const slots: TextSlot[] = [];
  parts.forEach((part, p) => {
    if (!isRecord(part) || typeof part['type'] !== 'string') throw invalid(index, `item ${field}[${p}] is not a content part with a "type".`);
    const key = TEXT_PARTS[part['type']];
    if (key === undefined) return;
    const text = part[key];
    if (typeof text !== 'string') throw invalid(index, `item ${field}[${p}].${key} must be a string.`);
    slots.push(slot(text, [field, p, key], 0, { kind, toolName, atomic: kind === 'result' && looksLikeJson(text) }));
  });
  return slots;
}

function describe(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

export const responsesAdapter: ChatAdapter = {
  format: 'openai-responses',
  parse(items) {
    const names = new Map<string, string>();
    return items.map((value, index): ChatMessage => {
      const raw = asRecord(value, index);
      const type = raw['type'];
      if (type === undefined || type === 'message') {
        const role = typeof raw['role'] === 'string' ? ROLES[raw['role']] : undefined;
        if (role === undefined) {
          throw invalid(index, `message item with unknown role ${describe(raw['role'])} (Responses roles: user, assistant, system, developer).`);
        }
        const content = raw['content'];
        let slots: TextSlot[];
        if (typeof content === 'string') slots = [slot(content, ['content'], 0)];
        else if (Array.isArray(content)) slots = partSlots(content, index, 'content', 'text', undefined);
        else throw invalid(index, 'message item content must be a string or an array of content parts (input_text, output_text, …).');
        return { index, role, slots, calls: [], resultIds: [], raw };
      }
      if (typeof type !== 'string') throw invalid(index, `item type must be a string, got ${describe(type)}.`);
      if (type in CALLS) {
        const id = raw['call_id'];
        if (typeof id !== 'string' || id === '') throw invalid(index, `${type} item needs a string call_id.`);
        const name = type === 'computer_call' ? 'computer' : raw['name'];
        if (typeof name !== 'string') throw invalid(index, `${type} item needs a string name.`);
        const field = CALLS[type];
        let args = '';
        if (field !== undefined) {
          const given = raw[field];
          if (typeof given !== 'string') throw invalid(index, `${type} item ${field} must be a string.`);
          args = given;
        }
        names.set(id, name);
        return { index, role: 'assistant', slots: [], calls: [{ id, name, args }] satisfies ToolCallInfo[], resultIds: [], raw };
      }
      if (OUTPUTS.has(type)) {
        const id = raw['call_id'];
        if (typeof id !== 'string' || id === '') throw invalid(index, `${type} item needs a string call_id.`);
        const toolName = names.get(id);
        const output = raw['output'];
        let slots: TextSlot[] = [];
        if (type !== 'computer_call_output') {
          if (typeof output === 'string') slots = [slot(output, ['output'], 0, { kind: 'result', toolName, atomic: looksLikeJson(output) })];
          else if (Array.isArray(output)) slots = partSlots(output, index, 'output', 'result', toolName);
          else throw invalid(index, `${type} item output must be a string or an array of content parts.`);
        }
        return { index, role: 'tool', slots, calls: [], resultIds: [id], raw };
      }
      // reasoning, item_reference, hosted tool calls, …: kept as they are
      return { index, role: 'assistant', slots: [], calls: [], resultIds: [], raw };
    });
  },
};
