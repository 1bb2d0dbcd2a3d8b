/**
 * `createMcpServer(options)`: an `McpServer` (official SDK 1.x) with four tools — `compress_text`,
 * `compress_documents`, `compress_chat`, `compress_code`. Each maps its arguments onto the wire format of the request
 * model, validates it with `parseCompressRequest` (@ctxpress/core) and runs it with `compressRequest` (@ctxpress/node),
 * ADR 0018: no compression logic of its own.
 * @module
 */
import { readFileSync } from 'node:fs';
import { CtxpressError, isCtxpressError, parseCompressRequest, parseRegExpLiteral } from '@ctxpress/core';
import { compressRequest, linearRegExp, type CompressRequestResult, type NodeCacheOption } from '@ctxpress/node';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import * as z from 'zod';

/** The tools, in the order `tools/list` gives them. */
export const TOOL_NAMES = ['compress_text', 'compress_documents', 'compress_chat', 'compress_code'] as const;
export type ToolName = (typeof TOOL_NAMES)[number];

/** The budget when a call gives neither `tokens` nor `ratio`: keep about a quarter of the tokens. */
export const DEFAULT_RATIO = 4;

/** Time limit of one tool call, ms, unless `timeLimitMs` says otherwise (the same default as `ctxpress serve`). */
export const DEFAULT_TIME_LIMIT_MS = 10_000;

export interface McpServerOptions {
  /** Server name in the `initialize` answer (default `ctxpress`). */
  readonly name?: string;
  /** Server version in the `initialize` answer (default: this package's). */
  readonly version?: string;
  /** Budget of calls that give neither `tokens` nor `ratio` (default `{ ratio: 4 }`). */
  readonly defaultBudget?: { readonly tokens: number } | { readonly ratio: number };
  /** Tokenizer of calls that name none (default `o200k_base`). */
  readonly tokenizer?: string;
  /** Time limit of one call, ms (default 10 000): a longer call answers `isError` with TIME_LIMIT. */
  readonly timeLimitMs?: number;
  /** Segment cache of the text and chat compressors (as for `compressRequest`). */
  readonly cache?: NodeCacheOption;
  /**
   * How a `keep` entry becomes a pattern. Default: `"/body/flags"` is a regular expression run on the linear-time
   * engine (RE2; backreferences and lookarounds are refused with INVALID_OPTION), so an agent's pattern cannot hang the
   * server; anything else matches literally.
   */
  readonly keepPattern?: (pattern: string, index: number) => string | RegExp;
}

/** This package's version (for `initialize`). */
export const VERSION: string = (() => {
  try {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
    return manifest.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
})();

/** `"/re/flags"` on RE2, anything else literal. */
export function linearKeepPattern(pattern: string, index: number): string | RegExp {
  const literal = parseRegExpLiteral(pattern);
  if (literal === undefined) return pattern;
  try {
    return linearRegExp(literal.source, literal.flags);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new CtxpressError('INVALID_OPTION', `keep[${index}]: ${message}`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Schemas. Types only: the values are checked by parseCompressRequest, whose coded messages say what to fix.

const budgetShape = {
  tokens: z
    .number()
    .optional()
    .describe(
      'Token budget: the output has at most this many tokens (a positive integer, counted with `tokenizer`). Give tokens OR ratio, not both.',
    ),
  ratio: z
    .number()
    .optional()
    .describe(`Compression ratio: keep about 1/ratio of the tokens (a number ≥ 1; 4 keeps a quarter). Default ${DEFAULT_RATIO} when neither tokens nor ratio is given.`),
};

const commonShape = {
  query: z
    .string()
    .optional()
    .describe('What the compressed context is for (the user question or task): passages relevant to it are kept first. Strongly recommended.'),
  ...budgetShape,
  tokenizer: z
    .string()
    .optional()
    .describe('Tokenizer that counts the budget: o200k_base (default; GPT-4o and later), cl100k_base, llama3, qwen3, or a model name such as gpt-4o.'),
  keep: z
    .array(z.string())
    .optional()
    .describe('Text that must survive: literal strings, or "/regex/flags" regular expressions (linear-time engine). Matching passages are always kept.'),
};

const tokensOut = z
  .object({
    original: z.number().describe('tokens of the input'),
    compressed: z.number().describe('tokens of the output'),
    budget: z.number().describe('the budget in tokens (a ratio is turned into tokens)'),
  })
  .describe('token counts, in the tokenizer of the call');

const ratioOut = z.number().nullable().describe('original / compressed tokens (null when nothing was kept)');

const textOutput = z.object({
  text: z.string().describe('the compressed context: verbatim spans of the input, in input order'),
  tokens: tokensOut,
  ratio: ratioOut,
  format: z.string().describe('the compressor that ran: text, markdown, auto (documents), json, logs or code'),
});

const chatOutput = z.object({
  messages: z.array(z.unknown()).describe('the compressed messages, in the input format; tool calls and their results stay paired'),
  tokens: tokensOut,
  ratio: ratioOut,
  format: z.literal('chat'),
  messageFormat: z.string().describe('the message format detected: openai, anthropic, ai-sdk, …'),
});

const VERBATIM =
  'The output contains only verbatim spans of the input (nothing is paraphrased or invented), so quotes, numbers and code stay exact; what does not fit the budget is left out.';
const BUDGET =
  `Budget: give tokens (an exact upper bound in the tokenizer's tokens) or ratio (keep 1/ratio of the tokens); neither means ratio ${DEFAULT_RATIO}. ` +
  'Pass query (the question or task) so the relevant parts are kept first.';

const TOOLS = {
  compress_text: {
    title: 'Compress a text',
    description:
      'Shorten one long text (a retrieved page, a tool result, a file, a log, a JSON payload) to a token budget before putting it into a prompt, keeping what answers the query. ' +
      'JSON stays valid JSON and logs keep their errors when format is auto (the default). ' +
      `${BUDGET} ${VERBATIM}`,
    inputSchema: z.strictObject({
      text: z.string().describe('the text to compress'),
      ...commonShape,
      format: z
        .enum(['auto', 'text', 'markdown', 'json', 'logs'])
        .optional()
        .describe('what the text is; auto (default) detects JSON, logs, Markdown or plain text'),
    }),
    outputSchema: textOutput,
  },
  compress_documents: {
    title: 'Compress documents',
    description:
      'Shorten several documents (search or RAG results) jointly to one token budget: the budget goes to the passages most relevant to the query, across all documents. ' +
      `${BUDGET} ${VERBATIM}`,
    inputSchema: z.strictObject({
      documents: z
        .array(
          z.strictObject({
            id: z.string().optional().describe('your identifier of the document'),
            title: z.string().optional().describe('rendered as the document’s first line'),
            text: z.string().describe('the document’s text'),
          }),
        )
        .describe('the documents, in the order they should appear'),
      ...commonShape,
    }),
    outputSchema: textOutput,
  },
  compress_chat: {
    title: 'Compress a chat history',
    description:
      'Shorten a chat or agent history (OpenAI, Anthropic or AI SDK messages) to a token budget: the system prompt and the latest turns are kept, older text and tool results are cut by relevance, and tool calls stay paired with their results so the history remains valid to send. ' +
      `${BUDGET} ${VERBATIM}`,
    inputSchema: z.strictObject({
      messages: z.array(z.unknown()).describe('the messages, e.g. [{"role":"user","content":"…"}, …] in OpenAI, Anthropic or AI SDK format'),
      system: z.string().optional().describe('a top-level system prompt (Anthropic style); kept'),
      keepLastTurns: z.number().optional().describe('the last N user turns are never compressed (default 4)'),
      ...commonShape,
    }),
    outputSchema: chatOutput,
  },
  compress_code: {
    title: 'Compress source code',
    description:
      'Shorten source files to a token budget: the code relevant to the query is kept in full, other definitions become signatures with elided bodies. ' +
      'Give files (several files) or code (one snippet, with language). ' +
      `${BUDGET} ${VERBATIM}`,
    inputSchema: z.strictObject({
      files: z
        .array(
          z.strictObject({
            path: z.string().describe('file path; its extension tells the language'),
            text: z.string().describe('the file’s source'),
            language: z.string().optional().describe('overrides detection from the extension, e.g. typescript, python, go'),
          }),
        )
        .optional()
        .describe('source files (give files or code, not both)'),
      code: z.string().optional().describe('one snippet of source (give files or code, not both)'),
      language: z.string().optional().describe('the language of code, e.g. typescript, python, go'),
      query: commonShape.query,
      ...budgetShape,
      tokenizer: commonShape.tokenizer,
    }),
    outputSchema: textOutput,
  },
} as const;

// ---------------------------------------------------------------------------------------------------------------
// Arguments → wire format → CompressRequest.

function budgetOf(args: { tokens?: number | undefined; ratio?: number | undefined }, fallback: McpServerOptions['defaultBudget']): unknown {
  if (args.tokens !== undefined && args.ratio !== undefined) {
    throw new CtxpressError('INVALID_BUDGET', 'give either tokens or ratio, not both.');
  }
  if (args.tokens !== undefined) return { tokens: args.tokens };
  if (args.ratio !== undefined) return { ratio: args.ratio };
  return fallback ?? { ratio: DEFAULT_RATIO };
}

/** The wire-format body of a call (the fields parseCompressRequest knows), without undefined values. */
function bodyOf(name: ToolName, args: Record<string, unknown>, options: McpServerOptions): Record<string, unknown> {
  const { tokens, ratio, files, code, language, tokenizer, ...rest } = args as Record<string, unknown> & {
    tokens?: number;
    ratio?: number;
    files?: unknown[];
    code?: string;
    language?: string;
    tokenizer?: string;
  };
  const body: Record<string, unknown> = { ...rest, budget: budgetOf({ tokens, ratio }, options.defaultBudget) };
  const named = tokenizer ?? options.tokenizer;
  if (named !== undefined) body['tokenizer'] = named;
  if (name === 'compress_code') {
    if ((files === undefined) === (code === undefined)) {
      throw new CtxpressError('INVALID_INPUT', 'give exactly one of files ([{ path, text, language? }]) or code (one snippet, with language).');
    }
    if (files !== undefined && language !== undefined) throw new CtxpressError('INVALID_INPUT', 'language goes with code; give each file its own language.');
    body['code'] = files ?? [{ path: 'snippet', text: code, ...(language === undefined ? {} : { language }) }];
  }
  for (const key of Object.keys(body)) if (body[key] === undefined) delete body[key];
  return body;
}

function finiteRatio(ratio: number): number | null {
  return Number.isFinite(ratio) ? ratio : null;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

/** The tool result: the compressed text (or messages as JSON) first, a one-line summary second, and the structured content. */
function toolResult(ran: CompressRequestResult): CallToolResult {
  const { tokens, ratio } = ran.result;
  const summary = `ctxpress: ${tokens.original} → ${tokens.compressed} tokens (budget ${tokens.budget}, ${Number.isFinite(ratio) ? `${round(ratio)}x` : 'everything dropped'}, ${ran.format}).`;
  if (ran.format === 'chat') {
    const structured = {
      messages: ran.result.messages,
      tokens: { ...tokens },
      ratio: finiteRatio(ratio),
      format: 'chat' as const,
      messageFormat: ran.result.format,
    };
    return {
      content: [
        { type: 'text', text: JSON.stringify(ran.result.messages) },
        { type: 'text', text: summary },
      ],
      structuredContent: structured,
    };
  }
  const text = ran.result.text;
  return {
    content: [
      { type: 'text', text },
      { type: 'text', text: summary },
    ],
    structuredContent: { text, tokens: { ...tokens }, ratio: finiteRatio(ratio), format: ran.format },
  };
}

/** A coded error as a tool result: `CODE: message`. The server keeps serving. */
export function errorResult(error: unknown): CallToolResult {
  const text = isCtxpressError(error) ? `${error.code}: ${error.message}` : `INTERNAL: ${error instanceof Error ? error.message : String(error)}`;
  return { content: [{ type: 'text', text }], isError: true };
}

/** Runs one call: arguments → `parseCompressRequest` → `compressRequest`. */
async function runTool(name: ToolName, args: Record<string, unknown>, options: McpServerOptions, signal: AbortSignal): Promise<CallToolResult> {
  try {
    const request = parseCompressRequest(bodyOf(name, args, options), { keepPattern: options.keepPattern ?? linearKeepPattern });
    const ran = await compressRequest(request, {
      timeLimitMs: options.timeLimitMs ?? DEFAULT_TIME_LIMIT_MS,
      signal,
      ...(options.cache === undefined ? {} : { cache: options.cache }),
    });
    return toolResult(ran);
  } catch (error) {
    return errorResult(error);
  }
}

/**
 * An MCP server with the ctxpress tools; connect it to a transport (`StdioServerTransport`,
 * `WebStandardStreamableHTTPServerTransport`, `InMemoryTransport`, …).
 *
 * @example
 * import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
 * await createMcpServer().connect(new StdioServerTransport());
 */
export function createMcpServer(options: McpServerOptions = {}): McpServer {
  const server = new McpServer(
    { name: options.name ?? 'ctxpress', version: options.version ?? VERSION },
    {
      instructions:
        'ctxpress compresses long context to a token budget by keeping verbatim spans of it. Use compress_documents for retrieved passages, compress_text for one long text or tool output, compress_chat for a conversation history, compress_code for source files. Always pass query.',
    },
  );
  const config = (name: ToolName) => {
    const tool = TOOLS[name];
    return {
      title: tool.title,
      description: tool.description,
      outputSchema: tool.outputSchema,
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    };
  };
  const run = (name: ToolName) => (args: Record<string, unknown>, extra: { signal: AbortSignal }) => runTool(name, args, options, extra.signal);
  server.registerTool('compress_text', { ...config('compress_text'), inputSchema: TOOLS.compress_text.inputSchema }, run('compress_text'));
  server.registerTool('compress_documents', { ...config('compress_documents'), inputSchema: TOOLS.compress_documents.inputSchema }, run('compress_documents'));
  server.registerTool('compress_chat', { ...config('compress_chat'), inputSchema: TOOLS.compress_chat.inputSchema }, run('compress_chat'));
  server.registerTool('compress_code', { ...config('compress_code'), inputSchema: TOOLS.compress_code.inputSchema }, run('compress_code'));
  return server;
}
