/**
 * Which compressor a request goes to.
 * @module
 */
import { detectContentType } from '../detect-content-type.js';
import type { CompressRequest, ResolvedFormat } from './types.js';

/**
 * The request's compressor, with `auto` resolved: a text is `json` or `logs` when `detectContentType` says so, else
 * `markdown` or `text`; documents keep `auto` (the text pipeline detects Markdown per document).
 */
export function resolveRequestFormat(request: CompressRequest): ResolvedFormat {
  switch (request.kind) {
    case 'text': {
      return request.format === 'auto' ? detectContentType(request.text) : request.format;
    }
    case 'documents':
      return request.format;
    case 'messages':
      return 'chat';
    default:
      return request.kind;
  }
}
