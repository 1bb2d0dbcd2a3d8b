/**
 * `parseCompressRequest`: the one validator of the wire format (HTTP `/v1/compress` bodies and batch lines), with coded
 * errors whose messages say what to fix.
 * @module
 */
import { CtxpressError } from '../errors.js';
import type { Budget, DocumentInput } from '../types.js';
import type { CodeFile } from '../code/compress-code.js';
import { REQUEST_FORMATS, type CompressRequest, type ParseRequestOptions, type RequestFormat } from './types.js';

/** The wire format's fields. */
export const REQUEST_FIELDS = [
  'text',
  'documents',
  'messages',
  'code',
  'system',
  'query',
  'budget',
  'tokenizer',
  'format',
  'keep',
  'explain',
  'separator',
  'documentSeparator',
  'prune',
  'keepLastTurns',
  'prefixStable',
  'timeLimitMs',
] as const;

const INPUTS = ['text', 'documents', 'messages', 'code'] as const;
type InputField = (typeof INPUTS)[number];

/** Which inputs each format takes. */
const NEEDS: Record<RequestFormat, readonly InputField[]> = {
  text: ['text', 'documents'],
  markdown: ['text', 'documents'],
  auto: ['text', 'documents', 'messages', 'code'],
  chat: ['messages'],
  json: ['text'],
  logs: ['text'],
  code: ['code'],
};

/** Flags a JavaScript RegExp accepts. */
const REGEXP_FLAGS = /^[dgimsuyv]*$/;

/**
 * The body and flags of a keep pattern written `/body/flags` (non-empty body, valid flags), or undefined for a literal
 * string — so a path such as `/usr/bin` (its "flags" `bin` are not flags) stays a string.
 */
export function parseRegExpLiteral(pattern: string): { readonly source: string; readonly flags: string } | undefined {
  const lastSlash = pattern.lastIndexOf('/');
  if (!pattern.startsWith('/') || lastSlash < 2) return undefined;
  const flags = pattern.slice(lastSlash + 1);
  if (!REGEXP_FLAGS.test(flags)) return undefined;
  return { source: pattern.slice(1, lastSlash), flags };
}

/** The default `keepPattern`: `/body/flags` becomes a native RegExp (INVALID_OPTION when it does not compile). */
export function defaultKeepPattern(pattern: string, index: number): string | RegExp {
  const literal = parseRegExpLiteral(pattern);
  if (literal === undefined) return pattern;
  try {
    return new RegExp(literal.source, literal.flags);
  } catch (error) {
    throw new CtxpressError('INVALID_OPTION', `keep[${index}]: invalid regular expression (${error instanceof Error ? error.message : String(error)}).`);
  }
}

/** `{ tokens: N }` (integer ≥ 1) or `{ ratio: R }` (number ≥ 1), else undefined. */
export function readBudget(value: unknown): Budget | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;
  const { tokens, ratio } = value as { tokens?: unknown; ratio?: unknown };
  if (keys[0] === 'tokens' && typeof tokens === 'number' && Number.isSafeInteger(tokens) && tokens >= 1) return { tokens };
  if (keys[0] === 'ratio' && typeof ratio === 'number' && Number.isFinite(ratio) && ratio >= 1) return { ratio };
  return undefined;
}

function invalid(message: string): CtxpressError {
  return new CtxpressError('INVALID_INPUT', message);
}

function option(message: string): CtxpressError {
  return new CtxpressError('INVALID_OPTION', message);
}

function budgetError(message: string): CtxpressError {
  return new CtxpressError('INVALID_BUDGET', message);
}

/** Batch lines' deprecated top-level `tokens` / `ratio`. */
function legacyBudget(request: Record<string, unknown>): Budget | undefined {
  const { tokens, ratio } = request;
  if (tokens === undefined && ratio === undefined) return undefined;
  if (request['budget'] !== undefined) throw budgetError('give either "budget" or the deprecated top-level "tokens" / "ratio", not both.');
  if (tokens !== undefined && ratio !== undefined) throw budgetError('give either "tokens" or "ratio", not both.');
  if (tokens !== undefined) {
    if (typeof tokens !== 'number' || !Number.isSafeInteger(tokens) || tokens < 1) throw budgetError(`"tokens" must be a positive integer, got ${JSON.stringify(tokens)}.`);
    return { tokens };
  }
  if (typeof ratio !== 'number' || !Number.isFinite(ratio) || ratio < 1) throw budgetError(`"ratio" must be a number ≥ 1, got ${JSON.stringify(ratio)}.`);
  return { ratio };
}

function budgetOfRequest(request: Record<string, unknown>, legacy: boolean): Budget {
  const old = legacy ? legacyBudget(request) : undefined;
  if (old !== undefined) return old;
  if (request['budget'] === undefined) throw budgetError('budget is required: { "tokens": N } or { "ratio": R }.');
  const budget = readBudget(request['budget']);
  if (budget === undefined) throw budgetError('budget must be { "tokens": N } (integer ≥ 1) or { "ratio": R } (number ≥ 1).');
  return budget;
}

function codeFiles(value: unknown): CodeFile[] {
  if (
    !Array.isArray(value) ||
    !value.every((file) => typeof file === 'object' && file !== null && typeof file.path === 'string' && typeof file.text === 'string')
  ) {
    throw invalid('code must be an array of { path, text } files.');
  }
  return (value as { path: string; text: string; language?: unknown }[]).map((file) => ({
    path: file.path,
    text: file.text,
    ...(typeof file.language === 'string' ? { language: file.language } : {}),
  }));
}

/**
 * Checks a request in the wire format and returns it typed; throws a `CtxpressError` (INVALID_INPUT, INVALID_BUDGET or
 * INVALID_OPTION) whose message says what to fix.
 *
 * The wire format: exactly one of `text` (a string), `documents` (`[{ id?, title?, text }]`), `messages` (chat
 * messages) or `code` (`[{ path, text, language? }]`); `budget` (`{ tokens }` or `{ ratio }`); optionally `format`
 * (text, markdown, auto, chat, json, logs, code), `query`, `tokenizer`, `keep` (strings, `"/re/flags"` for a regular
 * expression), `explain`, `timeLimitMs`; for prose `separator`, `documentSeparator`, `prune`; for chat `system`,
 * `keepLastTurns`, `prefixStable`.
 *
 * @example
 * const request = parseCompressRequest({ text, budget: { ratio: 4 }, query: 'battery' });
 * request.kind; // 'text'
 */
export function parseCompressRequest(value: unknown, options: ParseRequestOptions = {}): CompressRequest {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('the request body must be a JSON object.');
  const request = value as Record<string, unknown>;
  const known = [...REQUEST_FIELDS, ...(options.legacyBudget === true ? ['tokens', 'ratio'] : []), ...(options.extraFields ?? [])];
  const unknown = Object.keys(request).filter((key) => !known.includes(key));
  if (unknown.length > 0) throw option(`unknown field(s) ${unknown.join(', ')}; known: ${known.join(', ')}.`);

  const inputs = INPUTS.filter((key) => request[key] !== undefined);
  if (inputs.length === 0) {
    throw invalid('missing "text" (a string), "documents" ([{ id?, title?, text }]), "messages" or "code" ([{ path, text }]): give exactly one.');
  }
  if (inputs.length !== 1) throw invalid(`give exactly one of text, documents, messages or code (got ${inputs.join(', ')}).`);
  const input = inputs[0]!;

  const budget = budgetOfRequest(request, options.legacyBudget === true);

  const format = request['format'] ?? (input === 'messages' ? 'chat' : input === 'code' ? 'code' : 'auto');
  if (typeof format !== 'string' || !(REQUEST_FORMATS as readonly string[]).includes(format)) {
    throw option(`format must be one of ${REQUEST_FORMATS.join(', ')}.`);
  }
  const given = format as RequestFormat;
  if (!NEEDS[given].includes(input)) throw invalid(`format ${given} takes ${NEEDS[given].join(' or ')}, not ${input}.`);
  // auto with messages or code files: their own compressors
  const kind: RequestFormat = given === 'auto' && input === 'messages' ? 'chat' : given === 'auto' && input === 'code' ? 'code' : given;

  const { query, tokenizer, explain, keep, timeLimitMs } = request;
  if (query !== undefined && typeof query !== 'string') throw option('query must be a string.');
  if (tokenizer !== undefined && typeof tokenizer !== 'string') throw option('tokenizer must be a name such as o200k_base or gpt-4o.');
  if (explain !== undefined && typeof explain !== 'boolean') throw option('explain must be true or false.');
  if (timeLimitMs !== undefined && (typeof timeLimitMs !== 'number' || !Number.isFinite(timeLimitMs) || timeLimitMs <= 0)) {
    throw option(`timeLimitMs must be a positive number of milliseconds, got ${JSON.stringify(timeLimitMs)}.`);
  }
  let keepPatterns: (string | RegExp)[] | undefined;
  if (keep !== undefined) {
    if (!Array.isArray(keep) || !keep.every((pattern) => typeof pattern === 'string')) {
      throw option('keep must be an array of strings ("/re/flags" for a regular expression).');
    }
    const toPattern = options.keepPattern ?? defaultKeepPattern;
    keepPatterns = (keep as string[]).map((pattern, index) => toPattern(pattern, index));
  }
  const common = {
    budget,
    ...(query === undefined ? {} : { query: query as string }),
    ...(tokenizer === undefined ? {} : { tokenizer: tokenizer as string }),
    ...(timeLimitMs === undefined ? {} : { timeLimitMs: timeLimitMs as number }),
  };
  const withKeep = keepPatterns === undefined ? common : { ...common, keep: keepPatterns };
  const withExplain = explain === undefined ? {} : { explain: explain as boolean };
  const onlyFor = (fields: readonly string[], what: string): void => {
    const misplaced = fields.filter((field) => request[field] !== undefined);
    if (misplaced.length > 0) throw option(`${misplaced.join(', ')} only apply to ${what}.`);
  };

  switch (kind) {
    case 'text':
    case 'markdown':
    case 'auto': {
      onlyFor(['system', 'keepLastTurns', 'prefixStable'], 'format chat');
      const { separator, documentSeparator, prune } = request;
      if (separator !== undefined && typeof separator !== 'string') throw option('separator must be a string.');
      if (documentSeparator !== undefined && typeof documentSeparator !== 'string') throw option('documentSeparator must be a string.');
      if (prune !== undefined && prune !== false && typeof prune !== 'number') throw option('prune must be a fraction of words in (0, 1), or false.');
      const prose = {
        ...withKeep,
        ...withExplain,
        format: kind,
        ...(separator === undefined ? {} : { separator: separator as string }),
        ...(documentSeparator === undefined ? {} : { documentSeparator: documentSeparator as string }),
        ...(prune === undefined ? {} : { prune: prune as number | false }),
      };
      const text = request['text'];
      if (input === 'text') {
        if (typeof text !== 'string') throw invalid('text must be a string.');
        return { kind: 'text', text, ...prose };
      }
      const documents = request['documents'];
      // the text pipeline checks each document's shape and reports INVALID_INPUT with its index
      if (!Array.isArray(documents)) throw invalid('documents must be an array of { id?, title?, text }.');
      return { kind: 'documents', documents: documents as DocumentInput[], ...prose };
    }
    case 'json':
    case 'logs': {
      onlyFor(['system', 'keepLastTurns', 'prefixStable', 'explain', 'separator', 'documentSeparator', 'prune'], 'text, markdown and auto (explain) or chat');
      const text = request['text'];
      if (typeof text !== 'string') throw invalid('text must be a string.');
      return { kind, text, ...withKeep };
    }
    case 'chat': {
      onlyFor(['explain', 'separator', 'documentSeparator', 'prune'], 'text formats');
      const messages = request['messages'];
      if (!Array.isArray(messages)) throw invalid('messages must be an array of chat messages.');
      const { system, keepLastTurns, prefixStable } = request;
      if (system !== undefined && typeof system !== 'string') throw invalid('system must be a string (Anthropic top-level system prompt).');
      if (keepLastTurns !== undefined && typeof keepLastTurns !== 'number') throw option('keepLastTurns must be a whole number ≥ 0.');
      if (prefixStable !== undefined && typeof prefixStable !== 'boolean') throw option('prefixStable must be true or false.');
      return {
        kind: 'messages',
        messages,
        ...withKeep,
        ...(system === undefined ? {} : { system: system as string }),
        ...(keepLastTurns === undefined ? {} : { keepLastTurns: keepLastTurns as number }),
        ...(prefixStable === undefined ? {} : { prefixStable: prefixStable as boolean }),
      };
    }
    case 'code': {
      onlyFor(['keep', 'system', 'keepLastTurns', 'prefixStable', 'separator', 'documentSeparator', 'prune'], 'other formats');
      return { kind: 'code', files: codeFiles(request['code']), ...common, ...withExplain };
    }
  }
}
