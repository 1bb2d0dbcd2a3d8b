/**
 * Which provider format a message list is in, from its roles and content-part types.
 * @module
 */
import type { ChatFormat } from './types.js';
import { isRecord } from './shared.js';

/**
 * `anthropic` when a content block is `tool_use` / `tool_result`; `ai-sdk` when a part is `tool-call` / `tool-result`
 * (or a `tool` message has array content without `tool_call_id`); otherwise `openai` (plain string conversations are the
 * same in all three formats, and compressChat applies the rules they differ in — a first user message — to all).
 */
export function detectChatFormat(messages: readonly unknown[]): ChatFormat {
  let openaiHints = false;
  for (const message of messages) {
    if (!isRecord(message)) continue;
    if (message['tool_calls'] !== undefined || message['tool_call_id'] !== undefined || message['role'] === 'developer') openaiHints = true;
    const content = message['content'];
    if (!Array.isArray(content)) continue;
    for (const part of content) {
      if (!isRecord(part)) continue;
      const type = part['type'];
      if (type === 'tool_use' || type === 'tool_result') return 'anthropic';
      if (type === 'tool-call' || type === 'tool-result') return 'ai-sdk';
      if (type === 'image_url' || type === 'input_audio') openaiHints = true;
    }
    if (message['role'] === 'tool' && message['tool_call_id'] === undefined && !openaiHints) return 'ai-sdk';
  }
  return 'openai';
}
