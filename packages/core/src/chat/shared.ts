/**
 * Helpers shared by the format adapters: errors that name the message, and rebuilding a message with new slot texts.
 * @module
 */
import { CtxpressError } from '../errors.js';
import type { ChatMessage, TextSlot } from './types.js';

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** CtxpressError('INVALID_INPUT') saying which message is wrong and how. */
export function invalid(index: number, what: string): CtxpressError {
  return new CtxpressError('INVALID_INPUT', `messages[${index}]: ${what}`);
}

/** The message as a record, or INVALID_INPUT. */
export function asRecord(value: unknown, index: number): Record<string, unknown> {
  if (!isRecord(value)) throw invalid(index, `expected a message object, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}.`);
  return value;
}

/** A text slot with the defaults filled in. */
export function slot(text: string, path: readonly (string | number)[], owner: number, extra: Partial<TextSlot> = {}): TextSlot {
  const atomic = extra.atomic ?? false;
  return {
    text,
    kind: extra.kind ?? 'text',
    toolName: extra.toolName,
    owner,
    path,
    atomic,
    ...(extra.encode ? { encode: extra.encode } : {}),
    ...(extra.error ? { error: true } : {}),
  };
}

/** True for text that is a JSON object or array (a tool result that must not be cut). */
export function looksLikeJson(text: string): boolean {
  const t = text.trim();
  if (t.length < 2 || !((t[0] === '{' && t.endsWith('}')) || (t[0] === '[' && t.endsWith(']')))) return false;
  try {
    JSON.parse(t);
    return true;
  } catch {
    return false;
  }
}

/** JSON text of tool-call arguments; a value that cannot be serialised is INVALID_INPUT. */
export function argsJson(value: unknown, index: number): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value ?? {}) ?? '{}';
  } catch {
    throw invalid(index, 'tool call input cannot be serialised as JSON.');
  }
}

/**
 * A copy of the raw message with slot `i` set to `texts[i]` (`null` removes the array element the slot lives in).
 * Untouched slots (`texts[i] === slot.text`) are left as they are; a message with no change is returned as is.
 */
export function rebuildMessage(message: ChatMessage, texts: readonly (string | null)[]): unknown {
  let changed = false;
  for (let i = 0; i < message.slots.length; i++) if (texts[i] !== message.slots[i]!.text) changed = true;
  if (!changed) return message.raw;
  // copy only the containers on the paths to the changed texts: everything else (file parts with URL or byte data,
  // provider options, tool-call inputs) stays the input's own object — structuredClone turned a URL into {}
  const fresh = new WeakSet<object>();
  const own = <T>(node: T): T => {
    if (typeof node !== 'object' || node === null || fresh.has(node)) return node;
    const copied = (Array.isArray(node) ? node.slice() : { ...node }) as T & object;
    fresh.add(copied);
    return copied;
  };
  const copy = own(message.raw) as Record<string | number, unknown>;
  /** The container at `path` inside `copy`, each container on the way copied once. */
  const writable = (path: readonly (string | number)[]): unknown => {
    let node: Record<string | number, unknown> = copy;
    for (const step of path) {
      const child = own(node[step]);
      node[step] = child;
      node = child as Record<string | number, unknown>;
    }
    return node;
  };
  const removals: Array<{ parent: unknown[]; index: number }> = [];
  message.slots.forEach((s, i) => {
    const text = texts[i];
    if (text === s.text) return;
    if (text === null || text === undefined) {
      // remove the array element (content part) the slot lives in: the deepest numeric step of its path
      let k = s.path.length - 1;
      while (k >= 0 && typeof s.path[k] !== 'number') k--;
      if (k < 0) return;
      const parent = writable(s.path.slice(0, k));
      if (Array.isArray(parent)) removals.push({ parent, index: s.path[k] as number });
      return;
    }
    const parent = writable(s.path.slice(0, -1)) as Record<string | number, unknown>;
    parent[s.path[s.path.length - 1]!] = s.encode ? s.encode(text) : text;
  });
  // remove from the back so earlier indices stay valid
  removals.sort((a, b) => b.index - a.index);
  for (const r of removals) r.parent.splice(r.index, 1);
  return copy;
}

/** Content-part types that carry an image, a file or audio (OpenAI Chat and Responses, Anthropic, AI SDK). */
const MEDIA_TYPES = new Set(['image_url', 'input_audio', 'file', 'image', 'document', 'input_image', 'input_file', 'audio']);

/**
 * Number of image, file and audio parts in a raw message (its `content`, nested tool-result content and a Responses
 * `output` included). The walk is iterative and bounded, so a hostile nesting depth cannot exhaust the stack.
 */
export function mediaParts(raw: Readonly<Record<string, unknown>>): number {
  let count = 0;
  const stack: unknown[] = [raw['content'], raw['output']];
  let visited = 0;
  while (stack.length > 0 && visited < 100_000) {
    const node = stack.pop();
    visited++;
    if (Array.isArray(node)) {
      for (const item of node) stack.push(item);
      continue;
    }
    if (!isRecord(node)) continue;
    if (typeof node['type'] === 'string' && MEDIA_TYPES.has(node['type'])) {
      count++;
      continue;
    }
    if (Array.isArray(node['content'])) stack.push(node['content']);
    if (isRecord(node['output']) || Array.isArray(node['output'])) stack.push(node['output']);
    if (Array.isArray(node['value'])) stack.push(node['value']);
  }
  return count;
}
