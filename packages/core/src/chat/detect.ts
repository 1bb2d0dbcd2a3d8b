/**
 * Which provider format a message list is in, from its roles and content-part types.
 * @module
 */
import type { ChatFormat } from './types.js';
import { isRecord } from './shared.js';

/** Top-level `type`s of OpenAI Responses API input items (chat messages of the other formats have no `type`). */
const RESPONSES_ITEMS = new Set([
  'message',
  'function_call',
  'function_call_output',
  'custom_tool_call',
  'custom_tool_call_output',
  'computer_call',
  'computer_call_output',
  'reasoning',
  'item_reference',
]);
/** Content-part types only the Responses API uses. */
const RESPONSES_PARTS = new Set(['input_text', 'output_text', 'input_image', 'input_file']);

/**
 * `openai-responses` when an item has a Responses item `type` (`message`, `function_call`, `function_call_output`, …)
 * or a part is `input_text` / `output_text` / `input_image` / `input_file`;
 * `anthropic` when a content block is `tool_use` / `tool_result`; `ai-sdk` when a part is `tool-call` / `tool-result`
 * (or a `tool` message has array content without `tool_call_id`); otherwise `openai` (plain string conversations are the
 * same in all three formats, and compressChat applies the rules they differ in — a first user message — to all).
 */
export function detectChatFormat(messages: readonly unknown[]): ChatFormat {
  let openaiHints = false;
  for (const message of messages) {
    if (!isRecord(message)) continue;
    if (typeof message['type'] === 'string' && RESPONSES_ITEMS.has(message['type'])) return 'openai-responses';
    if (message['tool_calls'] !== undefined || message['tool_call_id'] !== undefined || message['role'] === 'developer') openaiHints = true;
    const content = message['content'];
    if (!Array.isArray(content)) continue;
    for (const part of content) {
      if (!isRecord(part)) continue;
      const type = part['type'];
      if (typeof type === 'string' && RESPONSES_PARTS.has(type)) return 'openai-responses';
      if (type === 'tool_use' || type === 'tool_result') return 'anthropic';
      if (type === 'tool-call' || type === 'tool-result') return 'ai-sdk';
      if (type === 'image_url' || type === 'input_audio') openaiHints = true;
    }
    if (message['role'] === 'tool' && message['tool_call_id'] === undefined && !openaiHints) return 'ai-sdk';
  }
  return 'openai';
}
