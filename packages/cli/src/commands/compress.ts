/**
 * `ctxpress compress [FILE...]`: plan (flags → options, pure) and run (read inputs, call the library, print).
 * @module
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { isCtxpressError, type CompressInput, type CompressionResult, type DocumentInput } from '@ctxpress/core';
import type { NodeCompressOptions } from '@ctxpress/node';
import { renderExplainView } from '../explain-view.js';
import { type CliIo, readAll, stdoutColor, stripBom, writeText } from '../io.js';
import { parseKeepPatterns } from '../parse-keep.js';
import { UsageError } from '../usage-error.js';
import { compressStructured, resolveKind, type InputKind, type NamedText, type StructuredOutcome } from '../structured.js';

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
  readonly options: NodeCompressOptions;
  readonly output: 'text' | 'json';
  readonly explain: boolean;
  /** What the input is (`--input-format`); structured kinds go to their own compressors. */
  readonly kind: InputKind;
  /** `--cache DIR`: the on-disk segment cache of text, markdown and documents (structured kinds do not use it). */
  readonly cacheDirectory?: string;
  /** `--cache redis://…`: a shared Redis segment cache instead (closed when the command ends). */
  readonly cacheUrl?: string;
}

/**
 * Turns parsed flags into a plan. Pure.
 * @throws {UsageError} for a missing or doubled budget, conflicting inputs, or a bad `--keep` pattern
 */
export function planCompress(files: readonly string[], flags: CompressFlags, stdinIsTTY: boolean): CompressPlan {
  let budget: NodeCompressOptions['budget'];
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
  const options: { -readonly [K in keyof NodeCompressOptions]: NodeCompressOptions[K] } = { budget };
  if (flags.query !== undefined) options.query = flags.query;
  if (flags.tokenizer !== undefined) options.tokenizer = flags.tokenizer;
  const kind = flags.inputFormat ?? 'auto';
  if (kind === 'text' || kind === 'markdown' || kind === 'auto') options.format = kind;
  if (kind !== 'text' && kind !== 'markdown' && kind !== 'auto' && source.kind === 'documents') {
    throw new UsageError(`--input-format ${kind} reads FILE arguments or stdin, not --documents`);
  }
  if (flags.keep !== undefined && flags.keep.length > 0) options.keep = parseKeepPatterns(flags.keep);
  if (flags.separator !== undefined) options.separator = unescapeSeparator(flags.separator);
  if (flags.prune !== undefined) options.prune = flags.prune;
  if (flags.timeLimit !== undefined) options.timeLimitMs = flags.timeLimit;
  if (explain) options.explain = true;
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
    options,
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

/** The library's input, and how to get the exact text of each source as the result's offsets see it. */
interface LoadedInput {
  readonly input: CompressInput;
  /** The inputs by name (stdin or files; not --documents), for the structured compressors. */
  readonly named?: readonly NamedText[];
  readonly sourceTexts: (result: CompressionResult) => readonly string[];
}

/** A failure to read an input (exit code 1, not a usage error). */
export class InputError extends Error {
  override readonly name = 'InputError';
}

/** Runs a plan: read, compress, print. Returns the exit code. Library errors propagate to `runCli`. */
export async function runCompress(plan: CompressPlan, io: CliIo): Promise<number> {
  const loaded = await loadInput(plan.source, io);
  const structured = loaded.named === undefined ? undefined : await resolveKind(plan.kind, loaded.named);
  if (structured !== undefined && loaded.named !== undefined) {
    const started = performance.now();
    const outcome = await compressStructured(structured, loaded.named, plan.options);
    const elapsed = performance.now() - started;
    await writeText(io.stdout, formatStructuredOutput(outcome, plan, elapsed));
    return 0;
  }
  // Loaded here, not at start-up, so `--help` and usage errors stay instant.
  const { compress, fileCacheStore, isValidRedisUrl, redisCacheStore } = await import('@ctxpress/node');
  if (plan.cacheUrl !== undefined && !isValidRedisUrl(plan.cacheUrl)) {
    throw new UsageError('--cache: not a Redis URL (expected redis://[user:password@]host[:port][/db] or rediss://… for TLS)');
  }
  const started = performance.now();
  // A Redis cache that is down or slow costs at most its time limits; the output is the same (a note goes to stderr).
  // ioredis not installed (an optional peer dependency of @ctxpress/node) is a setup error instead: exit 1 with its
  // DEPENDENCY_MISSING message, which names the `npm install` line.
  let missing: Error | undefined;
  const redis =
    plan.cacheUrl === undefined
      ? undefined
      : redisCacheStore({
          url: plan.cacheUrl,
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
  const cache = redis ?? (plan.cacheDirectory === undefined ? undefined : fileCacheStore({ directory: resolve(io.cwd ?? process.cwd(), plan.cacheDirectory) }));
  const options = cache === undefined ? plan.options : { ...plan.options, cache };
  let result: CompressionResult;
  try {
    result = await compress(loaded.input, options);
  } finally {
    await redis?.close();
  }
  const elapsed = performance.now() - started;
  await writeText(io.stdout, formatOutput(result, loaded.sourceTexts(result), plan, { color: stdoutColor(io), timeMs: elapsed }));
  return 0;
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
      return { input: text, named: [{ id: '-', text }], sourceTexts: () => [text] };
    }
    case 'files': {
      const documents: DocumentInput[] = [];
      for (const path of source.paths) documents.push({ id: path, text: await readText(path, io) });
      return {
        input: documents,
        named: documents.map((d) => ({ id: d.id ?? '', text: d.text })),
        sourceTexts: () => documents.map((document) => document.text),
      };
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
        input: list as DocumentInput[],
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
