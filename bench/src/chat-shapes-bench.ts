/**
 * Chat-shapes suite: `compressChat` on the request shapes applications send (RAG prompt, agent loop with tool results,
 * long conversation; see chat-shapes.ts), in OpenAI format, with NO `query` option: the compressor must find the question
 * itself. Budgets are 2x / 4x / 10x of compressChat's own count of the request (`countChatTokens`: text + tool-call
 * arguments + 4 per message); every method is held to the same budget, counted the same way.
 *
 * Methods:
 * - `ctxpress-chat`: `compressChat(messages, { budget: { ratio }, tokenizer })`, default options.
 * - `trim-last`: LangChain's `trimMessages` with `strategy: 'last', includeSystem: true, allowPartial: true,
 *   startOn: 'human'` (its recommended configuration), re-implemented in chat-shapes.ts (`trimLast`).
 * - `trim-last-nostart`: the same without `startOn` (the latest messages whatever their role).
 * - `bm25-sentences`: core's default segmenter over the text of every non-system message, plain BM25 (as the quality
 *   suite's `bm25`) against the true question, units added best first while the request still fits (a message's 4
 *   tokens counted when its first unit is added), rendered back into the request: system and tool-call messages kept,
 *   tool results kept (empty content when nothing of them was chosen), other messages with nothing chosen left out.
 * - `ctxpress-text`: `compressSync(pieces, { budget: { tokens: budget − fixed }, query: question, tokenizer })` over the
 *   documents / tool results / conversation lines, rendered back into the same request (`ChatCase.render`); fixed = the
 *   request with every piece empty; when the rendered request is over budget (the frame around each kept piece: tags,
 *   numbering, message overheads), the text budget becomes what was kept minus the overshoot (up to 6 tries). This is
 *   the text path with the structure and the question handed to it.
 *
 * Measures per shape × ratio × method: answer retention and supporting retention (metrics.ts, on the content text of all
 * messages, tool-call arguments excluded; a thrown call scores 0), question kept verbatim (rag, conversation: in the last
 * message, a user message; agent: in a user message), budget use = output tokens / budget, calls over budget, errors
 * (thrown, by code) and invalid requests (`validateRequest`, with the question check for rag and conversation); the last
 * four over the calls that returned.
 * @module
 */
import { bm25Scorer, compressChatSync as compressChat, compressSync, countChatTokens, isCtxpressError } from '@ctxpress/core';
import type { Segmentation, Tokenizer } from '@ctxpress/core';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { prepareInput, type PreparedInput } from './baselines.js';
import type { CompressChatFn } from './chat-bench.js';
import { loadTask, spreadSample } from './data.js';
import { retention } from './metrics.js';
import {
  buildCase,
  countMessages,
  MESSAGE_OVERHEAD,
  questionKept,
  requestText,
  SHAPES,
  trimLast,
  validateRequest,
  type ChatCase,
  type OpenAIMessage,
  type Shape,
} from './chat-shapes.js';

export const CHAT_SHAPE_METHODS = ['ctxpress-chat', 'trim-last', 'trim-last-nostart', 'bm25-sentences', 'ctxpress-text'] as const;
export type ChatShapeMethod = (typeof CHAT_SHAPE_METHODS)[number];

export const METHOD_LABELS: Record<ChatShapeMethod, string> = {
  'ctxpress-chat': 'ctxpress chat (no query)',
  'trim-last': 'trim-last (LangChain, startOn human)',
  'trim-last-nostart': 'trim-last (no startOn)',
  'bm25-sentences': 'bm25 sentences (true question)',
  'ctxpress-text': 'ctxpress text path (true question)',
};

export const DEFAULT_RATIOS: readonly number[] = [2, 4, 10];
/** Examples per shape when no `--limit` is given. */
export const DEFAULT_PER_SHAPE = 150;

/** The data files each shape is built from, and their share of the shape's examples. */
export const SHAPE_SOURCES: Readonly<Record<Shape, readonly { readonly task: string; readonly weight: number }[]>> = {
  rag: [
    { task: 'hotpotqa_distractor', weight: 1 },
    { task: 'squad_article', weight: 1 },
    { task: 'niah_paulgraham', weight: 1 },
  ],
  agent: [
    { task: 'hotpotqa_distractor', weight: 1 },
    { task: 'squad_article', weight: 1 },
  ],
  conversation: [
    { task: 'locomo_conversation', weight: 3 },
    { task: 'qmsum_meeting', weight: 1 },
  ],
};

/** `total` split over the weights by largest remainder (ties to the earlier source). */
export function allocate(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (total * w) / sum);
  const counts = exact.map(Math.floor);
  let left = total - counts.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => ({ i, r: x - Math.floor(x) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    counts[i]!++;
    left--;
  }
  return counts;
}

// ---------------------------------------------------------------- methods

/** Thrown by a baseline that cannot produce a request (not a compressChat error). */
class BenchError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Kept units rendered per source as renderSelection does (adjacent units with the original gap, others joined by "\n"). */
export function renderBySource(segmentation: Segmentation, keep: Uint8Array): string[] {
  const { units, sources } = segmentation;
  const parts: string[][] = sources.map(() => []);
  for (let u = 0; u < units.length; u++) {
    if (keep[u] !== 1) continue;
    const unit = units[u]!;
    const text = sources[unit.source]!.text;
    const out = parts[unit.source]!;
    const previous = units[u - 1];
    if (u > 0 && keep[u - 1] === 1 && previous !== undefined && previous.source === unit.source) out.push(text.slice(previous.end, unit.end));
    else {
      if (out.length > 0) out.push('\n');
      out.push(text.slice(unit.start, unit.end));
    }
  }
  return parts.map((p) => p.join(''));
}

export interface Bm25Prepared {
  readonly prepared: PreparedInput;
  /** Source index → message index. */
  readonly messageOf: readonly number[];
  /** Units by BM25 score against the question, best first (ties in source order). */
  readonly order: readonly number[];
}

/** Segments the text of every non-system message and scores its units with plain BM25 against the question. */
export function prepareBm25(messages: readonly OpenAIMessage[], question: string, tokenizer: Tokenizer): Bm25Prepared {
  const messageOf = messages
    .map((_, i) => i)
    .filter((i) => {
      const m = messages[i]!;
      return m.role !== 'system' && m.role !== 'developer' && typeof m.content === 'string' && m.content !== '';
    });
  const prepared = prepareInput(
    messageOf.map((i) => ({ id: String(i), text: messages[i]!.content as string })),
    tokenizer,
    question,
  );
  const scores = bm25Scorer({ feedback: false, prefixWeight: 0 }).score(prepared.context);
  const order = Array.from({ length: prepared.segmentation.units.length }, (_, u) => u).sort((a, b) => (scores[b] ?? 0) - (scores[a] ?? 0) || a - b);
  return { prepared, messageOf, order };
}

/** BM25 top units rendered back into the request (see the module comment); throws NO_ROOM when the request with no text kept is over budget. */
export function bm25Request(messages: readonly OpenAIMessage[], bm25: Bm25Prepared, budget: number, tokenizer: Tokenizer): OpenAIMessage[] {
  const { segmentation, context } = bm25.prepared;
  const { units, sources } = segmentation;
  const keep = new Uint8Array(units.length);
  const opened = new Uint32Array(sources.length);
  const sourceOf = new Map(bm25.messageOf.map((message, source) => [message, source]));
  // a tool result, or an assistant message with tool calls, stays in the request whether or not any of its text is kept
  const mandatory = bm25.messageOf.map((i) => messages[i]!.role === 'tool' || (messages[i]!.tool_calls?.length ?? 0) > 0);
  const render = (): OpenAIMessage[] => {
    const texts = renderBySource(segmentation, keep);
    return messages.flatMap((m, i): OpenAIMessage[] => {
      const source = sourceOf.get(i);
      if (source === undefined) return [m];
      const text = texts[source]!;
      if (text !== '') return [{ ...m, content: text }];
      if (m.role === 'tool') return [{ ...m, content: '' }];
      if ((m.tool_calls?.length ?? 0) > 0) return [{ ...m, content: null }];
      return [];
    });
  };
  let out = render();
  let exact = countMessages(out, tokenizer);
  if (exact > budget) throw new BenchError('NO_ROOM', `the request with no text kept needs ${exact} tokens, budget ${budget}`);
  let estimate = exact;
  const added: number[] = [];
  let correction = 0;
  for (let pass = 0; pass < 3 && exact < budget; pass++) {
    let grew = false;
    for (const u of bm25.order) {
      if (keep[u] === 1) continue;
      const s = units[u]!.source;
      const cost = (context.tokens[u] ?? 0) + (opened[s] === 0 ? (mandatory[s] === true ? 0 : MESSAGE_OVERHEAD) : 1);
      if (estimate + cost + correction > budget) continue;
      keep[u] = 1;
      opened[s]!++;
      estimate += cost;
      added.push(u);
      grew = true;
    }
    if (!grew) break;
    out = render();
    exact = countMessages(out, tokenizer);
    correction = exact - estimate;
  }
  while (exact > budget && added.length > 0) {
    const u = added.pop()!;
    keep[u] = 0;
    opened[units[u]!.source]!--;
    out = render();
    exact = countMessages(out, tokenizer);
  }
  return out;
}

/** Per piece, its kept spans joined by "\n" (compressSync's separator within a source). */
function piecesFromSpans(sourceTexts: readonly string[], kept: readonly { sourceId: string; start: number; end: number }[]): string[] {
  const parts: string[][] = sourceTexts.map(() => []);
  for (const span of kept) {
    const i = Number(span.sourceId);
    parts[i]?.push(sourceTexts[i]!.slice(span.start, span.end));
  }
  return parts.map((p) => p.join('\n'));
}

/** The text path: compressSync over the pieces with the question, rendered back into the request (module comment). */
export function textPathRequest(c: ChatCase, budget: number, tokenizer: Tokenizer): OpenAIMessage[] {
  const fixed = countMessages(c.render(c.pieces.map(() => '')), tokenizer);
  const documents = c.pieces.map((p, i) => ({ id: String(i), ...(p.title !== undefined && p.title !== '' ? { title: p.title } : {}), text: p.text }));
  const sourceTexts = documents.map((d) => (d.title !== undefined ? `${d.title}\n${d.text}` : d.text));
  let textBudget = budget - fixed;
  let out: OpenAIMessage[] = [];
  for (let attempt = 0; attempt < 6; attempt++) {
    if (textBudget < 1) throw new BenchError('NO_ROOM', `the request without its pieces needs ${fixed} tokens, budget ${budget}`);
    const result = compressSync(documents, { budget: { tokens: textBudget }, query: c.question, tokenizer });
    out = c.render(piecesFromSpans(sourceTexts, result.kept));
    const tokens = countMessages(out, tokenizer);
    if (tokens <= budget) return out;
    // the frame around kept pieces (document tags, numbering, message overheads) took the overshoot: shrink below what was kept
    textBudget = Math.min(textBudget, result.tokens.compressed) - (tokens - budget);
  }
  return out;
}

// ---------------------------------------------------------------- running

export interface ChatShapesOptions {
  readonly dataDir: string;
  readonly tokenizer: Tokenizer;
  /** Examples per shape, split over its sources (SHAPE_SOURCES weights); default 40. */
  readonly limit?: number;
  readonly ratios?: readonly number[];
  readonly shapes?: readonly Shape[];
  readonly methods?: readonly ChatShapeMethod[];
  /** Default: `compressChat` from `@ctxpress/core`. */
  readonly compressChat?: CompressChatFn;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface CallRecord {
  readonly shape: Shape;
  readonly task: string;
  readonly id: string;
  readonly variant: string;
  readonly method: ChatShapeMethod;
  readonly ratio: number;
  readonly original: number;
  readonly budget: number;
  /** Output tokens (compressChat's accounting), null when the call threw. */
  readonly tokens: number | null;
  readonly answer: number | null;
  readonly supporting: number | null;
  readonly questionKept: boolean | null;
  readonly problems: readonly string[];
  /** Error code (CtxpressError code, or the bench's own), null when the call returned. */
  readonly error: string | null;
  readonly errorMessage: string | null;
  readonly ms: number;
  /** ctxpress-chat only: what compressChat reported, and how many placeholders its output holds. */
  readonly reported?: { readonly original: number; readonly compressed: number; readonly budget: number };
  readonly placeholders?: number;
}

export interface ShapeRow {
  readonly shape: Shape;
  readonly method: ChatShapeMethod;
  readonly ratio: number;
  readonly n: number;
  /** Mean answer retention over the examples with answers (errors count 0); null when none has answers. */
  readonly answer: number | null;
  readonly answerN: number;
  readonly supporting: number | null;
  /** Over the calls that returned. */
  readonly questionKept: number | null;
  readonly budgetUse: number | null;
  readonly budgetUseMax: number | null;
  readonly overBudget: number;
  readonly errors: number;
  readonly errorCodes: Readonly<Record<string, number>>;
  /** Errors because the request's fixed part (system, question, tool calls) alone exceeds the budget: no method that keeps them verbatim can fit. */
  readonly fixedOver: number;
  readonly invalid: number;
  readonly msMean: number;
}

export interface SourceRow {
  readonly shape: Shape;
  readonly task: string;
  readonly method: ChatShapeMethod;
  readonly ratio: number;
  readonly n: number;
  readonly answer: number | null;
  readonly supporting: number | null;
  readonly errors: number;
}

export interface ChatShapesResult {
  readonly rows: ShapeRow[];
  readonly sourceRows: SourceRow[];
  readonly records: CallRecord[];
  /** Examples per shape and source. */
  readonly samples: Record<string, Record<string, number>>;
  /** Requests whose own count (chat-shapes.ts) differed from countChatTokens: should be 0. */
  readonly countMismatches: number;
  readonly markdown: string;
  /** The compact table for the top-level README. */
  readonly summary: string;
}

const PLACEHOLDER = /\[(?:tool result(?: from [^\]\s]+)?|[a-z]+ message) omitted: [\d,]+ tokens\]/g;

/** A call that failed because the fixed part of the request alone is over the budget (compressChat's rule; the baselines' NO_ROOM). */
function fixedPartOverBudget(r: CallRecord): boolean {
  return r.error === 'NO_ROOM' || (r.error === 'BUDGET_UNSATISFIABLE' && /alone need \d+ tokens/.test(r.errorMessage ?? ''));
}

function errorOf(error: unknown): { code: string; message: string } {
  if (isCtxpressError(error)) return { code: error.code, message: error.message };
  if (error instanceof BenchError) return { code: error.code, message: error.message };
  return { code: error instanceof Error ? error.name : 'THROWN', message: error instanceof Error ? error.message : String(error) };
}

function meanOf(values: readonly number[]): number | null {
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}

/** Loads the sample: per shape, `limit` examples split over its sources, each spread evenly over its file. */
export function loadCases(
  dataDir: string,
  limit: number,
  shapes: readonly Shape[] = SHAPES,
): { cases: ChatCase[]; samples: Record<string, Record<string, number>> } {
  const cases: ChatCase[] = [];
  const samples: Record<string, Record<string, number>> = {};
  const loaded = new Map<string, ReturnType<typeof loadTask>>();
  for (const shape of shapes) {
    const sources = SHAPE_SOURCES[shape];
    const counts = allocate(
      limit,
      sources.map((s) => s.weight),
    );
    samples[shape] = {};
    sources.forEach((source, k) => {
      const file = join(dataDir, `${source.task}.jsonl`);
      if (!existsSync(file)) throw new Error(`chat-shapes: ${file} not found (set CTXPRESS_DATA)`);
      let task = loaded.get(source.task);
      if (task === undefined) {
        task = loadTask(file);
        loaded.set(source.task, task);
      }
      const examples = spreadSample(task.examples, counts[k]!);
      samples[shape]![source.task] = examples.length;
      for (const example of examples) cases.push(buildCase(shape, example, source.task));
    });
  }
  return { cases, samples };
}

export async function runChatShapes(options: ChatShapesOptions): Promise<ChatShapesResult> {
  const { tokenizer } = options;
  const ratios = options.ratios ?? DEFAULT_RATIOS;
  const methods = options.methods ?? CHAT_SHAPE_METHODS;
  const chat = options.compressChat ?? (compressChat as unknown as CompressChatFn);
  const { cases, samples } = loadCases(options.dataDir, options.limit ?? DEFAULT_PER_SHAPE, options.shapes);
  const records: CallRecord[] = [];
  let countMismatches = 0;
  let done = 0;
  for (const c of cases) {
    const original = countChatTokens(c.messages, { tokenizer });
    if (countMessages(c.messages, tokenizer) !== original) countMismatches++;
    const messageTokens = new WeakMap<object, number>();
    const counter = (list: readonly OpenAIMessage[]): number => {
      let total = 0;
      for (const m of list) {
        let t = messageTokens.get(m);
        if (t === undefined) {
          t = countMessages([m], tokenizer);
          messageTokens.set(m, t);
        }
        total += t;
      }
      return total;
    };
    let bm25: Bm25Prepared | undefined;
    for (const ratio of ratios) {
      const budget = Math.floor(original / ratio);
      for (const method of methods) {
        const started = performance.now();
        let out: readonly unknown[] | undefined;
        let failure: { code: string; message: string } | undefined;
        let reported: CallRecord['reported'];
        try {
          switch (method) {
            case 'ctxpress-chat': {
              const result = chat(
                c.messages.map((m) => ({ ...m })),
                { budget: { ratio }, tokenizer },
              );
              out = result.messages;
              reported = result.tokens;
              break;
            }
            case 'trim-last':
              out = trimLast(c.messages, { maxTokens: budget, tokenCounter: counter, includeSystem: true, allowPartial: true, startOn: ['user'] });
              break;
            case 'trim-last-nostart':
              out = trimLast(c.messages, { maxTokens: budget, tokenCounter: counter, includeSystem: true, allowPartial: true });
              break;
            case 'bm25-sentences':
              bm25 ??= prepareBm25(c.messages, c.question, tokenizer);
              out = bm25Request(c.messages, bm25, budget, tokenizer);
              break;
            case 'ctxpress-text':
              out = textPathRequest(c, budget, tokenizer);
              break;
          }
        } catch (error) {
          failure = errorOf(error);
        }
        const ms = performance.now() - started;
        const base = { shape: c.shape, task: c.task, id: c.example.id, variant: c.variant, method, ratio, original, budget, ms };
        if (out === undefined) {
          records.push({
            ...base,
            tokens: null,
            answer: c.example.answers.length > 0 ? 0 : null,
            supporting: c.example.supporting.length > 0 ? 0 : null,
            questionKept: null,
            problems: [],
            error: failure?.code ?? 'NO_OUTPUT',
            errorMessage: failure?.message ?? null,
          });
          continue;
        }
        const text = requestText(out);
        const scores = retention(text, c.example);
        const problems = validateRequest(out, c.shape === 'agent' ? {} : { question: c.question });
        records.push({
          ...base,
          tokens: countMessages(out, tokenizer),
          answer: scores.answer,
          supporting: scores.supporting,
          questionKept: questionKept(out, c.question, c.shape),
          problems,
          error: null,
          errorMessage: null,
          ...(reported === undefined ? {} : { reported, placeholders: (text.match(PLACEHOLDER) ?? []).length }),
        });
      }
    }
    done++;
    options.onProgress?.(done, cases.length);
  }
  const rows = aggregate(records, methods, ratios, options.shapes ?? SHAPES);
  const sourceRows = aggregateSources(records, methods, ratios, options.shapes ?? SHAPES);
  const markdown = chatShapesMarkdown({ rows, sourceRows, records, samples, tokenizer: tokenizer.name, countMismatches, methods, ratios });
  return { rows, sourceRows, records, samples, countMismatches, markdown, summary: summaryTable(rows, samples, methods, ratios) };
}

export function aggregate(
  records: readonly CallRecord[],
  methods: readonly ChatShapeMethod[],
  ratios: readonly number[],
  shapes: readonly Shape[],
): ShapeRow[] {
  const rows: ShapeRow[] = [];
  for (const shape of shapes) {
    for (const method of methods) {
      for (const ratio of ratios) {
        const calls = records.filter((r) => r.shape === shape && r.method === method && r.ratio === ratio);
        if (calls.length === 0) continue;
        const ok = calls.filter((r) => r.error === null);
        const answers = calls.map((r) => r.answer).filter((x): x is number => x !== null);
        const supporting = calls.map((r) => r.supporting).filter((x): x is number => x !== null);
        const uses = ok.map((r) => (r.tokens ?? 0) / Math.max(1, r.budget));
        const errorCodes: Record<string, number> = {};
        for (const r of calls) if (r.error !== null) errorCodes[r.error] = (errorCodes[r.error] ?? 0) + 1;
        rows.push({
          shape,
          method,
          ratio,
          n: calls.length,
          answer: meanOf(answers),
          answerN: answers.length,
          supporting: meanOf(supporting),
          questionKept: meanOf(ok.map((r) => (r.questionKept === true ? 1 : 0))),
          budgetUse: meanOf(uses),
          budgetUseMax: uses.length === 0 ? null : Math.max(...uses),
          overBudget: ok.filter((r) => (r.tokens ?? 0) > r.budget).length,
          errors: calls.length - ok.length,
          fixedOver: calls.filter(fixedPartOverBudget).length,
          errorCodes,
          invalid: ok.filter((r) => r.problems.length > 0).length,
          msMean: meanOf(calls.map((r) => r.ms)) ?? 0,
        });
      }
    }
  }
  return rows;
}

function aggregateSources(
  records: readonly CallRecord[],
  methods: readonly ChatShapeMethod[],
  ratios: readonly number[],
  shapes: readonly Shape[],
): SourceRow[] {
  const rows: SourceRow[] = [];
  for (const shape of shapes) {
    for (const { task } of SHAPE_SOURCES[shape]) {
      for (const method of methods) {
        for (const ratio of ratios) {
          const calls = records.filter((r) => r.shape === shape && r.task === task && r.method === method && r.ratio === ratio);
          if (calls.length === 0) continue;
          rows.push({
            shape,
            task,
            method,
            ratio,
            n: calls.length,
            answer: meanOf(calls.map((r) => r.answer).filter((x): x is number => x !== null)),
            supporting: meanOf(calls.map((r) => r.supporting).filter((x): x is number => x !== null)),
            errors: calls.filter((r) => r.error !== null).length,
          });
        }
      }
    }
  }
  return rows;
}

// ---------------------------------------------------------------- report

const f3 = (x: number | null): string => (x === null ? '–' : x.toFixed(3));
const f2 = (x: number | null): string => (x === null ? '–' : x.toFixed(2));

function samplesLine(samples: Record<string, number> | undefined): string {
  return Object.entries(samples ?? {})
    .map(([task, n]) => `${task} ${n}`)
    .join(', ');
}

/** Shape × method rows, one "answer / supporting" cell per ratio, errors and invalid requests summed over ratios. */
export function summaryTable(
  rows: readonly ShapeRow[],
  samples: Record<string, Record<string, number>>,
  methods: readonly ChatShapeMethod[],
  ratios: readonly number[],
): string {
  const lines = [
    `| shape (n) | method | ${ratios.map((r) => `${r}x`).join(' | ')} | errors (fixed part over budget) | invalid |`,
    `|---|---|${ratios.map(() => '---|').join('')}---|---|`,
  ];
  for (const shape of SHAPES) {
    const n = Object.values(samples[shape] ?? {}).reduce((a, b) => a + b, 0);
    if (n === 0) continue;
    for (const method of methods) {
      const own = rows.filter((r) => r.shape === shape && r.method === method);
      if (own.length === 0) continue;
      const cells = ratios.map((ratio) => {
        const row = own.find((r) => r.ratio === ratio);
        return row === undefined ? '–' : `${f2(row.answer)} / ${f2(row.supporting)}`;
      });
      const errors = own.reduce((s, r) => s + r.errors, 0);
      const fixedOver = own.reduce((s, r) => s + r.fixedOver, 0);
      const invalid = own.reduce((s, r) => s + r.invalid, 0);
      const calls = own.reduce((s, r) => s + r.n, 0);
      const label = method === 'ctxpress-chat' ? `**${METHOD_LABELS[method]}**` : METHOD_LABELS[method];
      lines.push(`| ${shape} (${n}) | ${label} | ${cells.join(' | ')} | ${errors}/${calls} (${fixedOver}) | ${invalid} |`);
    }
  }
  return lines.join('\n');
}

/** Groups problem messages by their text with numbers and ids masked. */
function problemKinds(records: readonly CallRecord[]): { kind: string; count: number; example: string }[] {
  const kinds = new Map<string, { count: number; example: string }>();
  for (const r of records) {
    for (const p of r.problems) {
      const kind = p.replace(/call_[0-9a-z]+/g, 'call_…').replace(/\d+/g, 'N');
      const entry = kinds.get(kind) ?? { count: 0, example: `${r.shape}/${r.id} @${r.ratio}x: ${p}` };
      entry.count++;
      kinds.set(kind, entry);
    }
  }
  return [...kinds.entries()].map(([kind, v]) => ({ kind, ...v })).sort((a, b) => b.count - a.count);
}

export function chatShapesMarkdown(input: {
  rows: readonly ShapeRow[];
  sourceRows: readonly SourceRow[];
  records: readonly CallRecord[];
  samples: Record<string, Record<string, number>>;
  tokenizer: string;
  countMismatches: number;
  methods: readonly ChatShapeMethod[];
  ratios: readonly number[];
  environment?: string;
  settings?: string;
}): string {
  const { rows, sourceRows, records, samples, methods, ratios } = input;
  const out: string[] = [
    '# Chat-shaped requests: compressChat without a query',
    '',
    `OpenAI Chat Completions requests built from ../shared/data (bench/src/chat-shapes.ts); budget = floor(countChatTokens(request) / ratio), tokenizer ${input.tokenizer}; every method held to the same budget, counted as compressChat counts (text + tool-call arguments + 4 per message). \`ctxpress chat\` gets no \`query\`; bm25 and the text path get the true question.`,
    '',
  ];
  if (input.environment !== undefined) out.push(input.environment, '');
  if (input.settings !== undefined) out.push(input.settings, '');
  out.push(
    'Retention: mean over examples (answer: those with answers), a thrown call scores 0. Question kept, budget use, over budget and invalid: over the calls that returned.',
    '',
    '## Summary: answer / supporting retention',
    '',
    summaryTable(rows, samples, methods, ratios),
    '',
  );
  for (const shape of SHAPES) {
    const own = rows.filter((r) => r.shape === shape);
    if (own.length === 0) continue;
    out.push(`## ${shape} (${samplesLine(samples[shape])})`, '');
    out.push('| method | ratio | answer (n) | supporting | question kept | budget use mean / max | over budget | errors | invalid | ms |');
    out.push('|---|---|---|---|---|---|---|---|---|---|');
    for (const method of methods) {
      for (const row of own.filter((r) => r.method === method)) {
        const errors =
          row.errors === 0
            ? '0'
            : `${row.errors} (${Object.entries(row.errorCodes)
                .map(([code, n]) => `${code} ${n}`)
                .join(', ')})`;
        out.push(
          `| ${METHOD_LABELS[method]} | ${row.ratio}x | ${f3(row.answer)} (${row.answerN}) | ${f3(row.supporting)} | ${f2(row.questionKept)} | ${f2(row.budgetUse)} / ${f2(row.budgetUseMax)} | ${row.overBudget} | ${errors} | ${row.invalid} | ${row.msMean.toFixed(1)} |`,
        );
      }
    }
    out.push('');
  }
  out.push('## Per source: answer / supporting retention (errors)', '');
  out.push(`| shape | source | method | ${ratios.map((r) => `${r}x`).join(' | ')} |`);
  out.push(`|---|---|---|${ratios.map(() => '---|').join('')}`);
  for (const shape of SHAPES) {
    for (const { task } of SHAPE_SOURCES[shape]) {
      for (const method of methods) {
        const own = sourceRows.filter((r) => r.shape === shape && r.task === task && r.method === method);
        if (own.length === 0) continue;
        const cells = ratios.map((ratio) => {
          const row = own.find((r) => r.ratio === ratio);
          return row === undefined ? '–' : `${f2(row.answer)} / ${f2(row.supporting)}${row.errors > 0 ? ` (${row.errors})` : ''}`;
        });
        out.push(`| ${shape} | ${task} (${own[0]!.n}) | ${METHOD_LABELS[method]} | ${cells.join(' | ')} |`);
      }
    }
  }
  out.push('');

  // what compressChat did: errors, invalid requests, budget overruns, placeholders, its own counts
  const chat = records.filter((r) => r.method === 'ctxpress-chat');
  out.push('## compressChat outputs', '');
  const errorGroups = new Map<string, { count: number; example: string }>();
  for (const r of chat) {
    if (r.error === null) continue;
    const key = `${r.shape} ${r.error}`;
    const entry = errorGroups.get(key) ?? { count: 0, example: `${r.id} @${r.ratio}x: ${r.errorMessage ?? ''}` };
    entry.count++;
    errorGroups.set(key, entry);
  }
  out.push(
    errorGroups.size === 0
      ? '- Errors: none.'
      : `- Errors (${chat.filter((r) => r.error !== null).length} of ${chat.length} calls):\n${[...errorGroups.entries()].map(([key, v]) => `  - ${key}: ${v.count}, e.g. ${v.example}`).join('\n')}`,
  );
  const kinds = problemKinds(chat);
  out.push(
    kinds.length === 0
      ? '- Invalid requests: none.'
      : `- Invalid requests (${chat.filter((r) => r.problems.length > 0).length} calls):\n${kinds.map((k) => `  - ${k.kind}: ${k.count}, e.g. ${k.example}`).join('\n')}`,
  );
  const over = chat.filter((r) => r.tokens !== null && r.tokens > r.budget);
  out.push(
    over.length === 0
      ? '- Over budget: none.'
      : `- Over budget: ${over.length} calls, e.g. ${over
          .slice(0, 5)
          .map((r) => `${r.shape}/${r.id} @${r.ratio}x ${r.tokens} > ${r.budget}`)
          .join('; ')}`,
  );
  const lost = chat.filter((r) => r.questionKept === false);
  out.push(
    lost.length === 0
      ? '- Question dropped or changed: never.'
      : `- Question not kept verbatim: ${lost.length} calls (${SHAPES.map((s) => `${s} ${lost.filter((r) => r.shape === s).length}`).join(', ')}).`,
  );
  const withReport = chat.filter((r) => r.reported !== undefined);
  const compressedMismatch = withReport.filter((r) => r.reported!.compressed !== r.tokens);
  const budgetMismatch = withReport.filter((r) => r.reported!.budget !== r.budget || r.reported!.original !== r.original);
  out.push(
    `- Its own counts: result.tokens.compressed ≠ the harness recount in ${compressedMismatch.length} of ${withReport.length} calls; result.tokens.original/budget ≠ countChatTokens / floor(original / ratio) in ${budgetMismatch.length}.`,
  );
  if (withReport.length > 0) {
    const placeholders = withReport.reduce((s, r) => s + (r.placeholders ?? 0), 0);
    out.push(`- Placeholders ("[… omitted: N tokens]") in its outputs: ${placeholders} over ${withReport.length} returned calls.`);
  }
  out.push(`- Requests whose harness count differs from countChatTokens: ${input.countMismatches}.`, '');

  const otherKinds = methods
    .filter((m) => m !== 'ctxpress-chat')
    .map((m) => ({ m, kinds: problemKinds(records.filter((r) => r.method === m)) }))
    .filter((x) => x.kinds.length > 0);
  if (otherKinds.length > 0) {
    out.push('## Invalid requests of the baselines', '');
    for (const { m, kinds: k } of otherKinds) out.push(`- ${METHOD_LABELS[m]}: ${k.map((x) => `${x.kind} (${x.count})`).join('; ')}`);
    out.push('');
  }
  return out.join('\n');
}
