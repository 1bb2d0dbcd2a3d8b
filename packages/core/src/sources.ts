import { CtxpressError } from './errors.js';
import type { CompressInput, Source, SourceFormat } from './types.js';

const MARKDOWN_SIGNALS = /^(?: {0,3}#{1,6}\s+\S| {0,3}(?:```|~~~)|\s{0,3}\|.*\|\s*$|\s{0,3}[-*+]\s+\S|\s{0,3}\d{1,3}[.)]\s+\S|\s{0,3}>\s)/gm;

/**
 * Guesses Markdown from headings, fences, tables, lists and quotes in the first 64 KB: a fence, or a heading, or two other
 * signals. Text where most lines start with `#` (shell or Python comments, `# # name(args)` API listings) is not Markdown.
 */
export function detectFormat(text: string): SourceFormat {
  const head = text.length > 65536 ? text.slice(0, 65536) : text;
  let signals = 0;
  let headings = 0;
  let fence = false;
  MARKDOWN_SIGNALS.lastIndex = 0;
  for (let m = MARKDOWN_SIGNALS.exec(head); m !== null; m = MARKDOWN_SIGNALS.exec(head)) {
    const t = m[0].trimStart();
    if (t.startsWith('```') || t.startsWith('~~~')) fence = true;
    else if (t.startsWith('#')) headings++;
    else signals++;
  }
  if (fence) return 'markdown';
  if (headings > 0) {
    let lines = 0;
    for (let i = head.indexOf('\n'); i !== -1; i = head.indexOf('\n', i + 1)) lines++;
    // a document whose lines are mostly "headings" is a comment listing, not Markdown
    return headings * 2 <= lines + 1 ? 'markdown' : 'text';
  }
  return signals >= 2 ? 'markdown' : 'text';
}

function resolveFormat(declared: SourceFormat | 'auto' | undefined, text: string, where: string): SourceFormat {
  if (declared === undefined || declared === 'auto') return detectFormat(text);
  if (declared === 'text' || declared === 'markdown') return declared;
  throw new CtxpressError('INVALID_OPTION', `${where}: format must be "text", "markdown" or "auto", got ${JSON.stringify(declared)}.`);
}

/**
 * Normalises the input into sources. A string becomes one source with id "0"; documents keep their `id` (default: their index).
 * A document's title is prefixed as `title\n`, so offsets count from the title's first character.
 */
export function createSources(input: CompressInput, format: SourceFormat | 'auto' = 'auto'): Source[] {
  if (typeof input === 'string') {
    return [{ id: '0', index: 0, text: input, format: resolveFormat(format, input, 'options'), titleLength: 0 }];
  }
  if (!Array.isArray(input)) {
    throw new CtxpressError('INVALID_INPUT', `input must be a string or an array of documents { id?, title?, text }, got ${describe(input)}.`);
  }
  const seen = new Set<string>();
  return input.map((doc: unknown, index): Source => {
    if (typeof doc !== 'object' || doc === null) {
      throw new CtxpressError('INVALID_INPUT', `documents[${index}] must be an object { id?, title?, text }, got ${describe(doc)}.`);
    }
    const d = doc as Record<string, unknown>;
    if (typeof d['text'] !== 'string') {
      throw new CtxpressError('INVALID_INPUT', `documents[${index}].text must be a string, got ${describe(d['text'])}.`);
    }
    if (d['title'] !== undefined && typeof d['title'] !== 'string') {
      throw new CtxpressError('INVALID_INPUT', `documents[${index}].title must be a string when given, got ${describe(d['title'])}.`);
    }
    if (d['id'] !== undefined && typeof d['id'] !== 'string' && typeof d['id'] !== 'number') {
      throw new CtxpressError('INVALID_INPUT', `documents[${index}].id must be a string when given, got ${describe(d['id'])}.`);
    }
    const id = d['id'] === undefined ? String(index) : String(d['id']);
    if (seen.has(id)) throw new CtxpressError('INVALID_INPUT', `documents[${index}].id "${id}" is used twice; ids must be unique.`);
    seen.add(id);
    const title = (d['title'] as string | undefined) ?? '';
    const body = d['text'] as string;
    const text = title.length > 0 ? `${title}\n${body}` : body;
    const declared = (d['format'] as SourceFormat | 'auto' | undefined) ?? format;
    return { id, index, text, format: resolveFormat(declared, body, `documents[${index}]`), titleLength: title.length > 0 ? title.length + 1 : 0 };
  });
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
