/**
 * Code-aware compression (LongCodeZip-style), language-independent parts.
 * @module
 */
export { knapsack, KNAPSACK_EXACT_LIMIT } from './knapsack.js';
export { indentationSegmenter, indentationItems } from './indentation-segmenter.js';
export { childrenOf, elisionSyntax, isDefinition, outlineLeaves, outlineSegmentation } from './outline.js';
export type { CodeItem, CodeItemKind, CodeOutline, CodeSegmenter, ElisionSyntax, OutlineLeaf } from './outline.js';
export { compressCodeSync, normalizeCodeFiles } from './compress-code.js';
export type { CodeCompressOptions, CodeCompressionResult, CodeDecision, CodeFile, CodeFileReport, CodeUnitReport } from './compress-code.js';
export { languageFromPath, normalizeLanguage, PARSED_LANGUAGES } from './languages.js';
export type { ParsedLanguage } from './languages.js';
