/**
 * Anthropic Messages: `user` / `assistant` messages, `content` a string or blocks. `text` blocks are text; `tool_use`
 * blocks are actions (their `input` kept verbatim, counted as JSON); `tool_result` blocks are observations (string content
 * or text blocks). Other blocks (images, documents, thinking) are kept as they are and count 0 tokens. The top-level
 * `system` is passed as `options.system`.
 * @module
 */
import type { ChatAdapter, ChatMessage, TextSlot, ToolCallInfo } from './types.js';
import { argsJson, asRecord, invalid, isRecord, looksLikeJson, slot } from './shared.js';

export const anthropicAdapter: ChatAdapter = {
  format: 'anthropic',
  parse(messages) {
    const names = new Map<string, string>();
    return messages.map((value, index): ChatMessage => {
      const raw = asRecord(value, index);
      const role = raw['role'];
      if (role !== 'user' && role !== 'assistant')
        throw invalid(index, `unknown role ${JSON.stringify(role)} (Anthropic roles: user, assistant; the system prompt goes in options.system).`);
      const content = raw['content'];
      const slots: TextSlot[] = [];
      const calls: ToolCallInfo[] = [];
      const resultIds: string[] = [];
      if (typeof content === 'string') return { index, role, slots: [slot(content, ['content'], 0)], calls, resultIds, raw };
      if (!Array.isArray(content)) throw invalid(index, 'content must be a string or an array of content blocks.');
      content.forEach((block, b) => {
        if (!isRecord(block) || typeof block['type'] !== 'string') throw invalid(index, `content[${b}] is not a content block with a "type".`);
        switch (block['type']) {
          case 'text': {
            if (typeof block['text'] !== 'string') throw invalid(index, `content[${b}].text must be a string.`);
            slots.push(slot(block['text'], ['content', b, 'text'], b));
            break;
          }
          case 'tool_use': {
            if (role !== 'assistant') throw invalid(index, `content[${b}]: tool_use blocks belong in assistant messages.`);
            if (typeof block['id'] !== 'string' || typeof block['name'] !== 'string')
              throw invalid(index, `content[${b}]: tool_use needs a string id and name.`);
            calls.push({ id: block['id'], name: block['name'], args: argsJson(block['input'], index) });
            names.set(block['id'], block['name']);
            break;
          }
          case 'tool_result': {
            if (role !== 'user') throw invalid(index, `content[${b}]: tool_result blocks belong in user messages.`);
            const id = block['tool_use_id'];
            if (typeof id !== 'string') throw invalid(index, `content[${b}]: tool_result needs a string tool_use_id.`);
            resultIds.push(id);
            const toolName = names.get(id);
            const error = block['is_error'] === true;
            const inner = block['content'];
            if (typeof inner === 'string') {
              slots.push(slot(inner, ['content', b, 'content'], b, { kind: 'result', toolName, atomic: looksLikeJson(inner), error }));
            } else if (Array.isArray(inner)) {
              inner.forEach((part, p) => {
                if (!isRecord(part) || typeof part['type'] !== 'string') throw invalid(index, `content[${b}].content[${p}] is not a content block.`);
                if (part['type'] !== 'text') return;
                if (typeof part['text'] !== 'string') throw invalid(index, `content[${b}].content[${p}].text must be a string.`);
                slots.push(
                  slot(part['text'], ['content', b, 'content', p, 'text'], b, { kind: 'result', toolName, atomic: looksLikeJson(part['text']), error }),
                );
              });
            } else if (inner !== undefined) throw invalid(index, `content[${b}].content must be a string or an array of blocks.`);
            break;
          }
          default:
            break;
        }
      });
      return { index, role, slots, calls, resultIds, raw };
    });
  },
};
