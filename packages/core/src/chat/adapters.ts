/**
 * The chat format adapters by format name.
 * @module
 */
import type { ChatAdapter, ChatFormat } from './types.js';
import { aiSdkAdapter } from './ai-sdk.js';
import { anthropicAdapter } from './anthropic.js';
import { openaiAdapter } from './openai.js';
import { responsesAdapter } from './responses.js';

export const ADAPTERS: Readonly<Record<ChatFormat, ChatAdapter>> = {
  openai: openaiAdapter,
  anthropic: anthropicAdapter,
  'ai-sdk': aiSdkAdapter,
  'openai-responses': responsesAdapter,
};
