/**
 * `ctxpress compress [FILE...]`: plan (flags → the request's fields, pure) and run (read inputs, build the
 * `CompressRequest` with `commandRequest`, run it with `compressRequest`, print). ADR 0018.
 * @module
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { isCtxpressError, resolveRequestFormat, type CompressionResult } from '@ctxpress/core';
import { renderExplainView } from '../explain-view.js';
import { type CliIo, readAll, stdoutColor, stripBom, writeText } from '../io.js';
import { parseKeepPatterns } from '../parse-keep.js';
import { UsageError } from '../usage-error.js';
import { commandRequest, summarize, type CommandInputs, type InputKind, type RequestFields, type ResultSummary } from '../input-request.js';

/** The flags as commander hands them over (values already checked by the option parsers). */
export interface CompressFlags {
  readonly query?: string;
  readonly tokens?: number;
  readonly ratio?: number;
  readonly tokenizer?: string;
  readonly keep?: readonly string[];
  readonly inputFormat?: InputKind;
  readonly format?: 'text' | 'json';
  readonly documents?: string;
  readonly separator?: string;
  readonly prune?: number;
  /** `--time-limit MS`: the library's `timeLimitMs` (TIME_LIMIT error, exit 1, when reached). */
  readonly timeLimit?: number;
  readonly explain?: boolean;
  readonly cache?: string;
}

/** Where the text comes from. `-` means stdin. */
export type CompressSource =
  { readonly kind: 'stdin' } | { readonly kind: 'files'; readonly paths: readonly string[] } | { readonly kind: 'documents'; readonly path: string };

/** Everything `runCompress` needs, decided from argv alone. */
export interface CompressPlan {
  readonly source: CompressSource;
  /** The request's fields other than its input (budget, query, tokenizer, keep, time limit; prose: separator, prune, explain). */
  readonly fields: RequestFields;
  readonly output: 'text' | 'json';
  readonly explain: boolean;
  /** What the input is (`--input-format`); `auto` decides from file extensions and the content (`commandRequest`). */
  readonly kind: InputKind;
  /** `--cache DIR`: the on-disk segment cache of text, markdown and documents (chat, JSON, logs and code do not use it). */
  readonly cacheDirectory?: string;
  /** `--cache redis://…`: a shared Redis segment cache instead (closed when the command ends). */
  readonly cacheUrl?: string;
}

/**
 * Turns parsed flags into a plan. Pure.
 * @throws {UsageError} for a missing or doubled budget, conflicting inputs, or a bad `--keep` pattern
 */
export function planCompress(files: readonly string[], flags: CompressFlags, stdinIsTTY: boolean): CompressPlan {
  let budget: RequestFields['budget'];
  if (flags.tokens !== undefined && flags.ratio !== undefined) {
    throw new UsageError('give either --tokens N or --ratio R, not both');
  } else if (flags.tokens !== undefined) {
    budget = { tokens: flags.tokens };
  } else if (flags.ratio !== undefined) {
    budget = { ratio: flags.ratio };
  } else {
    throw new UsageError('a budget is required: --tokens N (tokens to keep) or --ratio R (e.g. 4 keeps a quarter)');
  }

  let source: CompressSource;
  if (flags.documents !== undefined) {
    if (files.length > 0) throw new UsageError('give either FILE arguments or --documents FILE.json, not both');
    source = { kind: 'documents', path: flags.documents };
  } else if (files.length > 0) {
    if (files.filter((file) => file === '-').length > 1) throw new UsageError('stdin (-) can be read only once');
    source = { kind: 'files', paths: files };
  } else {
    if (stdinIsTTY) throw new UsageError('no input: give FILE arguments, --documents FILE.json, or pipe text on stdin');
    source = { kind: 'stdin' };
  }

  const output = flags.format ?? 'text';
  const explain = flags.explain === true;
  const fields: { -readonly [K in keyof RequestFields]: RequestFields[K] } = { budget };
  if (flags.query !== undefined) fields.query = flags.query;
  if (flags.tokenizer !== undefined) fields.tokenizer = flags.tokenizer;
  const kind = flags.inputFormat ?? 'auto';
  if (kind !== 'text' && kind !== 'markdown' && kind !== 'auto' && source.kind === 'documents') {
    throw new UsageError(`--input-format ${kind} reads FILE arguments or stdin, not --documents`);
  }
  if (flags.keep !== undefined && flags.keep.length > 0) fields.keep = parseKeepPatterns(flags.keep);
  if (flags.separator !== undefined) fields.separator = unescapeSeparator(flags.separator);
  if (flags.prune !== undefined) fields.prune = flags.prune;
  if (flags.timeLimit !== undefined) fields.timeLimitMs = flags.timeLimit;
  if (explain) fields.explain = true;
  let cacheDirectory: string | undefined;
  let cacheUrl: string | undefined;
  if (flags.cache !== undefined && /^rediss?:\/\//i.test(flags.cache.trim())) {
    cacheUrl = flags.cache.trim(); // checked when the store is made (@ctxpress/node loads only then)
  } else if (flags.cache !== undefined) {
    const value = flags.cache.trim();
    if (value === '' || value === 'memory' || /^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
      throw new UsageError(`--cache takes a directory (a memory cache would not outlive one command), got ${JSON.stringify(flags.cache)}`);
    }
    cacheDirectory = value;
  }
  return {
    source,
    fields,
    output,
    explain,
    kind,
    ...(cacheDirectory === undefined ? {} : { cacheDirectory }),
    ...(cacheUrl === undefined ? {} : { cacheUrl }),
  };
}

/** `\n`, `\t` and `\\` in a separator typed on the command line mean newline, tab and backslash. */
export function unescapeSeparator(text: string): string {
  return text.replace(/\\([nt\\])/g, (_, letter: string) => (letter === 'n' ? '\n' : letter === 't' ? '\t' : '\\'));
}

/** The inputs, and how to get the exact text of each source as the text pipeline's offsets see it. */
interface LoadedInput {
  readonly inputs: CommandInputs;
  readonly sourceTexts: (result: CompressionResult) => readonly string[];
}

/** A failure to read an input (exit code 1, not a usage error). */
export class InputError extends Error {
  override readonly name = 'InputError';
}

/** Runs a plan: read, compress, print. Returns the exit code. Library errors propagate to `runCli`. */
export async function runCompress(plan: CompressPlan, io: CliIo): Promise<number> {
  const loaded = await loadInput(plan.source, io);
  const request = commandRequest(plan.kind, loaded.inputs, plan.fields);
  const format = resolveRequestFormat(request);
  const prose = format === 'text' || format === 'markdown' || format === 'auto';
  // Loaded here, not at start-up, so `--help` and usage errors stay instant.
  const { compressRequest, fileCacheStore, isValidRedisUrl, redisCacheStore } = await import('@ctxpress/node');
  // --cache is the text pipeline's segment cache: chat, JSON, logs and code run without it (and do not open it).
  const cacheUrl = prose ? plan.cacheUrl : undefined;
  if (cacheUrl !== undefined && !isValidRedisUrl(cacheUrl)) {
    throw new UsageError('--cache: not a Redis URL (expected redis://[user:password@]host[:port][/db] or rediss://… for TLS)');
  }
  const started = performance.now();
  // A Redis cache that is down or slow costs at most its time limits; the output is the same (a note goes to stderr).
  // ioredis not installed (an optional peer dependency of @ctxpress/node) is a setup error instead: exit 1 with its
  // DEPENDENCY_MISSING message, which names the `npm install` line.
  let missing: Error | undefined;
  const redis =
    cacheUrl === undefined
      ? undefined
      : redisCacheStore({
          url: cacheUrl,
          onError: (error) => {
            if (isCtxpressError(error) && error.code === 'DEPENDENCY_MISSING') missing = error;
            else io.stderr.write(`ctxpress: cache: ${error.message} (compressing without it)\n`);
          },
        });
  if (redis !== undefined) {
    await redis.connect(); // loads ioredis first; a failure is reported through onError
    if (missing !== undefined) {
      await redis.close();
      throw missing;
    }
  }
  // the plain on-disk store (no memory front: one command reads each entry once), so writes finish before the exit
  const cacheDirectory = prose ? plan.cacheDirectory : undefined;
  const cache = redis ?? (cacheDirectory === undefined ? undefined : fileCacheStore({ directory: resolve(io.cwd ?? process.cwd(), cacheDirectory) }));
  let outcome: Awaited<ReturnType<typeof compressRequest>>;
  try {
    outcome = await compressRequest(request, cache === undefined ? {} : { cache });
  } finally {
    await redis?.close();
  }
  const elapsed = performance.now() - started;
  const output =
    outcome.format === 'text' || outcome.format === 'markdown' || outcome.format === 'auto'
      ? formatOutput(outcome.result, loaded.sourceTexts(outcome.result), plan, { color: stdoutColor(io), timeMs: elapsed })
      : formatStructuredOutput({ kind: outcome.format, ...summarize(outcome), result: outcome.result }, plan, elapsed);
  await writeText(io.stdout, output);
  return 0;
}

/** A chat, JSON, log or code result as `compress` prints it. */
export interface StructuredOutcome extends ResultSummary {
  /** The compressor that ran. */
  readonly kind: 'chat' | 'json' | 'logs' | 'code';
  /** The compressor's whole result, for `--format json`. */
  readonly result: unknown;
}

/** What goes to stdout for a chat, JSON, log or code input. Pure. */
export function formatStructuredOutput(outcome: StructuredOutcome, plan: Pick<CompressPlan, 'output' | 'explain'>, timeMs: number): string {
  if (plan.output === 'json') return `${JSON.stringify(outcome.result, null, 2)}\n`;
  const text = outcome.text === '' || outcome.text.endsWith('\n') ? outcome.text : `${outcome.text}\n`;
  if (!plan.explain) return text;
  const { original, compressed, budget } = outcome.tokens;
  return `${text}\n${outcome.kind} · tokens ${original} → ${compressed} (budget ${budget}) · ratio ${outcome.ratio.toFixed(2)}x · ${timeMs.toFixed(1)} ms\n`;
}

/** What goes to stdout. Pure. */
export function formatOutput(
  result: CompressionResult,
  sourceTexts: readonly string[],
  plan: Pick<CompressPlan, 'output' | 'explain'>,
  view: { readonly color: boolean; readonly timeMs: number },
): string {
  if (plan.output === 'json') return `${JSON.stringify(result, null, 2)}\n`;
  if (plan.explain) return renderExplainView(result, sourceTexts, view);
  return result.text === '' || result.text.endsWith('\n') ? result.text : `${result.text}\n`;
}

async function loadInput(source: CompressSource, io: CliIo): Promise<LoadedInput> {
  switch (source.kind) {
    case 'stdin': {
      const text = stripBom(await readAll(io.stdin));
      return { inputs: { kind: 'stdin', text }, sourceTexts: () => [text] };
    }
    case 'files': {
      const texts: { id: string; text: string }[] = [];
      for (const path of source.paths) texts.push({ id: path, text: await readText(path, io) });
      return { inputs: { kind: 'files', files: texts }, sourceTexts: () => texts.map((file) => file.text) };
    }
    case 'documents': {
      const raw = await readText(source.path, io);
      let documents: unknown;
      try {
        documents = JSON.parse(raw);
      } catch (error) {
        throw new InputError(`${source.path}: not valid JSON (${error instanceof Error ? error.message : String(error)})`);
      }
      if (!Array.isArray(documents)) throw new InputError(`${source.path}: expected a JSON array of {id?, title?, text} documents`);
      // The library checks each document and reports INVALID_INPUT with its index.
      const list = documents as unknown[];
      return {
        inputs: { kind: 'documents', documents: list },
        sourceTexts: (result) => list.map((document, index) => sourceTextOf(document, result.sources[index]?.titleLength ?? 0)),
      };
    }
  }
}

/** A titled document's offsets count from the title (`title + "\n" + text`); the result says which have one. */
function sourceTextOf(document: unknown, titleLength: number): string {
  if (typeof document !== 'object' || document === null) return '';
  const { title, text } = document as { title?: unknown; text?: unknown };
  const body = typeof text === 'string' ? text : '';
  return titleLength > 0 && typeof title === 'string' ? `${title}\n${body}` : body;
}

async function readText(path: string, io: CliIo): Promise<string> {
  if (path === '-') return stripBom(await readAll(io.stdin));
  try {
    return stripBom(await readFile(resolve(io.cwd ?? process.cwd(), path), 'utf8'));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InputError(`cannot read ${path}: ${reason}`);
  }
}
