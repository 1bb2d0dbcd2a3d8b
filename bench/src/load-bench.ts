/**
 * Load benchmark of the HTTP service: `POST /v1/compress` with ~10k-token contexts on loopback at 1, 20 and 100
 * concurrent connections for a few seconds each (a small concurrent fetch loop; no autocannon). Reports p50/p99
 * latency, throughput, errors and the server's RSS before and after, as data and as a Markdown table.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { getTokenizer } from '@ctxpress/node';
import { table } from './report.js';

export interface LoadBenchOptions {
  /** Concurrent connections per step. Default [1, 20, 100]. */
  readonly concurrencies?: readonly number[];
  /** Duration of each step, ms. Default 5000. */
  readonly durationMs?: number;
  /** Context size in o200k tokens. Default 10 000. */
  readonly contextTokens?: number;
  /** Budget ratio of every request. Default 4. */
  readonly ratio?: number;
  /** `child` (default): the server in its own Node process; `in-process`: same process (tests). */
  readonly server?: 'child' | 'in-process';
  /** Progress lines. Default: none. */
  readonly log?: (line: string) => void;
}

export interface LoadStep {
  readonly concurrency: number;
  readonly requests: number;
  readonly errors: number;
  readonly seconds: number;
  readonly throughput: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Server RSS in MB before and after the step (null when it cannot be read). */
  readonly rssBeforeMB: number | null;
  readonly rssAfterMB: number | null;
}

export interface LoadBenchResult {
  readonly contextTokens: number;
  readonly ratio: number;
  readonly server: 'child' | 'in-process';
  readonly steps: readonly LoadStep[];
  readonly markdown: string;
}

const SAMPLE = new URL('../../packages/cli/samples/sample.md', import.meta.url);
const QUERY = 'What limits the battery life of the rover?';
const VARIANTS = 16;

/** Distinct contexts of about `tokens` tokens: the sample's paragraphs, rotated per variant, repeated until long enough. */
export async function buildContexts(tokens: number, count = VARIANTS): Promise<string[]> {
  const tokenizer = await getTokenizer('o200k_base');
  const paragraphs = readFileSync(SAMPLE, 'utf8')
    .split(/\n{2,}/)
    .filter((p) => p.trim() !== '');
  const sizes = paragraphs.map((p) => tokenizer.count(p) + 1);
  return Array.from({ length: count }, (_, variant) => {
    const parts: string[] = [];
    let total = 0;
    for (let i = 0; total < tokens; i++) {
      const index = (variant * 3 + i) % paragraphs.length;
      parts.push(paragraphs[index]!);
      total += sizes[index]!;
    }
    return parts.join('\n\n');
  });
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function rssOf(pid: number | undefined): number | null {
  if (pid === undefined) return process.memoryUsage().rss / 1024 / 1024;
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

interface Target {
  readonly url: string;
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

async function startChild(): Promise<Target> {
  const child: ChildProcess = spawn(process.execPath, [new URL('./load-server.js', import.meta.url).pathname], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`load server exited with code ${code}`)));
  });
  lines.close();
  const { url } = JSON.parse(first) as { url: string };
  return {
    url,
    pid: child.pid,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function startInProcess(): Promise<Target> {
  const { startServer } = await import('@ctxpress/server');
  const server = await startServer({ port: 0, host: '127.0.0.1', timeoutMs: 60_000, maxBodyBytes: 64 * 1024 * 1024 });
  return { url: server.url, pid: undefined, stop: () => server.close() };
}

async function runStep(url: string, bodies: readonly string[], concurrency: number, durationMs: number): Promise<Omit<LoadStep, 'rssBeforeMB' | 'rssAfterMB'>> {
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const start = performance.now();
  const end = start + durationMs;
  const worker = async (): Promise<void> => {
    while (performance.now() < end) {
      const body = bodies[next++ % bodies.length]!;
      const t0 = performance.now();
      try {
        const res = await fetch(`${url}/v1/compress`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        await res.arrayBuffer();
        if (res.status === 200) latencies.push(performance.now() - t0);
        else errors++;
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    concurrency,
    requests: latencies.length,
    errors,
    seconds,
    throughput: latencies.length / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies.at(-1) ?? NaN,
  };
}

/** Runs the load benchmark and returns the steps and a Markdown report. */
export async function runLoadBench(options: LoadBenchOptions = {}): Promise<LoadBenchResult> {
  const concurrencies = options.concurrencies ?? [1, 20, 100];
  const durationMs = options.durationMs ?? 5000;
  const contextTokens = options.contextTokens ?? 10_000;
  const ratio = options.ratio ?? 4;
  const mode = options.server ?? 'child';
  const log = options.log ?? ((): void => undefined);
  const contexts = await buildContexts(contextTokens);
  const bodies = contexts.map((text) => JSON.stringify({ text, query: QUERY, budget: { ratio } }));
  const target = mode === 'child' ? await startChild() : await startInProcess();
  const steps: LoadStep[] = [];
  try {
    // Warm-up: tokenizer load and JIT, not measured.
    await runStep(target.url, bodies, 1, Math.min(1000, durationMs));
    for (const concurrency of concurrencies) {
      const rssBeforeMB = rssOf(target.pid);
      const step = await runStep(target.url, bodies, concurrency, durationMs);
      const row = { ...step, rssBeforeMB, rssAfterMB: rssOf(target.pid) };
      steps.push(row);
      log(
        `[load] ${concurrency} conn: ${row.requests} ok, ${row.errors} errors, ${row.throughput.toFixed(1)} req/s, p50 ${row.p50Ms.toFixed(1)} ms, p99 ${row.p99Ms.toFixed(1)} ms`,
      );
    }
  } finally {
    await target.stop();
  }
  return { contextTokens, ratio, server: mode, steps, markdown: loadMarkdown(steps, contextTokens, ratio, durationMs, mode) };
}

const fixed = (value: number | null, digits = 1): string => (value === null || Number.isNaN(value) ? '–' : value.toFixed(digits));

export function loadMarkdown(steps: readonly LoadStep[], contextTokens: number, ratio: number, durationMs: number, mode: string): string {
  return [
    `### HTTP load: POST /v1/compress, ~${contextTokens}-token contexts, ratio ${ratio}, ${durationMs / 1000} s per step, server ${mode === 'child' ? 'in its own process' : 'in-process'}, loopback`,
    '',
    table(
      ['connections', 'requests', 'errors', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'server RSS before → after (MB)'],
      steps.map((s) => [
        String(s.concurrency),
        String(s.requests),
        String(s.errors),
        fixed(s.throughput),
        fixed(s.p50Ms),
        fixed(s.p99Ms),
        fixed(s.maxMs),
        `${fixed(s.rssBeforeMB, 0)} → ${fixed(s.rssAfterMB, 0)}`,
      ]),
    ),
    '',
  ].join('\n');
}
