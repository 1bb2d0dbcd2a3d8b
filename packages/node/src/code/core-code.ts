/**
 * The code-compression parts of @ctxpress/core that the tree-sitter side uses, in one place.
 * @module
 */
export { compressCodeSync, indentationSegmenter, languageFromPath, PARSED_LANGUAGES } from '@ctxpress/core';
export { indentationItems, normalizeCodeFiles, normalizeLanguage, outlineSegmentation } from '@ctxpress/core/internal';
export type { CodeCompressOptions, CodeCompressionResult, CodeFile, CodeItem, CodeItemKind, CodeOutline, CodeSegmenter } from '@ctxpress/core';
