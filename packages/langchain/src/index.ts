/**
 * @ctxpress/langchain — ctxpress for LangChain.js: `CtxpressDocumentCompressor` (a `BaseDocumentCompressor` for
 * `ContextualCompressionRetriever`), `ctxpressTrimMessages` (`trimMessages`-shaped, for LCEL chains) and, from
 * `@ctxpress/langchain/agent`, `ctxpressMiddleware` for `createAgent`. No compression logic of its own: documents go
 * through `@ctxpress/node`'s `compress`, messages through its `compressChat`.
 * @module
 */
export { CtxpressDocumentCompressor } from './documents.js';
export type { CtxpressDocumentCompressorOptions, CtxpressDocumentMetadata, DocumentOrder } from './documents.js';
export { ctxpressTrimMessages } from './trim.js';
export type { CtxpressTrimMessagesOptions } from './trim.js';
export { compressMessages, countMessageTokens } from './messages.js';
export type { MessageCompressionOptions, MessageCompressionResult, MessageCompressionStats } from './messages.js';
export type { KeepOption, TokenizerOption } from './options.js';
export { CtxpressError, isCtxpressError } from '@ctxpress/core';
