/**
 * Cache suite: the same ~100k-token document set compressed with query A on a cold cache, then with query B on the
 * warm cache (memory store and file store), against no cache; median of a few runs, ms per stage, speed-up, and a check
 * that every cached output equals the uncached one.
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compressSync } from '@ctxpress/core';
import type { CompressionResult, DocumentInput, Tokenizer } from '@ctxpress/core';
import { memoryCacheStore } from '@ctxpress/core/cache';
import type { CacheStore } from '@ctxpress/core/cache';
import { compressWithCache, fileCacheStore } from '@ctxpress/node/cache';
import { fullText, listTaskFiles, loadTask } from './data.js';
import type { Example, Task } from './data.js';
import { median } from './metrics.js';

export const CACHE_BENCH_STAGES = ['segment', 'count', 'tokenize', 'score', 'allocate', 'select', 'render'] as const;

export interface CacheBenchRow {
  /** `none`, `memory` or `file`. */
  readonly store: string;
  /**
   * `cold` (query A, empty cache), `warm` (query B after A), `warm-again` (query B once more: the next request, whose
   * entries are already decoded in this process), `uncached` (query B, no cache), `grown` (query B on the set
   * plus one new document, after A: every other document hits, the token count is redone) or `grown-uncached`.
   */
  readonly state: string;
  readonly runs: number;
  /** Median wall time of the call, ms (for the file store: prefetch + core + write-back). */
  readonly totalMs: number;
  /** Median core time per stage, ms (`result.timings`). */
  readonly stages: Readonly<Record<string, number>>;
  /** Uncached median (of the same input and query) / this median. */
  readonly speedup: number;
  /** The output equals the uncached output for the same query. */
  readonly identical: boolean;
}

export interface CacheBenchResult {
  readonly documents: number;
  readonly inputTokens: number;
  readonly queryA: string;
  readonly queryB: string;
  readonly rows: readonly CacheBenchRow[];
  readonly markdown: string;
}

export interface CacheBenchOptions {
  readonly tokenizer: Tokenizer;
  readonly dataDir: string;
  /** Runs per row (default 5). */
  readonly runs?: number;
  /** Approximate size of the document set (default 100,000 tokens). */
  readonly targetTokens?: number;
  readonly ratio?: number;
}

/** SQuAD articles, the longest Paul Graham haystack, then QMSum meetings, until `targetTokens`. */
export function cacheBenchDocuments(dataDir: string, tokenizer: Tokenizer, targetTokens: number): { documents: DocumentInput[]; extra: DocumentInput; queryA: string; queryB: string } {
  const tasks = new Map<string, Task>();
  for (const file of listTaskFiles(dataDir)) {
    const task = loadTask(file);
    tasks.set(task.name, task);
  }
  const distinct = (examples: readonly Example[]): Example[] => {
    const seen = new Set<string>();
    return examples.filter((e) => {
      const text = fullText(e);
      if (seen.has(text)) return false;
      seen.add(text);
      return true;
    });
  };
  const squad = distinct(tasks.get('squad_article')?.examples ?? []);
  const needles = tasks.get('niah_paulgraham')?.examples ?? [];
  const haystack = [...needles].sort((a, b) => fullText(b).length - fullText(a).length)[0];
  const meetings = distinct(tasks.get('qmsum_meeting')?.examples ?? []);
  const candidates: Array<{ id: string; example: Example }> = [
    ...squad.map((example) => ({ id: `squad:${example.id}`, example })),
    ...(haystack === undefined ? [] : [{ id: `niah:${haystack.id}`, example: haystack }]),
    ...meetings.map((example) => ({ id: `qmsum:${example.id}`, example })),
  ];
  const documents: DocumentInput[] = [];
  let tokens = 0;
  for (const c of candidates) {
    if (tokens >= targetTokens) break;
    const text = fullText(c.example);
    documents.push({ id: c.id, text });
    tokens += tokenizer.count(text);
  }
  const next = candidates[documents.length] ?? candidates[0];
  const extra: DocumentInput = { id: `extra:${next?.id ?? 'none'}`, text: next === undefined ? 'An extra document.' : fullText(next.example) };
  const queryA = squad[0]?.question ?? 'What is this about?';
  const queryB = haystack?.question ?? squad[1]?.question ?? 'What is the main point?';
  return { documents, extra, queryA, queryB };
}

function stripTimings(r: CompressionResult): string {
  return JSON.stringify(Object.fromEntries(Object.entries(r).filter(([key]) => key !== 'timings')));
}

async function timed(run: () => CompressionResult | Promise<CompressionResult>): Promise<{ ms: number; result: CompressionResult }> {
  const t = performance.now();
  const result = await run();
  return { ms: performance.now() - t, result };
}

export async function runCacheBench(options: CacheBenchOptions): Promise<CacheBenchResult> {
  const { tokenizer } = options;
  const runs = options.runs ?? 5;
  const ratio = options.ratio ?? 10;
  const { documents, extra, queryA, queryB } = cacheBenchDocuments(options.dataDir, tokenizer, options.targetTokens ?? 100_000);
  const budget = { ratio };
  const base = { tokenizer, budget };
  const scratch = mkdtempSync(join(tmpdir(), 'ctxpress-cache-bench-'));
  try {
    // warm the JIT and the tokenizer once, outside the measurements
    compressSync(documents, { ...base, query: queryA });
    const reference = stripTimings(compressSync(documents, { ...base, query: queryB }));
    const referenceA = stripTimings(compressSync(documents, { ...base, query: queryA }));
    const grownSet = [...documents, extra];
    const referenceGrown = stripTimings(compressSync(grownSet, { ...base, query: queryB }));
    const samples = new Map<string, Array<{ ms: number; result: CompressionResult }>>();
    const add = (key: string, sample: { ms: number; result: CompressionResult }): void => {
      const list = samples.get(key) ?? [];
      list.push(sample);
      samples.set(key, list);
    };
    for (let run = 0; run < runs; run++) {
      add('none/uncached', await timed(() => compressSync(documents, { ...base, query: queryB })));
      const memory = memoryCacheStore();
      add('memory/cold', await timed(() => compressSync(documents, { ...base, query: queryA, cache: { store: memory } })));
      add('memory/warm', await timed(() => compressSync(documents, { ...base, query: queryB, cache: { store: memory } })));
      // the next request on the same documents: the in-memory store returns the same bytes, whose decoding is reused
      add('memory/warm-again', await timed(() => compressSync(documents, { ...base, query: queryB, cache: { store: memory } })));
      add('none/grown-uncached', await timed(() => compressSync(grownSet, { ...base, query: queryB })));
      add('memory/grown', await timed(() => compressSync(grownSet, { ...base, query: queryB, cache: { store: memory } })));
      const directory = join(scratch, `run-${run}`);
      const cold: CacheStore = fileCacheStore({ directory });
      add('file/cold', await timed(() => compressWithCache(documents, { ...base, query: queryA, cache: cold })));
      // a new store object on the same folder: what a new process sees (the OS page cache stays warm)
      const warm: CacheStore = fileCacheStore({ directory });
      add('file/warm', await timed(() => compressWithCache(documents, { ...base, query: queryB, cache: warm })));
    }
    const uncached = median(samples.get('none/uncached')!.map((s) => s.ms)) ?? 0;
    const grownUncached = median(samples.get('none/grown-uncached')!.map((s) => s.ms)) ?? 0;
    const rows: CacheBenchRow[] = [...samples.entries()].map(([key, list]) => {
      const [store, state] = key.split('/') as [string, string];
      const totalMs = median(list.map((s) => s.ms)) ?? 0;
      const stages: Record<string, number> = {};
      for (const stage of CACHE_BENCH_STAGES) stages[stage] = median(list.map((s) => s.result.timings[stage] ?? 0)) ?? 0;
      const grown = state.startsWith('grown');
      const expected = state === 'cold' ? referenceA : grown ? referenceGrown : reference;
      return { store, state, runs: list.length, totalMs, stages, speedup: (grown ? grownUncached : uncached) / totalMs, identical: list.every((s) => stripTimings(s.result) === expected) };
    });
    const inputTokens = tokenizer.count(documents.map((d) => d.text).join('\n\n'));
    return { documents: documents.length, inputTokens, queryA, queryB, rows, markdown: cacheBenchMarkdown(rows, documents.length, inputTokens, queryA, queryB, tokenizer.name, ratio) };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

export function cacheBenchMarkdown(rows: readonly CacheBenchRow[], documents: number, inputTokens: number, queryA: string, queryB: string, tokenizerName: string, ratio: number): string {
  const fmt = (ms: number): string => ms.toFixed(1);
  const lines = [
    '## Cache: cold vs warm',
    '',
    `${documents} documents, ${inputTokens.toLocaleString('en-US')} tokens (${tokenizerName}), budget ratio ${ratio}. Cold = query A on an empty cache; warm = query B after it; warm-again = query B once more, the next request on those documents (an in-memory store hands back the same bytes, so their decoding is reused); uncached = query B without a cache; grown = query B on the set plus one new document (the other documents hit, the one-pass count is redone), against grown-uncached. Median of ${rows[0]?.runs ?? 0} runs; stage columns are the core's own timings (ms), total is the wall time of the call (for the file store including prefetch and write-back).`,
    '',
    `- query A: ${queryA}`,
    `- query B: ${queryB}`,
    '',
    `| store | state | ${CACHE_BENCH_STAGES.join(' | ')} | total ms | speed-up vs uncached | output identical |`,
    `|---|---|${CACHE_BENCH_STAGES.map(() => '---:').join('|')}|---:|---:|---|`,
    ...rows.map((r) => `| ${r.store} | ${r.state} | ${CACHE_BENCH_STAGES.map((s) => fmt(r.stages[s] ?? 0)).join(' | ')} | ${fmt(r.totalMs)} | ${r.speedup.toFixed(2)}× | ${r.identical ? 'yes' : '**no**'} |`),
    '',
    'With a warm cache, segmentation, the one-pass token count and term extraction are read from the cache (the segment column is then hashing + decoding the entries); scoring, allocation, selection and rendering with the exact recount of the output still run.',
    '',
  ];
  return lines.join('\n');
}
