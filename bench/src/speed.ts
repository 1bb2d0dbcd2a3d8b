/**
 * Speed suite: end-to-end compress() time and peak RSS per input size, each size in its own child process, next to the
 * time to tokenize the same input once.
 * @module
 */
import { fork } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fullText, loadTask, listTaskFiles, type Task } from './data.js';
import { seededShuffle } from './baselines.js';
import { median } from './metrics.js';
import type { Tokenizer } from '@ctxpress/core';

/** Real prose to cut inputs from, and a query from the data. */
export interface TextPool {
  readonly blocks: readonly string[];
  readonly query: string;
  /** Where each block comes from, for the report. */
  readonly sources: readonly string[];
}

/**
 * Distinct contexts from the data files: the longest Paul Graham haystack first (its needle matches the query), then the
 * SQuAD articles, then QMSum meetings, LoCoMo conversations and HotpotQA paragraphs in a seeded shuffle.
 */
export function buildTextPool(directory: string): TextPool {
  const tasks = new Map<string, Task>();
  for (const file of listTaskFiles(directory)) {
    const task = loadTask(file);
    tasks.set(task.kind, task);
  }
  const distinct = (task: Task | undefined): string[] => [...new Set((task?.examples ?? []).map((example) => fullText(example)))];

  const needles = tasks.get('needle')?.examples ?? [];
  const haystack = [...needles].filter((example) => example.id.startsWith('niah-sf')).sort((a, b) => fullText(b).length - fullText(a).length)[0] ?? needles[0];
  const query = haystack?.question ?? tasks.get('qa')?.examples[0]?.question ?? 'What is the main point?';

  const lead: string[] = [];
  const sources: string[] = [];
  if (haystack !== undefined) {
    lead.push(fullText(haystack));
    sources.push(`needle:${haystack.id}`);
  }
  for (const article of distinct(tasks.get('qa'))) {
    lead.push(article);
    sources.push('qa:squad_article');
  }
  const rest: { text: string; source: string }[] = [];
  for (const kind of ['meeting', 'conversation'] as const) for (const text of distinct(tasks.get(kind))) rest.push({ text, source: kind });
  const paragraphs = new Map<string, string>();
  for (const example of tasks.get('multihop')?.examples ?? []) {
    for (const document of example.documents ?? []) paragraphs.set(document.title, `${document.title}\n${document.text}`);
  }
  // HotpotQA paragraphs are short; group them ten at a time so blocks are of a similar order of size.
  const paragraphList = [...paragraphs.values()];
  for (let i = 0; i < paragraphList.length; i += 10) rest.push({ text: paragraphList.slice(i, i + 10).join('\n\n'), source: 'multihop' });
  const order = seededShuffle(rest.length, 0x5eed);
  for (const index of order) {
    const block = rest[index];
    if (block === undefined) continue;
    lead.push(block.text);
    sources.push(block.source);
  }
  return { blocks: lead, query, sources };
}

/** Blocks from `start` on (cycling), joined by blank lines, cut so the whole is about `target` tokens. */
export function assemble(blocks: readonly string[], start: number, target: number, tokenizer: Tokenizer): string {
  const parts: string[] = [];
  let tokens = 0;
  const joinTokens = tokenizer.count('\n\n');
  for (let i = start; tokens < target && blocks.length > 0; i++) {
    const block = blocks[i % blocks.length] ?? '';
    const joinCost = parts.length === 0 ? 0 : joinTokens;
    const blockTokens = tokenizer.count(block);
    if (tokens + joinCost + blockTokens <= target) {
      parts.push(block);
      tokens += joinCost + blockTokens;
      continue;
    }
    parts.push(prefixWithin(block, target - tokens - joinCost, tokenizer));
    break;
  }
  return parts.join('\n\n');
}

/** The longest prefix of `text`, cut at whitespace, with at most `tokens` tokens. */
function prefixWithin(text: string, tokens: number, tokenizer: Tokenizer): string {
  let low = 0;
  let high = text.length;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (tokenizer.count(text.slice(0, middle)) <= tokens) low = middle;
    else high = middle - 1;
  }
  const cut = text.slice(0, low);
  const space = cut.search(/\s\S*$/);
  return space > 0 ? cut.slice(0, space) : cut;
}

export interface SpeedRow {
  readonly targetTokens: number;
  readonly status: 'ok' | 'timeout' | 'error';
  readonly error?: string;
  readonly inputTokens?: number;
  readonly inputChars?: number;
  readonly budgetTokens?: number;
  readonly outputTokens?: number;
  readonly runs?: number;
  /** Median compress() wall time. */
  readonly compressMs?: number;
  readonly compressMsAll?: readonly number[];
  /** Median time of `tokenizer.count(wholeText)`. */
  readonly tokenizeMs?: number;
  readonly tokenizeMsAll?: readonly number[];
  /** compressMs / tokenizeMs (target ≤ 3 at 100k). */
  readonly compressToTokenize?: number;
  readonly compressTokensPerSecond?: number;
  readonly tokenizeTokensPerSecond?: number;
  /** `process.resourceUsage().maxRSS` of the child at the end (MB); target < 1 GB at 1M. */
  readonly peakRssMB?: number;
  /** maxRSS after loading the tokenizer and building the inputs, before any compress() (MB). */
  readonly baselineRssMB?: number;
  /** Median ms per stage from `result.timings`. */
  readonly stageMs?: Readonly<Record<string, number>>;
}

/** What the child process sends back. */
export interface SpeedChildResult {
  readonly inputTokens: number;
  readonly inputChars: number;
  readonly budgetTokens: number;
  readonly outputTokens: number;
  readonly compressMs: readonly number[];
  readonly tokenizeMs: readonly number[];
  readonly timings: readonly Readonly<Record<string, number>>[];
  readonly peakRssKB: number;
  readonly baselineRssKB: number;
}

export interface SpeedChildArguments {
  readonly poolFile: string;
  readonly targetTokens: number;
  readonly runs: number;
  readonly ratio: number;
}

export interface SpeedRunOptions {
  readonly dataDirectory: string;
  readonly sizes: readonly number[];
  readonly temporaryDirectory: string;
  /** Per size, in seconds. */
  readonly timeoutSeconds: number;
  readonly onSize?: (row: SpeedRow) => void;
}

export const SPEED_RATIO = 10;

export function runsFor(targetTokens: number): number {
  return targetTokens >= 1_000_000 ? 3 : 5;
}

export async function runSpeed(options: SpeedRunOptions): Promise<{ rows: SpeedRow[]; query: string }> {
  const pool = buildTextPool(options.dataDirectory);
  const poolFile = join(options.temporaryDirectory, 'speed-pool.json');
  writeFileSync(poolFile, JSON.stringify(pool));
  const rows: SpeedRow[] = [];
  try {
    for (const targetTokens of options.sizes) {
      const row = await runSize({ poolFile, targetTokens, runs: runsFor(targetTokens), ratio: SPEED_RATIO }, options.timeoutSeconds);
      rows.push(row);
      options.onSize?.(row);
    }
  } finally {
    rmSync(poolFile, { force: true });
  }
  return { rows, query: pool.query };
}

function runSize(args: SpeedChildArguments, timeoutSeconds: number): Promise<SpeedRow> {
  return new Promise((resolve) => {
    const child = fork(new URL('./speed-child.js', import.meta.url), [JSON.stringify(args)], {
      execArgv: ['--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let settled = false;
    const settle = (row: SpeedRow): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(row);
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      settle({ targetTokens: args.targetTokens, status: 'timeout', error: `no result within ${timeoutSeconds} s` });
    }, timeoutSeconds * 1000);
    child.on('message', (message: { ok: true; result: SpeedChildResult } | { ok: false; error: string }) => {
      settle(message.ok ? toRow(args, message.result) : { targetTokens: args.targetTokens, status: 'error', error: message.error });
    });
    child.on('exit', (code, signal) => {
      settle({ targetTokens: args.targetTokens, status: 'error', error: `child exited (code ${code}, signal ${signal}) without a result` });
    });
  });
}

function toRow(args: SpeedChildArguments, result: SpeedChildResult): SpeedRow {
  const compressMs = median(result.compressMs) ?? Number.NaN;
  const tokenizeMs = median(result.tokenizeMs) ?? Number.NaN;
  const stages = new Set(result.timings.flatMap((timings) => Object.keys(timings)));
  const stageMs: Record<string, number> = {};
  for (const stage of stages) {
    stageMs[stage] = median(result.timings.flatMap((timings) => (timings[stage] === undefined ? [] : [timings[stage]]))) ?? Number.NaN;
  }
  return {
    targetTokens: args.targetTokens,
    status: 'ok',
    inputTokens: result.inputTokens,
    inputChars: result.inputChars,
    budgetTokens: result.budgetTokens,
    outputTokens: result.outputTokens,
    runs: result.compressMs.length,
    compressMs,
    compressMsAll: result.compressMs,
    tokenizeMs,
    tokenizeMsAll: result.tokenizeMs,
    compressToTokenize: compressMs / tokenizeMs,
    compressTokensPerSecond: (result.inputTokens / compressMs) * 1000,
    tokenizeTokensPerSecond: (result.inputTokens / tokenizeMs) * 1000,
    peakRssMB: result.peakRssKB / 1024,
    baselineRssMB: result.baselineRssKB / 1024,
    stageMs,
  };
}
