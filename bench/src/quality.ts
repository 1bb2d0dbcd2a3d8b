/**
 * Quality suite: retention of answers and supporting evidence after compression, per task × method × ratio.
 * Examples are spread over worker threads (one tokenizer per thread); the main thread only schedules and aggregates.
 * @module
 */
import { Worker } from 'node:worker_threads';
import type { Tokenizer } from '@ctxpress/core';
import { prepareInput, type PreparedInput } from './baselines.js';
import { compressInput, fullText, QA_TASK_KINDS, spreadSample, type Example, type Task, type TaskKind } from './data.js';
import { BASELINE_NAMES, getMethods } from './methods.js';
import { mean, retention } from './metrics.js';

export interface QualityConfig {
  readonly ratios: readonly number[];
  readonly methods: readonly string[];
}

export interface TaskRef {
  readonly name: string;
  readonly kind: TaskKind;
}

/** One method at one ratio on one example. */
export interface ExampleRecord {
  readonly task: string;
  readonly kind: TaskKind;
  readonly id: string;
  readonly method: string;
  readonly ratio: number;
  readonly originalTokens: number;
  readonly budget: number;
  readonly compressedTokens: number;
  /** original / compressed; `null` when the output is empty. */
  readonly achievedRatio: number | null;
  readonly answer: number | null;
  readonly supporting: number | null;
  /** Wall time of the method on this example (for baselines including the shared segmentation and scoring). */
  readonly ms: number;
  readonly reportedOriginal?: number;
  readonly reportedCompressed?: number;
  readonly reportedBudget?: number;
  readonly timings?: Readonly<Record<string, number>>;
  readonly error?: string;
}

/** Runs every configured method at every ratio on one example. */
export async function evaluateExample(task: TaskRef, example: Example, config: QualityConfig, tokenizer: Tokenizer): Promise<ExampleRecord[]> {
  const methods = getMethods(config.methods);
  const originalTokens = tokenizer.count(fullText(example));
  let prepared: PreparedInput | undefined;
  let prepareMs = 0;
  if (methods.some((method) => method.usesPreparedInput)) {
    const start = performance.now();
    prepared = prepareInput(compressInput(example), tokenizer, example.question);
    prepareMs = performance.now() - start;
  }
  const records: ExampleRecord[] = [];
  for (const ratio of config.ratios) {
    const budget = Math.floor(originalTokens / ratio);
    for (const method of methods) {
      const base = { task: task.name, kind: task.kind, id: example.id, method: method.name, ratio, originalTokens, budget };
      const start = performance.now();
      try {
        const output = await method.run({ example, ratio, budget, tokenizer, prepared });
        const ms = performance.now() - start + (method.usesPreparedInput ? prepareMs : 0);
        const compressedTokens = output.tokens ?? tokenizer.count(output.text);
        const scores = retention(output.text, example);
        records.push({
          ...base,
          compressedTokens,
          achievedRatio: compressedTokens === 0 ? null : originalTokens / compressedTokens,
          answer: scores.answer,
          supporting: scores.supporting,
          ms,
          ...(output.reported === undefined
            ? {}
            : { reportedOriginal: output.reported.original, reportedCompressed: output.reported.compressed, reportedBudget: output.reported.budget }),
          ...(output.timings === undefined ? {} : { timings: output.timings }),
        });
      } catch (error) {
        // A failed call retains nothing; it is reported as an error, never silently skipped.
        records.push({
          ...base,
          compressedTokens: 0,
          achievedRatio: null,
          answer: example.answers.length === 0 ? null : 0,
          supporting: example.supporting.length === 0 ? null : 0,
          ms: performance.now() - start,
          error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
        });
      }
    }
  }
  return records;
}

interface Job {
  readonly task: TaskRef;
  readonly example: Example;
}

export type WorkerRequest = { readonly type: 'job'; readonly task: TaskRef; readonly example: Example } | { readonly type: 'stop' };
export type WorkerResponse =
  | { readonly type: 'ready' }
  | { readonly type: 'result'; readonly records: ExampleRecord[] }
  | { readonly type: 'error'; readonly message: string };

export interface QualityRunOptions {
  readonly config: QualityConfig;
  readonly tasks: readonly Task[];
  readonly limit: number | undefined;
  readonly workers: number;
  readonly tokenizer: () => Promise<Tokenizer>;
  readonly onProgress?: (done: number, total: number) => void;
}

/** Runs all jobs; with `workers` > 1 in worker threads (largest examples first, handed out as workers free up). */
export async function runQuality(options: QualityRunOptions): Promise<ExampleRecord[]> {
  const jobs: Job[] = [];
  for (const task of options.tasks) {
    for (const example of spreadSample(task.examples, options.limit)) jobs.push({ task: { name: task.name, kind: task.kind }, example });
  }
  const order = new Map(jobs.map((job, index) => [job, index]));
  const queue = [...jobs].sort((a, b) => fullText(b.example).length - fullText(a.example).length);
  const results: ExampleRecord[][] = new Array<ExampleRecord[]>(jobs.length);
  let done = 0;
  const finish = (job: Job, records: ExampleRecord[]): void => {
    results[order.get(job) as number] = records;
    done++;
    options.onProgress?.(done, jobs.length);
  };

  if (options.workers <= 1) {
    const tokenizer = await options.tokenizer();
    for (const job of queue) finish(job, await evaluateExample(job.task, job.example, options.config, tokenizer));
  } else {
    const count = Math.min(options.workers, queue.length);
    await Promise.all(Array.from({ length: count }, () => runWorker(queue, options.config, finish)));
  }
  return results.flat();
}

function runWorker(queue: Job[], config: QualityConfig, finish: (job: Job, records: ExampleRecord[]) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./quality-worker.js', import.meta.url), { workerData: config });
    let current: Job | undefined;
    let failed = false;
    const next = (): void => {
      current = queue.shift();
      const request: WorkerRequest = current === undefined ? { type: 'stop' } : { type: 'job', task: current.task, example: current.example };
      worker.postMessage(request);
    };
    worker.on('message', (message: WorkerResponse) => {
      if (message.type === 'ready') next();
      else if (message.type === 'result') {
        if (current !== undefined) finish(current, message.records);
        next();
      } else {
        failed = true;
        reject(new Error(`quality worker: ${message.message}`));
        void worker.terminate();
      }
    });
    worker.on('error', (error) => {
      failed = true;
      reject(error);
    });
    worker.on('exit', (code) => {
      if (failed) return;
      if (code === 0) resolve();
      else reject(new Error(`quality worker exited with code ${code}`));
    });
  });
}

/** Aggregate of one task × method × ratio. */
export interface QualityRow {
  readonly task: string;
  readonly kind: TaskKind;
  readonly method: string;
  readonly ratio: number;
  /** Examples run. */
  readonly n: number;
  /** Examples with answers / with supporting strings. */
  readonly nAnswer: number;
  readonly nSupporting: number;
  readonly answerRetention: number | null;
  readonly supportingRetention: number | null;
  /** Mean of original / compressed over examples with non-empty output. */
  readonly achievedRatio: number | null;
  readonly minAchievedRatio: number | null;
  /** Examples whose output exceeded the budget (achieved ratio below the requested one). */
  readonly violations: number;
  readonly errors: number;
  readonly emptyOutputs: number;
  readonly meanMs: number | null;
  /** Mean milliseconds per stage as reported by compress(). */
  readonly stageMs?: Readonly<Record<string, number>>;
  /** Examples where the library's own counts disagree with the harness (original, or compressed recount). */
  readonly reportedOriginalMismatches: number;
  readonly reportedCompressedMismatches: number;
}

/** Mean over tasks (each task weighs the same) of one method × ratio. */
export interface QualityMean {
  readonly method: string;
  readonly ratio: number;
  /** Answer retention averaged over the QA tasks (qa, multihop, needle, conversation) present. */
  readonly answerRetentionQa: number | null;
  /** Supporting retention averaged over the QA tasks present. */
  readonly supportingRetentionQa: number | null;
  /** Supporting retention averaged over all tasks present. */
  readonly supportingRetentionAll: number | null;
  readonly qaTasks: readonly string[];
  readonly allTasks: readonly string[];
}

export function aggregate(records: readonly ExampleRecord[]): QualityRow[] {
  const groups = new Map<string, ExampleRecord[]>();
  for (const record of records) {
    const key = `${record.task}\u0000${record.method}\u0000${record.ratio}`;
    let group = groups.get(key);
    if (group === undefined) groups.set(key, (group = []));
    group.push(record);
  }
  const rows: QualityRow[] = [];
  for (const group of groups.values()) {
    const first = group[0] as ExampleRecord;
    const ratios = group.flatMap((record) => (record.achievedRatio === null ? [] : [record.achievedRatio]));
    const stageTotals = new Map<string, number>();
    let stageCount = 0;
    for (const record of group) {
      if (record.timings === undefined) continue;
      stageCount++;
      for (const [stage, ms] of Object.entries(record.timings)) stageTotals.set(stage, (stageTotals.get(stage) ?? 0) + ms);
    }
    const withReport = group.filter((record) => record.reportedOriginal !== undefined && record.error === undefined);
    rows.push({
      task: first.task,
      kind: first.kind,
      method: first.method,
      ratio: first.ratio,
      n: group.length,
      nAnswer: group.filter((record) => record.answer !== null).length,
      nSupporting: group.filter((record) => record.supporting !== null).length,
      answerRetention: mean(group.map((record) => record.answer)),
      supportingRetention: mean(group.map((record) => record.supporting)),
      achievedRatio: mean(ratios),
      minAchievedRatio: ratios.length === 0 ? null : Math.min(...ratios),
      violations: group.filter((record) => record.error === undefined && record.compressedTokens > record.budget).length,
      errors: group.filter((record) => record.error !== undefined).length,
      emptyOutputs: group.filter((record) => record.error === undefined && record.compressedTokens === 0).length,
      meanMs: mean(group.map((record) => record.ms)),
      ...(stageCount === 0 ? {} : { stageMs: Object.fromEntries([...stageTotals].map(([stage, total]) => [stage, total / stageCount])) }),
      reportedOriginalMismatches: withReport.filter((record) => record.reportedOriginal !== record.originalTokens).length,
      reportedCompressedMismatches: withReport.filter((record) => record.reportedCompressed !== record.compressedTokens).length,
    });
  }
  return rows;
}

export function means(rows: readonly QualityRow[], methods: readonly string[], ratios: readonly number[]): QualityMean[] {
  const result: QualityMean[] = [];
  for (const method of methods) {
    for (const ratio of ratios) {
      const selected = rows.filter((row) => row.method === method && row.ratio === ratio);
      const qa = selected.filter((row) => QA_TASK_KINDS.includes(row.kind));
      result.push({
        method,
        ratio,
        answerRetentionQa: mean(qa.map((row) => row.answerRetention)),
        supportingRetentionQa: mean(qa.map((row) => row.supportingRetention)),
        supportingRetentionAll: mean(selected.map((row) => row.supportingRetention)),
        qaTasks: qa.map((row) => row.task),
        allTasks: selected.map((row) => row.task),
      });
    }
  }
  return result;
}

export type CheckMark = '✓' | '=' | '✗';

/** Does ctxpress beat every baseline on one task × ratio × measure? */
export interface CheckCell {
  readonly task: string;
  readonly ratio: number;
  readonly measure: 'answer' | 'supporting';
  readonly mark: CheckMark;
  readonly ctxpress: number;
  /** The strongest baseline and its value. */
  readonly baseline: string;
  readonly baselineValue: number;
}

/** Ties count as not beating (`=`); cells where ctxpress or every baseline has no value are left out. */
export function beatsBaselines(rows: readonly QualityRow[], ratios: readonly number[], method = 'ctxpress'): CheckCell[] {
  const cells: CheckCell[] = [];
  const tasks = [...new Set(rows.map((row) => row.task))];
  for (const task of tasks) {
    for (const ratio of ratios) {
      for (const measure of ['answer', 'supporting'] as const) {
        const value = (row: QualityRow | undefined): number | null | undefined =>
          measure === 'answer' ? row?.answerRetention : row?.supportingRetention;
        const ours = value(rows.find((row) => row.task === task && row.ratio === ratio && row.method === method));
        if (ours === null || ours === undefined) continue;
        let best: { name: string; value: number } | undefined;
        for (const name of BASELINE_NAMES) {
          const theirs = value(rows.find((row) => row.task === task && row.ratio === ratio && row.method === name));
          if (theirs === null || theirs === undefined) continue;
          if (best === undefined || theirs > best.value) best = { name, value: theirs };
        }
        if (best === undefined) continue;
        const difference = ours - best.value;
        const mark: CheckMark = Math.abs(difference) < 1e-9 ? '=' : difference > 0 ? '✓' : '✗';
        cells.push({ task, ratio, measure, mark, ctxpress: ours, baseline: best.name, baselineValue: best.value });
      }
    }
  }
  return cells;
}

/** Records whose output exceeded the budget or whose call failed: printed loudly and kept in the JSON. */
export function problems(records: readonly ExampleRecord[]): { violations: ExampleRecord[]; errors: ExampleRecord[] } {
  return {
    violations: records.filter((record) => record.error === undefined && record.compressedTokens > record.budget),
    errors: records.filter((record) => record.error !== undefined),
  };
}
