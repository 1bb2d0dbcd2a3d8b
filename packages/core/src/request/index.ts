export { parseCompressRequest, parseRegExpLiteral, defaultKeepPattern, readBudget, REQUEST_FIELDS } from './parse.js';
export { resolveRequestFormat } from './resolve.js';
export { REQUEST_FORMATS } from './types.js';
export type {
  CompressRequest,
  TextRequest,
  DocumentsRequest,
  MessagesRequest,
  CodeRequest,
  JsonRequest,
  LogsRequest,
  RequestCommon,
  ProseOptions,
  WithKeep,
  RequestFormat,
  ResolvedFormat,
  ParseRequestOptions,
} from './types.js';
