/**
 * OpenAI Responses API `input` items (`message`, `function_call`, `function_call_output`). Work in progress.
 * @module
 */
import type { ChatAdapter } from './types.js';
import { CtxpressError } from '../errors.js';

export const responsesAdapter: ChatAdapter = {
  format: 'openai-responses',
  parse() {
    throw new CtxpressError('INVALID_OPTION', 'the openai-responses format is not implemented yet.');
  },
};
