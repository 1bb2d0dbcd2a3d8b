/**
 * `node bench/dist/run.js [--suite quality|speed|all] [--limit N] [--tasks a,b] [--methods a,b] [--out DIR] …`
 * Parses arguments into a plan, runs the suites, writes JSON + Markdown (+ SVG) and prints the tables.
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { getTokenizer } from '@ctxpress/node';
import { dataDirectory, loadTasks, QA_TASK_KINDS } from './data.js';
import { describeEnvironment, runEnvironment } from './environment.js';
import { getMethods, METHOD_NAMES } from './methods.js';
import { aggregate, beatsBaselines, means, problems, runQuality, type ExampleRecord } from './quality.js';
import { checkTable, qualityMarkdown, qualityTables, retentionSvg, speedMarkdown } from './report.js';
import { runSpeed, SPEED_RATIO } from './speed.js';
import { runChatBench } from './chat-bench.js';
import { chatShapesMarkdown, DEFAULT_PER_SHAPE, runChatShapes } from './chat-shapes-bench.js';
import { runToolOutputBench } from './tool-output-bench.js';
import { runCodeSuite } from './code-bench.js';
import { runCacheBench } from './cache-bench.js';
import { runLoadBench } from './load-bench.js';
import { runConversationBench } from './conversation-bench.js';

export interface Plan {
  readonly suites: readonly Suite[];
  readonly limit: number | undefined;
  readonly tasks: readonly string[] | undefined;
  readonly methods: readonly string[];
  readonly ratios: readonly number[];
  readonly checkRatios: readonly number[];
  readonly sizes: readonly number[];
  readonly workers: number;
  readonly out: string;
  readonly data: string;
  readonly speedTimeoutSeconds: number;
}

/** The suites, in the order `all` runs them. */
export const SUITES = ['quality', 'speed', 'chat', 'chat-shapes', 'tools', 'code', 'cache', 'load'] as const;
export type Suite = (typeof SUITES)[number];

export const USAGE = `Usage: node bench/dist/run.js [options]
  --suite NAME                quality, speed, chat, chat-shapes, tools, code, cache, load, or all (default all)
  --limit N                   examples per task, spread evenly over the file (default: all; chat-shapes: per shape, default ${DEFAULT_PER_SHAPE})
  --tasks a,b                 task files (squad_article, …) or kinds (qa, needle, …) (default: all)
  --methods a,b               ${METHOD_NAMES.join(', ')} (default: all)
  --ratios 2,4,10,20          requested compression ratios (default 2,4,10,20)
  --sizes 1000,…              speed input sizes in tokens (default 1000,10000,100000,1000000)
  --workers N                 worker threads for the quality suite (default: min(2, cores))
  --out DIR                   results directory (default bench/results)
  --speed-timeout S           seconds per speed size before it is killed (default 300)
  Data: shared/data next to the repository, or $CTXPRESS_DATA.`;

function numbers(text: string, name: string): number[] {
  const values = text.split(',').map((part) => Number(part.trim()));
  if (values.some((value) => !Number.isFinite(value) || value <= 0)) throw new Error(`--${name}: expected positive numbers, got "${text}"`);
  return values;
}

function list(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const items = text.split(',').map((part) => part.trim()).filter((part) => part !== '');
  return items.length === 0 ? undefined : items;
}

/** argv → plan; throws with a message on bad input. Touches no files. */
export function parsePlan(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Plan | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      suite: { type: 'string', default: 'all' },
      limit: { type: 'string' },
      tasks: { type: 'string' },
      methods: { type: 'string' },
      ratios: { type: 'string', default: '2,4,10,20' },
      sizes: { type: 'string', default: '1000,10000,100000,1000000' },
      workers: { type: 'string' },
      out: { type: 'string' },
      'speed-timeout': { type: 'string', default: '300' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help === true) return 'help';
  const suite = values.suite;
  if (suite !== 'all' && !(SUITES as readonly string[]).includes(suite)) throw new Error(`--suite: expected ${SUITES.join(', ')} or all, got "${suite}"`);
  let limit: number | undefined;
  if (values.limit !== undefined) {
    limit = Number(values.limit);
    if (!Number.isInteger(limit) || limit <= 0) throw new Error(`--limit: expected a positive integer, got "${values.limit}"`);
  }
  const methods = list(values.methods) ?? [...METHOD_NAMES];
  getMethods(methods); // validates the names
  const ratios = numbers(values.ratios, 'ratios');
  if (ratios.some((ratio) => ratio < 1)) throw new Error('--ratios: a compression ratio is at least 1');
  const workers = values.workers === undefined ? Math.min(2, availableParallelism()) : Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`--workers: expected a positive integer, got "${values.workers}"`);
  const speedTimeoutSeconds = Number(values['speed-timeout']);
  if (!(speedTimeoutSeconds > 0)) throw new Error(`--speed-timeout: expected seconds, got "${values['speed-timeout']}"`);
  return {
    suites: suite === 'all' ? [...SUITES] : [suite as Suite],
    limit,
    tasks: list(values.tasks),
    methods,
    ratios,
    checkRatios: [4, 10].filter((ratio) => ratios.includes(ratio)),
    sizes: numbers(values.sizes, 'sizes').map(Math.round),
    workers,
    out: values.out === undefined ? fileURLToPath(new URL('../results/', import.meta.url)) : resolve(values.out),
    data: dataDirectory(env),
    speedTimeoutSeconds,
  };
}

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

function loud(lines: readonly string[]): void {
  const bar = '!'.repeat(100);
  process.stderr.write(`\n\x1b[1;31m${bar}\n${lines.join('\n')}\n${bar}\x1b[0m\n\n`);
}

async function quality(plan: Plan): Promise<boolean> {
  const environment = runEnvironment();
  const tasks = loadTasks(plan.data, plan.tasks);
  const methods = getMethods(plan.methods);
  const total = tasks.reduce((sum, task) => sum + Math.min(task.examples.length, plan.limit ?? Infinity), 0);
  log(`[quality] ${tasks.length} tasks, ${total} examples × ${methods.length} methods × ${plan.ratios.length} ratios on ${plan.workers} worker(s)`);
  const started = performance.now();
  let lastLog = started;
  const records = await runQuality({
    config: { ratios: plan.ratios, methods: plan.methods },
    tasks,
    limit: plan.limit,
    workers: plan.workers,
    tokenizer: () => getTokenizer('o200k_base'),
    onProgress: (done, all) => {
      const now = performance.now();
      if (now - lastLog > 10_000 || done === all) {
        lastLog = now;
        log(`[quality] ${done}/${all} examples, ${((now - started) / 1000).toFixed(0)} s`);
      }
    },
  });
  const wallSeconds = (performance.now() - started) / 1000;

  const rows = aggregate(records);
  const meanRows = means(rows, plan.methods, plan.ratios);
  const check = beatsBaselines(rows, plan.checkRatios);
  const { violations, errors } = problems(records);
  const taskRefs = tasks.map((task) => ({ name: task.name, kind: task.kind }));
  const describe = (record: ExampleRecord): string =>
    `${record.method}@${record.ratio}x ${record.task}/${record.id}: ${record.error ?? `${record.compressedTokens} tokens > budget ${record.budget}`}`;
  const problemText = [
    violations.length === 0 ? 'Budget violations: none.' : `**BUDGET VIOLATIONS: ${violations.length}**\n\n${violations.slice(0, 50).map((record) => `- ${describe(record)}`).join('\n')}`,
    errors.length === 0 ? 'Errors: none.' : `**ERRORS: ${errors.length}**\n\n${errors.slice(0, 50).map((record) => `- ${describe(record)}`).join('\n')}`,
  ].join('\n\n');
  const withReport = records.filter((record) => record.reportedOriginal !== undefined);
  const originalMismatch = withReport.filter((record) => record.reportedOriginal !== record.originalTokens);
  const compressedMismatch = withReport.filter((record) => record.reportedCompressed !== record.compressedTokens);
  const budgetMismatch = withReport.filter((record) => record.reportedBudget !== record.budget);
  const crossCheck = [
    `compress() calls: ${withReport.length}.`,
    `result.tokens.original ≠ harness count of the full context: ${originalMismatch.length}${originalMismatch[0] === undefined ? '' : ` (e.g. ${originalMismatch[0].task}/${originalMismatch[0].id}: ${originalMismatch[0].reportedOriginal} vs ${originalMismatch[0].originalTokens})`}.`,
    `result.tokens.compressed ≠ harness recount of result.text: ${compressedMismatch.length}${compressedMismatch[0] === undefined ? '' : ` (e.g. ${compressedMismatch[0].task}/${compressedMismatch[0].id}: ${compressedMismatch[0].reportedCompressed} vs ${compressedMismatch[0].compressedTokens})`}.`,
    `result.tokens.budget ≠ requested budget: ${budgetMismatch.length}.`,
  ].join('\n');
  const settings = `Examples: ${plan.limit === undefined ? 'all' : `${plan.limit} per task (spread evenly)`}; ratios ${plan.ratios.join(', ')}; ${plan.workers} worker thread(s); wall time ${wallSeconds.toFixed(0)} s.`;
  const reportInput = { rows, means: meanRows, check, methods, ratios: plan.ratios, checkRatios: plan.checkRatios, tasks: taskRefs };

  mkdirSync(join(plan.out, 'tmp'), { recursive: true });
  const environmentLine = describeEnvironment(environment);
  writeFileSync(
    join(plan.out, 'quality.json'),
    `${JSON.stringify(
      {
        environment,
        settings: { limit: plan.limit ?? null, ratios: plan.ratios, methods: plan.methods, tasks: taskRefs, workers: plan.workers, qaTaskKinds: QA_TASK_KINDS, wallSeconds },
        rows,
        means: meanRows,
        check,
        violations,
        errors,
      },
      null,
      2,
    )}\n`,
  );
  writeFileSync(join(plan.out, 'tmp', 'quality-examples.jsonl'), records.map((record) => JSON.stringify(record)).join('\n') + '\n');
  writeFileSync(join(plan.out, 'quality.md'), qualityMarkdown({ ...reportInput, environment: environmentLine, settings, problems: problemText, crossCheck }));
  const series = (pick: (mean: (typeof meanRows)[number]) => number | null) =>
    plan.methods.map((method) => ({
      name: method,
      points: plan.ratios.map((ratio) => ({ x: ratio, y: pick(meanRows.find((mean) => mean.method === method && mean.ratio === ratio) as (typeof meanRows)[number]) })),
    }));
  const sortedRatios = [...plan.ratios].sort((a, b) => a - b);
  writeFileSync(
    join(plan.out, 'retention.svg'),
    retentionSvg(
      [
        { title: 'Answer retention', note: `mean over the QA tasks (${QA_TASK_KINDS.join(', ')})`, series: series((mean) => mean.answerRetentionQa) },
        { title: 'Supporting retention', note: 'mean over all tasks', series: series((mean) => mean.supportingRetentionAll) },
      ],
      sortedRatios,
      `${environment.commit ?? 'no commit'}${environment.dirty === true ? '+' : ''} · ${plan.limit === undefined ? 'all examples' : `${plan.limit} examples per task`} · budget = floor(original / ratio) o200k_base`,
    ),
  );

  const tables = qualityTables(reportInput);
  console.log(`\n## Answer retention (QA tasks = ${QA_TASK_KINDS.join(', ')})\n\n${tables.answer}`);
  console.log(`\n## Supporting retention\n\n${tables.supporting}`);
  console.log(`\n## Achieved ratio\n\n${tables.ratio}`);
  console.log(`\n## ms per example\n\n${tables.time}`);
  if (plan.checkRatios.length > 0 && plan.methods.includes('ctxpress')) {
    console.log(`\n## Does ctxpress beat every baseline?\n\n${checkTable(check, taskRefs, plan.checkRatios)}`);
  }
  console.log(`\n${crossCheck}`);
  log(`[quality] wrote quality.json, quality.md, retention.svg, tmp/quality-examples.jsonl to ${plan.out} (${wallSeconds.toFixed(0)} s)`);
  if (violations.length > 0 || errors.length > 0) {
    loud([
      `QUALITY: ${violations.length} BUDGET VIOLATION(S), ${errors.length} ERROR(S)`,
      ...[...violations, ...errors].slice(0, 20).map(describe),
    ]);
    return false;
  }
  return true;
}

/** Chat and agent histories (LoCoMo as messages): evidence retention vs last-turns and random; prefix stability. */
async function chat(plan: Plan): Promise<boolean> {
  const started = performance.now();
  const { rows, prefix, markdown } = await runChatBench({ dataDir: plan.data, tokenizer: await getTokenizer('o200k_base'), ...(plan.limit === undefined ? {} : { limit: plan.limit }) });
  mkdirSync(plan.out, { recursive: true });
  writeFileSync(join(plan.out, 'chat.json'), `${JSON.stringify({ environment: runEnvironment(), rows, prefix }, null, 2)}\n`);
  writeFileSync(join(plan.out, 'chat.md'), markdown);
  console.log(`\n${markdown}`);
  log(`[chat] wrote chat.json, chat.md to ${plan.out} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  const at4 = rows.find((row) => row.ratio === 4);
  if (!at4 || !(at4.ctxpress > at4.lastTurns && at4.ctxpress > at4.random)) {
    loud(['CHAT: compressChat does not beat both baselines at 4x']);
    return false;
  }
  return true;
}

/** Chat-shaped requests (RAG, agent loop, conversation) without a query: compressChat vs trim-last, bm25 and the text path. */
async function chatShapes(plan: Plan): Promise<boolean> {
  const started = performance.now();
  const tokenizer = await getTokenizer('o200k_base');
  let lastLog = started;
  const result = await runChatShapes({
    dataDir: plan.data,
    tokenizer,
    ...(plan.limit === undefined ? {} : { limit: plan.limit }),
    onProgress: (done, total) => {
      const now = performance.now();
      if (now - lastLog > 10_000 || done === total) {
        lastLog = now;
        log(`[chat-shapes] ${done}/${total} requests, ${((now - started) / 1000).toFixed(0)} s`);
      }
    },
  });
  const wallSeconds = (performance.now() - started) / 1000;
  const environment = runEnvironment();
  const perShape = plan.limit ?? DEFAULT_PER_SHAPE;
  const settings = `Examples: ${perShape} per shape (${Object.entries(result.samples)
    .map(([shape, sources]) => `${shape}: ${Object.entries(sources).map(([task, n]) => `${task} ${n}`).join(', ')}`)
    .join('; ')}), spread evenly over each file; ratios 2, 4, 10; wall time ${wallSeconds.toFixed(0)} s. Command: \`node bench/dist/run.js --suite chat-shapes${plan.limit === undefined ? '' : ` --limit ${plan.limit}`}\`.`;
  const markdown = chatShapesMarkdown({
    rows: result.rows,
    sourceRows: result.sourceRows,
    records: result.records,
    samples: result.samples,
    tokenizer: tokenizer.name,
    countMismatches: result.countMismatches,
    methods: [...new Set(result.rows.map((row) => row.method))],
    ratios: [...new Set(result.rows.map((row) => row.ratio))],
    environment: describeEnvironment(environment),
    settings,
  });
  mkdirSync(join(plan.out, 'tmp'), { recursive: true });
  writeFileSync(
    join(plan.out, 'chat-shapes.json'),
    `${JSON.stringify({ environment, settings: { perShape, samples: result.samples, wallSeconds }, rows: result.rows, sourceRows: result.sourceRows, countMismatches: result.countMismatches }, null, 2)}\n`,
  );
  writeFileSync(join(plan.out, 'tmp', 'chat-shapes-records.jsonl'), result.records.map((record) => JSON.stringify(record)).join('\n') + '\n');
  writeFileSync(join(plan.out, 'chat-shapes.md'), markdown);
  console.log(`\n${markdown}`);
  log(`[chat-shapes] wrote chat-shapes.json, chat-shapes.md, tmp/chat-shapes-records.jsonl to ${plan.out} (${wallSeconds.toFixed(0)} s)`);
  // errors (BUDGET_UNSATISFIABLE when the fixed part alone is over the budget) are reported, not fatal; an invalid or over-budget output is
  const chat = result.rows.filter((row) => row.method === 'ctxpress-chat');
  const invalid = chat.reduce((sum, row) => sum + row.invalid, 0);
  const over = chat.reduce((sum, row) => sum + row.overBudget, 0);
  if (invalid > 0 || over > 0) {
    loud([`CHAT-SHAPES: compressChat returned ${invalid} invalid request(s) and ${over} over budget (see chat-shapes.md)`]);
    return false;
  }
  return true;
}

/** Tool outputs (JSON, logs): needle retention and JSON validity vs head truncation and plain-text compression. */
async function tools(plan: Plan): Promise<boolean> {
  const started = performance.now();
  const { rows, markdown } = await runToolOutputBench({ tokenizer: await getTokenizer('o200k_base') });
  mkdirSync(plan.out, { recursive: true });
  writeFileSync(join(plan.out, 'tool-output.json'), `${JSON.stringify({ environment: runEnvironment(), rows }, null, 2)}\n`);
  writeFileSync(join(plan.out, 'tool-output.md'), markdown);
  console.log(`\n${markdown}`);
  log(`[tools] wrote tool-output.json, tool-output.md to ${plan.out} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  const bad = rows.filter((r) => r.method.startsWith('ctxpress-tool') && (r.withinBudget < 1 || (r.jsonValid !== null && r.jsonValid < 1)));
  if (bad.length > 0) {
    loud([`TOOLS: ${bad.length} row(s) over budget or with invalid JSON`]);
    return false;
  }
  return true;
}

/** Source code: do the definitions a completion point depends on survive? vs head truncation and plain-text compression. */
async function code(plan: Plan): Promise<boolean> {
  const started = performance.now();
  const ok = await runCodeSuite(plan.out, await getTokenizer('o200k_base'));
  log(`[code] wrote code.json, code.md to ${plan.out} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  if (!ok) loud(['CODE: code compression does not beat both baselines at 4x']);
  return ok;
}

/** Segment cache: the same ~100k-token documents with a new query, cold and warm (memory and file stores); the proxy on a growing 50-turn conversation. */
async function cache(plan: Plan): Promise<boolean> {
  const started = performance.now();
  const result = await runCacheBench({ tokenizer: await getTokenizer('o200k_base'), dataDir: plan.data });
  const conversation = await runConversationBench({ dataDir: plan.data, log });
  mkdirSync(plan.out, { recursive: true });
  writeFileSync(join(plan.out, 'cache.json'), `${JSON.stringify({ environment: runEnvironment(), rows: result.rows, conversation: conversation.rows }, null, 2)}\n`);
  const markdown = `${result.markdown}\n${conversation.markdown}`;
  writeFileSync(join(plan.out, 'cache.md'), markdown);
  console.log(`\n${markdown}`);
  log(`[cache] wrote cache.json, cache.md to ${plan.out} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  const different = conversation.rows.filter((row) => !row.identical);
  if (different.length > 0) {
    loud([`CACHE: the proxy forwarded different requests with the ${different.map((row) => row.store).join(', ')} cache`]);
    return false;
  }
  return true;
}

/** The HTTP service under load on loopback: /v1/compress and the proxy with 10k-token contexts at 1, 20 and 100 connections, twice, then fault runs. */
async function load(plan: Plan): Promise<boolean> {
  const started = performance.now();
  const result = await runLoadBench({ log });
  mkdirSync(plan.out, { recursive: true });
  writeFileSync(join(plan.out, 'load.json'), `${JSON.stringify({ environment: runEnvironment(), steps: result.steps, rssAfterPassMB: result.rssAfterPassMB }, null, 2)}\n`);
  writeFileSync(join(plan.out, 'load.md'), result.markdown);
  console.log(`\n${result.markdown}`);
  log(`[load] wrote load.json, load.md to ${plan.out} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  const errors = result.steps.reduce((sum, step) => sum + step.errors, 0);
  if (errors > 0) {
    loud([`LOAD: ${errors} request(s) failed or were lost`]);
    return false;
  }
  return true;
}

async function speed(plan: Plan): Promise<boolean> {
  const environment = runEnvironment();
  mkdirSync(join(plan.out, 'tmp'), { recursive: true });
  log(`[speed] sizes ${plan.sizes.join(', ')} tokens, budget ratio ${SPEED_RATIO}, one child process per size`);
  const started = performance.now();
  const { rows, query } = await runSpeed({
    dataDirectory: plan.data,
    sizes: plan.sizes,
    temporaryDirectory: join(plan.out, 'tmp'),
    timeoutSeconds: plan.speedTimeoutSeconds,
    onSize: (row) =>
      log(
        row.status === 'ok'
          ? `[speed] ${row.inputTokens} tokens: compress ${row.compressMs?.toFixed(1)} ms, tokenize ${row.tokenizeMs?.toFixed(1)} ms (×${row.compressToTokenize?.toFixed(2)}), peak RSS ${row.peakRssMB?.toFixed(0)} MB`
          : `[speed] ${row.targetTokens} tokens: ${row.status} ${row.error ?? ''}`,
      ),
  });
  const wallSeconds = (performance.now() - started) / 1000;
  writeFileSync(join(plan.out, 'speed.json'), `${JSON.stringify({ environment, settings: { sizes: plan.sizes, ratio: SPEED_RATIO, tokenizer: 'o200k_base', query, wallSeconds }, rows }, null, 2)}\n`);
  const markdown = speedMarkdown(rows, describeEnvironment(environment), query);
  writeFileSync(join(plan.out, 'speed.md'), markdown);
  console.log(`\n${markdown}`);
  log(`[speed] wrote speed.json, speed.md to ${plan.out} (${wallSeconds.toFixed(0)} s)`);
  const failed = rows.filter((row) => row.status !== 'ok');
  if (failed.length > 0) {
    loud([`SPEED: ${failed.length} size(s) failed`, ...failed.map((row) => `${row.targetTokens}: ${row.status} ${row.error ?? ''}`)]);
    return false;
  }
  return true;
}

async function main(): Promise<number> {
  let plan: Plan | 'help';
  try {
    plan = parsePlan(process.argv.slice(2));
  } catch (error) {
    log(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  if (plan === 'help') {
    console.log(USAGE);
    return 0;
  }
  const started = performance.now();
  let ok = true;
  const runners: Record<Suite, (plan: Plan) => Promise<boolean>> = { quality, speed, chat, 'chat-shapes': chatShapes, tools, code, cache, load };
  for (const suite of plan.suites) ok = (await runners[suite](plan)) && ok;
  log(`[bench] done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return ok ? 0 : 1;
}

const isEntry = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isEntry) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      log(error instanceof Error ? (error.stack ?? error.message) : String(error));
      process.exitCode = 1;
    },
  );
}
