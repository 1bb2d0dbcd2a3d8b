/**
 * The code-compression parts of @ctxpress/core that the tree-sitter side uses, in one place.
 * @module
 */
export {
  compressCodeSync,
  indentationItems,
  indentationSegmenter,
  languageFromPath,
  normalizeCodeFiles,
  normalizeLanguage,
  outlineSegmentation,
  PARSED_LANGUAGES,
} from '@ctxpress/core';
export type { CodeCompressOptions, CodeCompressionResult, CodeFile, CodeItem, CodeItemKind, CodeOutline, CodeSegmenter } from '@ctxpress/core';
