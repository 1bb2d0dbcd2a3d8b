/**
 * @ctxpress/llamaindex: a LlamaIndex.TS node postprocessor that compresses retrieved nodes jointly to a token budget.
 * @module
 */
export { CtxpressNodePostprocessor, METADATA_KEY } from './postprocessor.js';
export type { CtxpressNodePostprocessorOptions, CtxpressNodeMetadata } from './postprocessor.js';
export type { KeepOption, NodeOrder, TokenizerOption } from './options.js';
export { CtxpressError, isCtxpressError } from '@ctxpress/core';
