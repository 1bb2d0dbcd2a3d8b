/**
 * Chat-shaped requests built from the evaluation data, in OpenAI Chat Completions format, and the pieces the chat-shapes
 * suite needs around them: the token count compressChat uses, a validator for OpenAI chat requests, and a re-implementation
 * of LangChain's `trimMessages({ strategy: 'last', … })` as a baseline.
 *
 * Shapes (one request per example; phrasings chosen deterministically from the example id):
 * - `rag`: `[system, user]`, the user message = instruction + documents + question in one of six phrasings (question
 *   last after "Question:", a bare question as the last paragraph, "Context: … Q: …", question first and "Answer
 *   concisely." last, `<documents>` tags, numbered search results).
 * - `agent`: `[system, user task, (assistant tool_call search, tool result) × 2–4]`, the documents split over the tool
 *   results in order; the model would be called right after the last tool result.
 * - `conversation`: a long two-party conversation, every `Speaker: text` line one message (chat-bench's
 *   `locomoMessages`: first speaker `user`, other `assistant`, session headers joined to the next message), the
 *   question as the final user message.
 *
 * Every case also carries `pieces` (documents, tool results or conversation lines) and `render(texts)`, which rebuilds
 * the same request with piece i replaced by `texts[i]` (`''` leaves it out): the "text path" baseline compresses the
 * pieces with `compressSync` and renders them back.
 * @module
 */
import type { Tokenizer } from '@ctxpress/core';
import { hashSeed, mulberry32 } from './baselines.js';
import { locomoMessages } from './chat-bench.js';
import type { Example } from './data.js';

/** The OpenAI Chat Completions message fields the suite builds and checks. */
export interface ToolCall {
  readonly id: string;
  readonly type: 'function';
  readonly function: { readonly name: string; readonly arguments: string };
}

export interface OpenAIMessage {
  readonly role: 'system' | 'developer' | 'user' | 'assistant' | 'tool';
  readonly content: string | null;
  readonly tool_calls?: readonly ToolCall[];
  readonly tool_call_id?: string;
}

export type Shape = 'rag' | 'agent' | 'conversation';
export const SHAPES: readonly Shape[] = ['rag', 'agent', 'conversation'];

export interface Piece {
  readonly title?: string;
  readonly text: string;
}

export interface ChatCase {
  readonly shape: Shape;
  /** Data file stem (`hotpotqa_distractor`, …). */
  readonly task: string;
  readonly example: Example;
  /** Which phrasing / split was used. */
  readonly variant: string;
  readonly messages: readonly OpenAIMessage[];
  /** The example's question (trimmed), verbatim as it appears in the request. */
  readonly question: string;
  /** The compressible parts of the request, in request order. */
  readonly pieces: readonly Piece[];
  /** The request with piece i replaced by `texts[i]`; an empty text leaves the piece (or its message) out. */
  readonly render: (texts: readonly string[]) => OpenAIMessage[];
}

// ---------------------------------------------------------------- counting

/** Per-message overhead compressChat adds (its `MESSAGE_OVERHEAD`). */
export const MESSAGE_OVERHEAD = 4;

/** The text pieces compressChat counts in an OpenAI message: string content, or text / refusal parts. */
function contentTexts(content: unknown): string[] {
  if (typeof content === 'string') return [content];
  if (!Array.isArray(content)) return [];
  const texts: string[] = [];
  for (const part of content) {
    if (typeof part !== 'object' || part === null) continue;
    const p = part as Record<string, unknown>;
    const text = p['type'] === 'text' ? p['text'] : p['type'] === 'refusal' ? p['refusal'] : undefined;
    if (typeof text === 'string') texts.push(text);
  }
  return texts;
}

/** Tokens of one message as compressChat counts them: its text + its tool calls' arguments + 4. Never throws. */
export function countMessage(message: unknown, tokenizer: Tokenizer): number {
  if (typeof message !== 'object' || message === null) return MESSAGE_OVERHEAD;
  const m = message as Record<string, unknown>;
  let total = MESSAGE_OVERHEAD;
  for (const text of contentTexts(m['content'])) if (text !== '') total += tokenizer.count(text);
  if (Array.isArray(m['tool_calls'])) {
    for (const call of m['tool_calls']) {
      const args = (call as { function?: { arguments?: unknown } } | null)?.function?.arguments;
      if (typeof args === 'string' && args !== '') total += tokenizer.count(args);
    }
  }
  return total;
}

/** Tokens of a message list as compressChat counts them (its `countChatTokens`, without the validation). */
export function countMessages(messages: readonly unknown[], tokenizer: Tokenizer): number {
  let total = 0;
  for (const m of messages) total += countMessage(m, tokenizer);
  return total;
}

/** All content text of a request (not tool-call arguments), one message per line: what the retention metrics score. */
export function requestText(messages: readonly unknown[]): string {
  return messages.map((m) => (typeof m === 'object' && m !== null ? contentTexts((m as Record<string, unknown>)['content']).join('\n') : '')).join('\n');
}

/** Text content of one message (string content or its text parts joined). */
export function messageText(message: unknown): string {
  return typeof message === 'object' && message !== null ? contentTexts((message as Record<string, unknown>)['content']).join('\n') : '';
}

// ---------------------------------------------------------------- builders

function pick<T>(items: readonly T[], random: () => number): T {
  return items[Math.floor(random() * items.length)] as T;
}

function documentText(piece: Piece): string {
  return piece.title !== undefined && piece.title !== '' ? `${piece.title}\n${piece.text}` : piece.text;
}

/** SQuAD: the article's paragraphs (first "paragraph" is the article title, kept as the first paragraph's title). */
function squadPieces(context: string): Piece[] {
  const paragraphs = context
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (paragraphs.length >= 2 && !/[.!?]/.test(paragraphs[0]!) && paragraphs[0]!.length < 120) {
    const [title, ...rest] = paragraphs;
    return rest.map((text, i) => (i === 0 ? { title: title!, text } : { text }));
  }
  return paragraphs.map((text) => ({ text }));
}

/** A context without paragraph breaks (the needle haystacks) cut at line breaks into chunks of about `chars` characters. */
export function chunkLines(context: string, chars = 2000): Piece[] {
  const paragraphs = context.split(/\n\s*\n/).filter((p) => p.trim() !== '');
  if (paragraphs.length > 1) return paragraphs.map((text) => ({ text: text.trim() }));
  const chunks: Piece[] = [];
  let current = '';
  for (const line of context.split('\n')) {
    if (current !== '' && current.length + line.length + 1 > chars) {
      chunks.push({ text: current });
      current = '';
    }
    current = current === '' ? line : `${current}\n${line}`;
  }
  if (current.trim() !== '') chunks.push({ text: current });
  return chunks;
}

/** The documents of an example as pieces: HotpotQA documents, SQuAD paragraphs, or a haystack in line-aligned chunks. */
export function examplePieces(example: Example): Piece[] {
  if (example.documents !== undefined) return example.documents.map((d) => ({ title: d.title, text: d.text }));
  const context = example.context ?? '';
  return /\n\s*\n/.test(context) ? squadPieces(context) : chunkLines(context);
}

const RAG_SYSTEM = 'You are a helpful assistant. Answer the question using only the information in the provided documents.';

type DocBlock = (texts: readonly string[]) => string;
const plainBlock: DocBlock = (texts) => texts.filter((t) => t !== '').join('\n\n');
const numberedBlock: DocBlock = (texts) =>
  texts
    .map((t, i) => (t === '' ? '' : `[${i + 1}] ${t}`))
    .filter((t) => t !== '')
    .join('\n\n');
const xmlBlock: DocBlock = (texts) =>
  `<documents>\n${texts
    .map((t, i) => (t === '' ? '' : `<document index="${i + 1}">\n${t}\n</document>`))
    .filter((t) => t !== '')
    .join('\n')}\n</documents>`;

/** The six RAG phrasings: name → user message from the rendered documents and the question. */
export const RAG_VARIANTS: readonly { readonly name: string; readonly block: DocBlock; readonly user: (documents: string, question: string) => string }[] = [
  { name: 'question-last', block: plainBlock, user: (d, q) => `Use the following documents to answer the question.\n\nDocuments:\n\n${d}\n\nQuestion: ${q}` },
  { name: 'bare-question-last', block: plainBlock, user: (d, q) => `Read the documents below and answer my question.\n\n${d}\n\n${q}` },
  { name: 'context-q', block: plainBlock, user: (d, q) => `Answer the question based on the context.\n\nContext: ${d}\n\nQ: ${q}` },
  { name: 'question-first', block: numberedBlock, user: (d, q) => `${q}\n\nUse these documents:\n\n${d}\n\nAnswer concisely.` },
  { name: 'xml-tags', block: xmlBlock, user: (d, q) => `${d}\n\nAnswer using only the documents above.\n\nQuestion: ${q}` },
  { name: 'search-results', block: numberedBlock, user: (d, q) => `Search results:\n\n${d}\n\nUsing the search results above, answer: ${q}` },
];

/** `[system, user: instruction + documents + question]` in a phrasing picked from the example id. */
export function buildRag(example: Example, task: string, variantIndex?: number): ChatCase {
  const random = mulberry32(hashSeed(`rag:${example.id}`));
  const index = variantIndex ?? Math.floor(random() * RAG_VARIANTS.length);
  const variant = RAG_VARIANTS[index % RAG_VARIANTS.length]!;
  const pieces = examplePieces(example);
  const question = example.question.trim();
  const render = (texts: readonly string[]): OpenAIMessage[] => [
    { role: 'system', content: RAG_SYSTEM },
    { role: 'user', content: variant.user(variant.block(texts), question) },
  ];
  return { shape: 'rag', task, example, variant: variant.name, question, pieces, render, messages: render(pieces.map(documentText)) };
}

const AGENT_SYSTEM = 'You are a research agent. Use the search tool to look things up, then answer the user concisely.';
const AGENT_TASKS: readonly ((q: string) => string)[] = [
  (q) => `Find out: ${q}`,
  (q) => `Please research this and give me a short answer: ${q}`,
  (q) => `${q} Look it up with the search tool.`,
  (q) => `I need to know the following. ${q}`,
];

/** Splits `count` items into `parts` contiguous groups as even as possible (earlier groups one larger). */
export function splitEven(count: number, parts: number): number[][] {
  const groups: number[][] = [];
  let next = 0;
  for (let g = 0; g < parts; g++) {
    const size = Math.floor(count / parts) + (g < count % parts ? 1 : 0);
    groups.push(Array.from({ length: size }, (_, k) => next + k));
    next += size;
  }
  return groups.filter((group) => group.length > 0);
}

/** `[system, user task, (assistant search call, tool result) × k]`, k = 2–4 from the example id, documents in order. */
export function buildAgent(example: Example, task: string): ChatCase {
  const random = mulberry32(hashSeed(`agent:${example.id}`));
  const documents = examplePieces(example);
  const rounds = Math.max(1, Math.min(documents.length, 2 + Math.floor(random() * 3)));
  const taskIndex = Math.floor(random() * AGENT_TASKS.length);
  const question = example.question.trim();
  const groups = splitEven(documents.length, rounds);
  const pieces: Piece[] = groups.map((group) => ({ text: group.map((d) => documentText(documents[d]!)).join('\n\n') }));
  const calls: { id: string; args: string; note: string | null }[] = groups.map((group, r) => {
    const title = documents[group[0]!]!.title;
    const query = r === 0 || title === undefined ? question : title;
    const args = JSON.stringify(r === 0 || title !== undefined ? { query, top_k: group.length } : { query, page: r + 1 });
    const note = r > 0 && random() < 0.5 ? pick(['Let me search for more.', 'I need more information.', 'Searching again.'], random) : null;
    return { id: `call_${hashSeed(`${example.id}:${r}`).toString(36)}`, args, note };
  });
  const render = (texts: readonly string[]): OpenAIMessage[] => {
    const out: OpenAIMessage[] = [
      { role: 'system', content: AGENT_SYSTEM },
      { role: 'user', content: AGENT_TASKS[taskIndex]!(question) },
    ];
    calls.forEach((call, r) => {
      out.push({ role: 'assistant', content: call.note, tool_calls: [{ id: call.id, type: 'function', function: { name: 'search', arguments: call.args } }] });
      out.push({ role: 'tool', tool_call_id: call.id, content: texts[r] ?? '' });
    });
    return out;
  };
  return {
    shape: 'agent',
    task,
    example,
    variant: `task${taskIndex + 1}-${groups.length}results`,
    question,
    pieces,
    render,
    messages: render(pieces.map((p) => p.text)),
  };
}

const CONVERSATION_SYSTEM: Record<string, string> = {
  locomo_conversation: 'You are a friendly assistant that remembers what the user told you in earlier sessions.',
  qmsum_meeting: 'You are a meeting assistant. The conversation so far is the meeting transcript; answer questions about it.',
};

/** `[system, …every transcript line as a message…, user: question]` (roles as chat-bench's `locomoMessages`). */
export function buildConversation(example: Example, task: string): ChatCase {
  const lines = locomoMessages(example.context ?? '') as { role: 'user' | 'assistant'; content: string }[];
  const question = example.question.trim();
  const system = CONVERSATION_SYSTEM[task] ?? CONVERSATION_SYSTEM['locomo_conversation']!;
  const pieces: Piece[] = lines.map((line) => ({ text: line.content }));
  const render = (texts: readonly string[]): OpenAIMessage[] => [
    { role: 'system', content: system },
    ...lines.flatMap((line, i): OpenAIMessage[] => ((texts[i] ?? '') === '' ? [] : [{ role: line.role, content: texts[i]! }])),
    { role: 'user', content: question },
  ];
  return { shape: 'conversation', task, example, variant: `${lines.length}-messages`, question, pieces, render, messages: render(pieces.map((p) => p.text)) };
}

export function buildCase(shape: Shape, example: Example, task: string): ChatCase {
  return shape === 'rag' ? buildRag(example, task) : shape === 'agent' ? buildAgent(example, task) : buildConversation(example, task);
}

// ---------------------------------------------------------------- validation

const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool']);

function isTextContent(content: unknown): boolean {
  if (typeof content === 'string') return true;
  return (
    Array.isArray(content) &&
    content.every((part) => typeof part === 'object' && part !== null && typeof (part as Record<string, unknown>)['type'] === 'string')
  );
}

export interface ValidateOptions {
  /** When given, the last message must be a user message whose text contains it verbatim. */
  readonly question?: string;
}

/**
 * Problems that make `messages` an invalid OpenAI Chat Completions request (empty = valid): a non-empty array; known
 * roles; string or content-part content (assistant content may be null only with tool calls); system/developer
 * messages only before every other message; tool calls with a string id, type function, a name and string arguments;
 * every tool message answering a call of the assistant message right before its run of tool messages, once; every tool
 * call answered in that run; and (with `question`) the question verbatim in the last message, a user message.
 */
export function validateRequest(messages: unknown, options: ValidateOptions = {}): string[] {
  if (!Array.isArray(messages)) return ['messages is not an array'];
  if (messages.length === 0) return ['messages is empty'];
  const problems: string[] = [];
  let seenOther = false;
  let pending: Set<string> | undefined; // calls of the assistant message whose run of tool messages is open
  let pendingAt = -1;
  let answered = new Set<string>();
  const closeRun = (): void => {
    if (pending !== undefined) for (const id of pending) if (!answered.has(id)) problems.push(`tool call ${id} of message ${pendingAt} is not answered`);
    pending = undefined;
    answered = new Set();
  };
  messages.forEach((value: unknown, i) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      problems.push(`message ${i} is not an object`);
      closeRun();
      return;
    }
    const m = value as Record<string, unknown>;
    const role = m['role'];
    if (typeof role !== 'string' || !ROLES.has(role)) {
      problems.push(`message ${i} has an unknown role ${JSON.stringify(role)}`);
      closeRun();
      return;
    }
    if (role !== 'tool') closeRun();
    if (role === 'system' || role === 'developer') {
      if (seenOther) problems.push(`${role} message ${i} comes after a non-system message`);
    } else seenOther = true;
    const content = m['content'];
    if (role === 'assistant') {
      const calls = m['tool_calls'];
      const hasCalls = Array.isArray(calls) && calls.length > 0;
      if (calls !== undefined && calls !== null && !Array.isArray(calls)) problems.push(`message ${i}: tool_calls is not an array`);
      if ((content === null || content === undefined) && !hasCalls) problems.push(`assistant message ${i} has neither content nor tool calls`);
      else if (content !== null && content !== undefined && !isTextContent(content)) problems.push(`message ${i}: content is not a string or content parts`);
      if (hasCalls) {
        pending = new Set();
        pendingAt = i;
        (calls as unknown[]).forEach((call, c) => {
          const k = call as Record<string, unknown> | null;
          const fn = k?.['function'] as Record<string, unknown> | undefined;
          if (typeof k?.['id'] !== 'string' || k['type'] !== 'function' || typeof fn?.['name'] !== 'string' || typeof fn['arguments'] !== 'string') {
            problems.push(`message ${i}: tool_calls[${c}] is malformed`);
            return;
          }
          if (pending!.has(k['id'])) problems.push(`message ${i}: tool call id ${k['id']} is used twice`);
          pending!.add(k['id']);
        });
      }
      return;
    }
    if (!isTextContent(content)) problems.push(`message ${i} (${role}): content is not a string or content parts`);
    if (role === 'tool') {
      const id = m['tool_call_id'];
      if (typeof id !== 'string') problems.push(`tool message ${i} has no tool_call_id`);
      else if (pending === undefined || !pending.has(id)) problems.push(`tool message ${i} answers ${id}, not a call of the assistant message before its run`);
      else if (answered.has(id)) problems.push(`tool message ${i} answers ${id} a second time`);
      else answered.add(id);
    }
  });
  closeRun();
  if (options.question !== undefined) {
    const last = messages[messages.length - 1] as Record<string, unknown> | undefined;
    if (last?.['role'] !== 'user') problems.push('the last message is not a user message');
    else if (!messageText(last).includes(options.question)) problems.push('the question is not verbatim in the last user message');
  }
  return problems;
}

/** The question verbatim in the last user message (rag, conversation) or in any user message (agent: the task). */
export function questionKept(messages: readonly unknown[], question: string, shape: Shape): boolean {
  const users = messages.filter((m) => typeof m === 'object' && m !== null && (m as Record<string, unknown>)['role'] === 'user');
  if (shape === 'agent') return users.some((m) => messageText(m).includes(question));
  const last = messages[messages.length - 1];
  return users.length > 0 && last === users[users.length - 1] && messageText(last).includes(question);
}

// ---------------------------------------------------------------- trim-last (LangChain's trimMessages, strategy "last")

export interface TrimLastOptions {
  readonly maxTokens: number;
  /** Tokens of a list of messages (LangChain's `tokenCounter`). */
  readonly tokenCounter: (messages: readonly OpenAIMessage[]) => number;
  /** Keep a system message at index 0 and trim the rest to what is left of the budget. Default true. */
  readonly includeSystem?: boolean;
  /** Cut the first message that does not fit, keeping its last lines (or last content blocks). Default true. */
  readonly allowPartial?: boolean;
  /** Roles the kept messages (after the system message) must start with, e.g. `['user']` (LangChain's `startOn: 'human'`). */
  readonly startOn?: readonly OpenAIMessage['role'][];
  /** Roles the input is cut back to end on before trimming (LangChain's `endOn`). */
  readonly endOn?: readonly OpenAIMessage['role'][];
  /** Splits a message's text into pieces that concatenate back to it. Default: LangChain's, on newlines (kept). */
  readonly textSplitter?: (text: string) => string[];
}

/** LangChain's default splitter: split on "\n", the newline kept at the end of every piece but the last. */
export function newlineSplitter(text: string): string[] {
  const splits = text.split('\n');
  return [...splits.slice(0, -1).map((s) => `${s}\n`), splits[splits.length - 1]!];
}

/** Largest n in [lo, hi] with fits(n), for a monotone fits (fits(lo) assumed true). */
function largestFitting(lo: number, hi: number, fits: (n: number) => boolean): number {
  let left = lo;
  let right = hi;
  while (left < right) {
    const mid = (left + right + 1) >> 1;
    if (fits(mid)) left = mid;
    else right = mid - 1;
  }
  return left;
}

/**
 * `trimMessages(messages, { strategy: 'last', maxTokens, tokenCounter, includeSystem, allowPartial, startOn, endOn })`
 * as langchain-core (Python, 0.3) implements it:
 * 1. with `endOn`, drop messages from the end until the last one has an `endOn` role;
 * 2. with `includeSystem` and a system message at index 0, set it aside (always returned, even when it alone is over
 *    the budget) and trim the rest to `maxTokens − its tokens`;
 * 3. reverse the rest and keep its longest prefix that fits (all of it when it all fits), i.e. the latest messages;
 * 4. with `allowPartial`, the first message that did not fit is cut: with content blocks, the largest run of its last
 *    blocks that fits (at least one block dropped); otherwise its text (string content or first text block) split by
 *    the text splitter (newlines) and the largest run of its last pieces that fits (none: the message is left out);
 * 5. with `startOn`, drop kept messages from the oldest end until the oldest has a `startOn` role (all, if none has);
 * 6. restore the order and put the system message back in front.
 * (LangChain JS differs in one detail: it never cuts the oldest non-system message, so `[system, user]` keeps only the
 * system message there; the Python behaviour is the more useful baseline and is what is implemented.)
 */
export function trimLast(messages: readonly OpenAIMessage[], options: TrimLastOptions): OpenAIMessage[] {
  const { maxTokens, tokenCounter } = options;
  const includeSystem = options.includeSystem ?? true;
  const allowPartial = options.allowPartial ?? true;
  const split = options.textSplitter ?? newlineSplitter;
  let list = [...messages];
  if (list.length === 0) return [];
  if (options.endOn !== undefined) {
    while (list.length > 0 && !options.endOn.includes(list[list.length - 1]!.role)) list.pop();
  }
  let system: OpenAIMessage | undefined;
  if (includeSystem && list[0]?.role === 'system') {
    system = list[0];
    list = list.slice(1);
  }
  const budget = system === undefined ? maxTokens : Math.max(0, maxTokens - tokenCounter([system]));
  const reversed = list.reverse();
  let kept: OpenAIMessage[];
  if (tokenCounter(reversed) <= budget) kept = reversed;
  else {
    const idx = largestFitting(0, reversed.length, (n) => tokenCounter(reversed.slice(0, n)) <= budget);
    kept = reversed.slice(0, idx);
    if (allowPartial && idx < reversed.length) {
      const partial = partialMessage(reversed[idx]!, (m) => tokenCounter([...kept, m]) <= budget, split);
      if (partial !== undefined) kept.push(partial);
    }
  }
  if (options.startOn !== undefined) {
    while (kept.length > 0 && !options.startOn.includes(kept[kept.length - 1]!.role)) kept.pop();
  }
  kept.reverse();
  return system === undefined ? kept : [system, ...kept];
}

/** The latest part of `message` that still fits (see trimLast step 4), or undefined. */
function partialMessage(message: OpenAIMessage, fits: (m: OpenAIMessage) => boolean, split: (text: string) => string[]): OpenAIMessage | undefined {
  const content = message.content as unknown;
  if (Array.isArray(content) && content.length > 1) {
    // drop the earliest blocks one at a time (at least one) until the rest fits
    for (let drop = 1; drop < content.length; drop++) {
      const candidate = { ...message, content: content.slice(drop) } as unknown as OpenAIMessage;
      if (fits(candidate)) return candidate;
    }
  }
  let text: string | undefined;
  if (typeof content === 'string') text = content;
  else if (Array.isArray(content)) {
    for (const block of content) {
      if (typeof block === 'string') {
        text = block;
        break;
      }
      if (typeof block === 'object' && block !== null && (block as Record<string, unknown>)['type'] === 'text') {
        text = (block as Record<string, unknown>)['text'] as string;
        break;
      }
    }
  }
  if (text === undefined || text === '') return undefined;
  const pieces = split(text).reverse(); // latest first
  const withLast = (n: number): OpenAIMessage => ({ ...message, content: pieces.slice(0, n).reverse().join('') });
  const n = largestFitting(0, pieces.length, (k) => k === 0 || fits(withLast(k)));
  return n > 0 ? withLast(n) : undefined;
}
