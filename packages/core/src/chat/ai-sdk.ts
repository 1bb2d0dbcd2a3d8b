/**
 * Vercel AI SDK `ModelMessage`s: `system` (string content), `user` / `assistant` (string or parts), `tool` (tool-result
 * parts). `{ type: 'text', text }` parts are text; `tool-call` parts are actions (`input` kept verbatim, counted as JSON);
 * `tool-result` parts are observations. A result `output` may be a plain string or an AI SDK 5 output object
 * (`{ type: 'text' | 'error-text', value }` is text; `json` / `error-json` / `content` outputs are kept whole or replaced
 * by `{ type: 'text', value: placeholder }`). A provider-executed tool (`providerExecuted`, or its result in the same
 * assistant message) is not an open call; its result is an observation of that message. Other parts (images, files,
 * reasoning) are kept and count 0 tokens.
 * @module
 */
import type { ChatAdapter, ChatMessage, ChatRole, TextSlot, ToolCallInfo } from './types.js';
import { argsJson, asRecord, invalid, isRecord, looksLikeJson, slot } from './shared.js';

const ROLES = new Set<string>(['system', 'user', 'assistant', 'tool']);

function resultSlot(output: unknown, index: number, p: number, toolName: string | undefined): TextSlot | undefined {
  const base = ['content', p, 'output'];
  if (typeof output === 'string') return slot(output, base, p, { kind: 'result', toolName, atomic: looksLikeJson(output) });
  if (isRecord(output) && (output['type'] === 'text' || output['type'] === 'error-text') && typeof output['value'] === 'string') {
    const text = output['value'];
    return slot(text, [...base, 'value'], p, { kind: 'result', toolName, atomic: looksLikeJson(text), error: output['type'] === 'error-text' });
  }
  if (output === undefined) return undefined;
  let text: string;
  try {
    text = JSON.stringify(output) ?? '';
  } catch {
    throw invalid(index, `content[${p}].output cannot be serialised as JSON.`);
  }
  const error = isRecord(output) && output['type'] === 'error-json';
  return slot(text, base, p, { kind: 'result', toolName, atomic: true, error, encode: (value) => ({ type: 'text', value }) });
}

export const aiSdkAdapter: ChatAdapter = {
  format: 'ai-sdk',
  parse(messages) {
    return messages.map((value, index): ChatMessage => {
      const raw = asRecord(value, index);
      const roleName = raw['role'];
      if (typeof roleName !== 'string' || !ROLES.has(roleName))
        throw invalid(index, `unknown role ${JSON.stringify(roleName)} (AI SDK roles: system, user, assistant, tool).`);
      const role = roleName as ChatRole;
      const content = raw['content'];
      const slots: TextSlot[] = [];
      const calls: ToolCallInfo[] = [];
      const resultIds: string[] = [];
      if (typeof content === 'string') {
        if (role === 'tool') throw invalid(index, 'a tool message needs an array of tool-result parts.');
        return { index, role, slots: [slot(content, ['content'], 0)], calls, resultIds, raw };
      }
      if (role === 'system') throw invalid(index, 'a system message needs string content.');
      if (!Array.isArray(content)) throw invalid(index, 'content must be a string or an array of parts.');
      // provider-executed tools (a provider's own web search, code execution): the call and its result are both in
      // the assistant message, so the call is not an open one waiting for a tool message
      const answeredHere = new Set<string>();
      if (role === 'assistant') {
        for (const part of content) {
          if (isRecord(part) && part['type'] === 'tool-result' && typeof part['toolCallId'] === 'string') answeredHere.add(part['toolCallId']);
        }
      }
      content.forEach((part, p) => {
        if (!isRecord(part) || typeof part['type'] !== 'string') throw invalid(index, `content[${p}] is not a part with a "type".`);
        const type = part['type'];
        if (type === 'text') {
          if (typeof part['text'] !== 'string') throw invalid(index, `content[${p}].text must be a string.`);
          slots.push(slot(part['text'], ['content', p, 'text'], p));
        } else if (type === 'tool-call' && role === 'assistant') {
          if (typeof part['toolCallId'] !== 'string' || typeof part['toolName'] !== 'string')
            throw invalid(index, `content[${p}]: tool-call needs a string toolCallId and toolName.`);
          const providerExecuted = part['providerExecuted'] === true || answeredHere.has(part['toolCallId']);
          if (!providerExecuted) calls.push({ id: part['toolCallId'], name: part['toolName'], args: argsJson(part['input'], index) });
        } else if (type === 'tool-call') {
          throw invalid(index, `content[${p}]: tool-call parts belong in assistant messages.`);
        } else if (type === 'tool-result' && role === 'tool') {
          if (typeof part['toolCallId'] !== 'string') throw invalid(index, `content[${p}]: tool-result needs a string toolCallId.`);
          resultIds.push(part['toolCallId']);
          const s = resultSlot(part['output'], index, p, typeof part['toolName'] === 'string' ? part['toolName'] : undefined);
          if (s) slots.push(s);
        } else if (type === 'tool-result' && role === 'assistant' && typeof part['toolCallId'] === 'string') {
          // a provider-executed tool's result: an observation like any other, cut or replaced by relevance
          const s = resultSlot(part['output'], index, p, typeof part['toolName'] === 'string' ? part['toolName'] : undefined);
          if (s) slots.push(s);
        }
        // other parts (images, files, reasoning, approval responses) are kept as they are
      });
      return { index, role, slots, calls, resultIds, raw };
    });
  },
};
