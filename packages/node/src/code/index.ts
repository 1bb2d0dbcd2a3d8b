/**
 * Code-aware compression for Node: tree-sitter segmentation (web-tree-sitter + tree-sitter-wasms, loaded lazily).
 * @module
 */
export { compressCode } from './compress-code.js';
export type { NodeCodeCompressOptions } from './compress-code.js';
export { hasParser, loadCodeSegmenter, parseErrors, treeSitterSegmenter } from './tree-sitter-segmenter.js';
