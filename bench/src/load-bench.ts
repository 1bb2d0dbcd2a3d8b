/**
 * Load benchmark of the HTTP service on loopback, the server in its own process with its embedded on-disk cache:
 * `POST /v1/compress` with ~10k-token contexts (16 contexts in rotation, so the segment cache is warm after the first
 * round, and a cold step where every context is new) and the proxy `POST /v1/chat/completions` with ~10k-token
 * conversations to a fake upstream, at 1, 20 and 100 concurrent connections for a few seconds each (a small concurrent
 * fetch loop; no autocannon). The whole sequence runs twice, so the server's RSS after the second pass against the
 * first shows growth that is not a one-off high-water mark. Then fault runs on the proxy: upstream slow, upstream down,
 * compressor throwing — every request must get the upstream's answer or an error response, none may be lost. Last,
 * slow inputs mixed into normal traffic (issue 9): normal `/v1/compress` and proxy requests at 18 connections on a fresh
 * server (2 workers by default, the service's default 10 s time limit), first alone, then with 2 more connections sending
 * inputs that are still slow after the tokenizer fix (a 1M-character run of one letter, 126k characters of CJK without
 * punctuation, a `keep` regular expression `/a+b/` that scans 60k `a`s quadratically), so the normal requests' p50/p99
 * with and without them stand side by side.
 * Reports p50/p99 latency, throughput, errors and RSS before/after, as data and as a Markdown table.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { getTokenizer } from '@ctxpress/node';
import { closedPortUrl, fakeUpstream } from './fake-upstream.js';
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
  /** Passes over the whole sequence (the RSS growth check compares them). Default 2. */
  readonly passes?: number;
  /** Run the proxy fault steps. Default true. */
  readonly faults?: boolean;
  /** Run the slow-inputs steps (normal traffic alone, then with slow inputs mixed in). Default true. */
  readonly slowInputs?: boolean;
  /** Length of the slow one-letter run, characters; the CJK block is 0.126×, the regex input 0.06× of it. Default 1 000 000. */
  readonly slowInputChars?: number;
  /** `child` (default): the server in its own Node process; `in-process`: same process (tests). */
  readonly server?: 'child' | 'in-process';
  /** Progress lines. Default: none. */
  readonly log?: (line: string) => void;
}

/**
 * What a step sends: `compress` (16 contexts in rotation), `compress-cold` (every context new), `proxy` (chat), `slow`
 * (slow `/v1/compress` inputs in rotation, mixed into the others).
 */
export type LoadRoute = 'compress' | 'compress-cold' | 'proxy' | 'slow';

export interface LoadStep {
  /** `pass 1`, `pass 2`, or the fault's name. */
  readonly phase: string;
  readonly route: LoadRoute;
  readonly concurrency: number;
  /** Requests answered with the expected status. */
  readonly requests: number;
  /** Requests answered with another status, or not answered (connection error). */
  readonly errors: number;
  /** Requests without any HTTP answer (lost). */
  readonly lost: number;
  readonly seconds: number;
  readonly throughput: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Server RSS in MB before and after the step (null when it cannot be read). */
  readonly rssBeforeMB: number | null;
  readonly rssAfterMB: number | null;
  /** Status counts of the answers (for the fault steps). */
  readonly statuses: Readonly<Record<string, number>>;
}

export interface LoadBenchResult {
  readonly contextTokens: number;
  readonly ratio: number;
  readonly server: 'child' | 'in-process';
  readonly steps: readonly LoadStep[];
  /** Server RSS after each pass, MB. */
  readonly rssAfterPassMB: readonly (number | null)[];
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

/** A context as a chat: its paragraphs as alternating user/assistant messages, then the question. */
export function chatOf(context: string): Array<{ role: string; content: string }> {
  const messages = [{ role: 'system', content: 'You answer questions about the rover mission notes.' }];
  context.split(/\n{2,}/).forEach((paragraph, i) => messages.push({ role: i % 2 === 0 ? 'user' : 'assistant', content: paragraph }));
  messages.push({ role: 'user', content: QUERY });
  return messages;
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

/** What load-server.ts is started with (JSON in argv[2]). */
export interface LoadServerSpec {
  readonly upstream?: string;
  readonly cache?: string;
  /** Replace the proxy's compressor by one that throws (fault run). */
  readonly failCompress?: boolean;
  /** The time limit of one compression, ms. Default 60 000 (the service's default is 10 000). */
  readonly timeoutMs?: number;
}

async function startChild(spec: LoadServerSpec): Promise<Target> {
  const child: ChildProcess = spawn(process.execPath, [new URL('./load-server.js', import.meta.url).pathname, JSON.stringify(spec)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
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

async function startInProcess(spec: LoadServerSpec): Promise<Target> {
  const { startServer } = await import('@ctxpress/server');
  const server = await startServer(
    {
      port: 0,
      host: '127.0.0.1',
      timeoutMs: spec.timeoutMs ?? 60_000,
      maxBodyBytes: 64 * 1024 * 1024,
      ...(spec.upstream ? { upstream: spec.upstream } : {}),
      ...(spec.cache ? { cache: spec.cache } : {}),
    },
    spec.failCompress
      ? {
          compressChat: () => {
            throw new Error('forced failure');
          },
        }
      : {},
  );
  return { url: server.url, pid: undefined, stop: () => server.close() };
}

interface StepRequest {
  readonly path: string;
  readonly headers: Record<string, string>;
  body(i: number): string;
}

async function runStep(url: string, request: StepRequest, concurrency: number, durationMs: number, expected: readonly number[]) {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  let lost = 0;
  let next = 0;
  const start = performance.now();
  const end = start + durationMs;
  const worker = async (): Promise<void> => {
    while (performance.now() < end) {
      const body = request.body(next++);
      const t0 = performance.now();
      try {
        const res = await fetch(`${url}${request.path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...request.headers }, body });
        await res.arrayBuffer();
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        if (expected.includes(res.status)) latencies.push(performance.now() - t0);
        else errors++;
      } catch {
        errors++;
        lost++;
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
    lost,
    statuses,
    seconds,
    throughput: latencies.length / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies.at(-1) ?? NaN,
  };
}

/** The slow inputs of the mixed steps, as request bodies: still the slowest after the long-piece tokenizer fix. */
export function slowBodies(chars: number, ratio: number): string[] {
  let cjk = '';
  // CJK ideographs without punctuation or spaces: one pre-token piece, one sentence
  for (let i = 0; i < Math.round(chars * 0.126); i++) cjk += String.fromCharCode(0x4e00 + ((i * 7919) % 20_000));
  return [
    JSON.stringify({ text: 'a'.repeat(chars), budget: { ratio } }),
    JSON.stringify({ text: cjk, budget: { ratio } }),
    // accepted by regexKeep safe (one quantifier), but each start position scans the whole run: quadratic
    JSON.stringify({ text: `${'a'.repeat(Math.round(chars * 0.06))} end.`, keep: ['/a+b/'], budget: { ratio } }),
  ];
}

/** Runs the load benchmark and returns the steps and a Markdown report. */
export async function runLoadBench(options: LoadBenchOptions = {}): Promise<LoadBenchResult> {
  const concurrencies = options.concurrencies ?? [1, 20, 100];
  const durationMs = options.durationMs ?? 5000;
  const contextTokens = options.contextTokens ?? 10_000;
  const ratio = options.ratio ?? 4;
  const passes = options.passes ?? 2;
  const mode = options.server ?? 'child';
  const log = options.log ?? ((): void => undefined);
  const contexts = await buildContexts(contextTokens);
  const compressBodies = contexts.map((text) => JSON.stringify({ text, query: QUERY, budget: { ratio } }));
  const chatBodies = contexts.map((text) => JSON.stringify({ model: 'gpt-4o', messages: chatOf(text) }));
  const requests: Record<LoadRoute, StepRequest> = {
    compress: { path: '/v1/compress', headers: {}, body: (i) => compressBodies[i % compressBodies.length]! },
    // every context new: a request number in front (a different document for the cache)
    'compress-cold': {
      path: '/v1/compress',
      headers: {},
      body: (i) => JSON.stringify({ text: `Request ${i} of the cold step.\n\n${contexts[i % contexts.length]!}`, query: QUERY, budget: { ratio } }),
    },
    proxy: { path: '/v1/chat/completions', headers: { 'x-ctxpress-ratio': String(ratio) }, body: (i) => chatBodies[i % chatBodies.length]! },
    slow: { path: '/v1/compress', headers: {}, body: (i) => slowInputBodies[i % slowInputBodies.length]! },
  };
  const slowInputBodies = options.slowInputs === false ? [] : slowBodies(options.slowInputChars ?? 1_000_000, ratio);
  let coldOffset = 0;
  const start = (spec: LoadServerSpec): Promise<Target> => (mode === 'child' ? startChild(spec) : startInProcess(spec));
  const scratch = mkdtempSync(join(tmpdir(), 'ctxpress-load-'));
  const upstream = await fakeUpstream();
  const steps: LoadStep[] = [];
  const rssAfterPassMB: (number | null)[] = [];
  /** Several routes at once, each on its own connections: one row per route (the RSS is the whole step's). */
  const mixedStep = async (
    target: Target,
    phase: string,
    lanes: ReadonlyArray<{ route: LoadRoute; concurrency: number; expected: readonly number[] }>,
    ms: number,
  ) => {
    const rssBeforeMB = rssOf(target.pid);
    const results = await Promise.all(lanes.map((lane) => runStep(target.url, requests[lane.route], lane.concurrency, ms, lane.expected)));
    const rssAfterMB = rssOf(target.pid);
    lanes.forEach((lane, i) => {
      const row: LoadStep = { phase, route: lane.route, ...results[i]!, rssBeforeMB, rssAfterMB };
      steps.push(row);
      log(
        `[load] ${phase} ${lane.route} ${lane.concurrency} conn: ${row.requests} ok, ${row.errors} errors, ${row.lost} lost, ${row.throughput.toFixed(1)} req/s, p50 ${row.p50Ms.toFixed(1)} ms, p99 ${row.p99Ms.toFixed(1)} ms, statuses ${JSON.stringify(row.statuses)}`,
      );
    });
  };
  const step = async (target: Target, phase: string, route: LoadRoute, concurrency: number, ms: number, expected: readonly number[]): Promise<void> => {
    const rssBeforeMB = rssOf(target.pid);
    const base = requests[route];
    // the cold step continues its numbering across passes, so no context is ever seen twice
    const request = route === 'compress-cold' ? { ...base, body: (i: number) => base.body(i + coldOffset) } : base;
    const result = await runStep(target.url, request, concurrency, ms, expected);
    if (route === 'compress-cold') coldOffset += result.requests + result.errors + 1_000_000;
    const row: LoadStep = { phase, route, ...result, rssBeforeMB, rssAfterMB: rssOf(target.pid) };
    steps.push(row);
    log(
      `[load] ${phase} ${route} ${concurrency} conn: ${row.requests} ok, ${row.errors} errors, ${row.lost} lost, ${row.throughput.toFixed(1)} req/s, p50 ${row.p50Ms.toFixed(1)} ms, p99 ${row.p99Ms.toFixed(1)} ms, RSS ${rssBeforeMB?.toFixed(0)} → ${row.rssAfterMB?.toFixed(0)} MB`,
    );
  };
  try {
    const target = await start({ upstream: upstream.url, cache: join(scratch, 'cache') });
    try {
      // Warm-up: tokenizer load and JIT in every worker, not measured.
      await runStep(target.url, requests.compress, 2, Math.min(1000, durationMs), [200]);
      await runStep(target.url, requests.proxy, 2, Math.min(1000, durationMs), [200]);
      for (let pass = 1; pass <= passes; pass++) {
        for (const concurrency of concurrencies) await step(target, `pass ${pass}`, 'compress', concurrency, durationMs, [200]);
        await step(target, `pass ${pass}`, 'compress-cold', concurrencies.includes(20) ? 20 : concurrencies[0]!, durationMs, [200]);
        for (const concurrency of concurrencies) await step(target, `pass ${pass}`, 'proxy', concurrency, durationMs, [200]);
        rssAfterPassMB.push(rssOf(target.pid));
      }
    } finally {
      await target.stop();
    }
    if (options.faults ?? true) {
      const faultMs = Math.min(durationMs, 3000);
      const faultConcurrency = concurrencies.includes(20) ? 20 : concurrencies[concurrencies.length - 1]!;
      const slow = await fakeUpstream({ delayMs: 300 });
      const faults: Array<{ name: string; spec: LoadServerSpec; expected: number }> = [
        { name: 'fault: upstream slow (300 ms)', spec: { upstream: slow.url }, expected: 200 },
        // the proxy's own answer for an unreachable upstream is a 502 with a coded error: answered, not lost
        { name: 'fault: upstream down', spec: { upstream: await closedPortUrl() }, expected: 502 },
        // fail-open: the original request reaches the upstream and its answer comes back
        { name: 'fault: compressor throws', spec: { upstream: upstream.url, failCompress: true }, expected: 200 },
      ];
      try {
        for (const fault of faults) {
          const target = await start(fault.spec);
          try {
            await step(target, fault.name, 'proxy', faultConcurrency, faultMs, [fault.expected]);
          } finally {
            await target.stop();
          }
        }
      } finally {
        await slow.close();
      }
    }
    if (slowInputBodies.length > 0) {
      // normal traffic on a fresh server with the service's default time limit, alone and then with slow inputs mixed in
      const connections = concurrencies.includes(20) ? 20 : concurrencies[concurrencies.length - 1]!;
      const normal = Math.max(2, connections - 2);
      const lanes = [
        { route: 'compress' as const, concurrency: Math.ceil(normal / 2), expected: [200] },
        { route: 'proxy' as const, concurrency: Math.floor(normal / 2), expected: [200] },
      ];
      const target = await start({ upstream: upstream.url, cache: join(scratch, 'cache-mixed'), timeoutMs: 10_000 });
      try {
        await runStep(target.url, requests.compress, 2, Math.min(1000, durationMs), [200]);
        await runStep(target.url, requests.proxy, 2, Math.min(1000, durationMs), [200]);
        const mixedMs = durationMs * 2;
        await mixedStep(target, MIXED_CLEAN, lanes, mixedMs);
        // a slow input is answered (200) or stopped at the time limit (504): both are answers
        await mixedStep(target, MIXED_SLOW, [...lanes, { route: 'slow', concurrency: 2, expected: [200, 504] }], mixedMs);
      } finally {
        await target.stop();
      }
    }
  } finally {
    await upstream.close();
    rmSync(scratch, { recursive: true, force: true });
  }
  return { contextTokens, ratio, server: mode, steps, rssAfterPassMB, markdown: loadMarkdown(steps, rssAfterPassMB, contextTokens, ratio, durationMs, mode) };
}

const fixed = (value: number | null, digits = 1): string => (value === null || Number.isNaN(value) ? '–' : value.toFixed(digits));

const ROUTE_LABEL: Record<LoadRoute, string> = {
  compress: '/v1/compress (16 contexts, cache warm)',
  'compress-cold': '/v1/compress (every context new)',
  proxy: '/v1/chat/completions (proxy)',
  slow: '/v1/compress (slow inputs: 1M-char run, CJK block, quadratic regex keep)',
};

export const MIXED_CLEAN = 'mixed: normal traffic alone';
export const MIXED_SLOW = 'mixed: + 2 connections of slow inputs';

/** Normal requests' p50/p99 without and with the slow inputs, per route. */
function mixedComparison(steps: readonly LoadStep[]): string {
  const clean = steps.filter((s) => s.phase === MIXED_CLEAN);
  const slow = steps.filter((s) => s.phase === MIXED_SLOW);
  if (clean.length === 0 || slow.length === 0) return '';
  const rows = clean.map((c) => {
    const s = slow.find((row) => row.route === c.route);
    return [
      ROUTE_LABEL[c.route],
      String(c.concurrency),
      `${fixed(c.p50Ms)} / ${fixed(c.p99Ms)}`,
      s ? `${fixed(s.p50Ms)} / ${fixed(s.p99Ms)}` : '–',
      s ? fixed(s.p99Ms / c.p99Ms, 2) + '×' : '–',
    ];
  });
  const slowRow = slow.find((row) => row.route === 'slow');
  return [
    'Normal requests with slow inputs mixed in (same server, default 10 s time limit):',
    '',
    table(['route', 'connections', 'alone p50 / p99 ms', 'with slow inputs p50 / p99 ms', 'p99 ratio'], rows, ['l', 'r', 'r', 'r', 'r']),
    '',
    slowRow
      ? `Slow inputs: ${slowRow.requests} answered (${Object.entries(slowRow.statuses)
          .map(([status, n]) => `${status}: ${n}`)
          .join(', ')}), p50 ${fixed(slowRow.p50Ms)} ms, max ${fixed(slowRow.maxMs)} ms.`
      : '',
    '',
  ].join('\n');
}

export function loadMarkdown(
  steps: readonly LoadStep[],
  rssAfterPassMB: readonly (number | null)[],
  contextTokens: number,
  ratio: number,
  durationMs: number,
  mode: string,
): string {
  const growth =
    rssAfterPassMB.length >= 2 && rssAfterPassMB[0] !== null && rssAfterPassMB[rssAfterPassMB.length - 1] !== null
      ? `Server RSS after each pass: ${rssAfterPassMB.map((r) => `${fixed(r, 0)} MB`).join(', ')} (${fixed(rssAfterPassMB[rssAfterPassMB.length - 1]! - rssAfterPassMB[0]!, 0)} MB from the first pass to the last).`
      : '';
  return [
    `### HTTP load: ~${contextTokens}-token contexts, ratio ${ratio}, ${durationMs / 1000} s per step, server ${mode === 'child' ? 'in its own process' : 'in-process'} with the on-disk cache, fake upstream, loopback`,
    '',
    table(
      ['phase', 'route', 'connections', 'answered', 'errors', 'lost', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'server RSS before → after (MB)', 'statuses'],
      steps.map((s) => [
        s.phase,
        ROUTE_LABEL[s.route],
        String(s.concurrency),
        String(s.requests),
        String(s.errors),
        String(s.lost),
        fixed(s.throughput),
        fixed(s.p50Ms),
        fixed(s.p99Ms),
        fixed(s.maxMs),
        `${fixed(s.rssBeforeMB, 0)} → ${fixed(s.rssAfterMB, 0)}`,
        Object.entries(s.statuses)
          .map(([status, n]) => `${status}: ${n}`)
          .join(', '),
      ]),
      ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l'],
    ),
    '',
    growth,
    '',
    mixedComparison(steps),
  ].join('\n');
}
