/**
 * Chat / agent-history compression for OpenAI Chat Completions, Anthropic Messages and Vercel AI SDK `ModelMessage`
 * lists; the output is in the input's format and a valid request for its provider.
 *
 * ```ts
 * const { messages, tokens, decisions } = compressChat(history, { budget: { ratio: 4 }, tokenizer, keepLastTurns: 4 });
 * ```
 *
 * Tokens are counted per message as the tokenizer count of its text content (text parts, tool-result content) plus its
 * tool calls' arguments JSON plus `MESSAGE_OVERHEAD` (4); Anthropic's `options.system` counts as one more message.
 * The only text the output may contain that is not from the input is a placeholder such as
 * `[tool result from search_docs omitted: 1,234 tokens]` or `[user message omitted: 56 tokens]`.
 * @module
 */
export { compressChat, chatCacheKeys, countChatTokens, MESSAGE_OVERHEAD, COMPACT_FACTOR } from './compress-chat.js';
export { detectChatFormat } from './detect.js';
export type { ChatCompressOptions, ChatCompressionResult, ChatDecision, ChatFidelity, ChatFormat } from './types.js';
