/**
 * One small agent conversation in each supported format (a user asks, the assistant calls a tool, reads its result,
 * answers). Used by the tests and handy as documentation of what each adapter reads.
 * @module
 */
import type { ChatFormat } from './types.js';

export interface ChatSample {
  readonly messages: unknown[];
  readonly system?: string;
}

const SYSTEM = 'You are a helpful assistant for the ctxpress docs.';
const ASK = 'My name is Ada and I prefer short answers. How do I set a token budget?';
const RESULT =
  'The budget option takes { tokens: N } or { ratio: R }. With a ratio the target is floor(original / ratio). Budgets below one token are rejected with INVALID_BUDGET.';
const ANSWER = 'Pass budget: { tokens: 500 } or budget: { ratio: 4 }.';
const FOLLOW = 'And what happens when the pinned part does not fit?';
const FINAL = 'You get a BUDGET_UNSATISFIABLE error.';

export const SAMPLES: Record<ChatFormat, ChatSample> = {
  openai: {
    messages: [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: ASK },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'search_docs', arguments: '{"q":"token budget"}' } }],
      },
      { role: 'tool', tool_call_id: 'call_1', content: RESULT },
      { role: 'assistant', content: ANSWER },
      { role: 'user', content: [{ type: 'text', text: FOLLOW }] },
      { role: 'assistant', content: FINAL },
    ],
  },
  anthropic: {
    system: SYSTEM,
    messages: [
      { role: 'user', content: ASK },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Let me look.' },
          { type: 'tool_use', id: 'toolu_1', name: 'search_docs', input: { q: 'token budget' } },
        ],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: RESULT }] }] },
      { role: 'assistant', content: [{ type: 'text', text: ANSWER }] },
      { role: 'user', content: FOLLOW },
      { role: 'assistant', content: FINAL },
    ],
  },
  'ai-sdk': {
    messages: [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: [{ type: 'text', text: ASK }] },
      { role: 'assistant', content: [{ type: 'tool-call', toolCallId: 'tc_1', toolName: 'search_docs', input: { q: 'token budget' } }] },
      { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'tc_1', toolName: 'search_docs', output: { type: 'text', value: RESULT } }] },
      { role: 'assistant', content: ANSWER },
      { role: 'user', content: FOLLOW },
      { role: 'assistant', content: FINAL },
    ],
  },
  'openai-responses': {
    system: SYSTEM,
    messages: [
      { role: 'user', content: ASK },
      { type: 'function_call', call_id: 'call_1', name: 'search_docs', arguments: '{"q":"token budget"}' },
      { type: 'function_call_output', call_id: 'call_1', output: RESULT },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: ANSWER, annotations: [] }] },
      { role: 'user', content: [{ type: 'input_text', text: FOLLOW }] },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: FINAL, annotations: [] }] },
    ],
  },
};
