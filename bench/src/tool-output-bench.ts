/**
 * Tool-output benchmark: synthetic but realistic tool results (JSON API responses and logs), generated deterministically
 * from seeds, each with known "needle" facts (the record matching the query, the error line). Measures, at 2x/4x/10x,
 * needle retention, JSON validity (for JSON inputs) and budget compliance of structure-aware compression
 * (`compressToolOutput`) against head truncation and the plain-text pipeline (`compressSync`).
 * @module
 */
import { compressToolOutputSync as compressToolOutput } from '@ctxpress/core';
import { compressSync, isCtxpressError, type Budget, type Tokenizer } from '@ctxpress/core';
import { mulberry32 } from './baselines.js';
import { table } from './report.js';

/** The slice of the tool-output API the bench needs (injected in tests; taken from `@ctxpress/core` otherwise). */
export interface ToolOutputEngine {
  compressToolOutput(
    text: string,
    options: { budget: Budget; tokenizer: Tokenizer; query?: string; contentType?: 'auto' | 'json' | 'logs' | 'markdown' | 'text' },
  ): { text: string; tokens: { original: number; compressed: number; budget: number }; contentType: string };
}

export interface ToolOutputCase {
  readonly id: string;
  readonly scenario: string;
  readonly kind: 'json' | 'logs';
  readonly text: string;
  readonly query: string;
  /** Literal strings that must survive (values, so they match in any JSON indentation). */
  readonly needles: readonly string[];
}

export interface ToolOutputRow {
  readonly scenario: string;
  readonly kind: 'json' | 'logs';
  readonly method: string;
  readonly ratio: number;
  readonly cases: number;
  /** Mean fraction of needles present in the output. */
  readonly needleRetention: number;
  /** Fraction of outputs that parse as JSON (JSON inputs only; null for logs). */
  readonly jsonValid: number | null;
  /** Fraction of outputs within the budget. */
  readonly withinBudget: number;
  /** Mean achieved ratio (original / compressed tokens). */
  readonly achievedRatio: number;
  /** Cases where the method threw (counted as retention 0, invalid). */
  readonly errors: number;
}

export const TOOL_OUTPUT_RATIOS = [2, 4, 10] as const;
export const TOOL_OUTPUT_METHODS = ['ctxpress-tool', 'head', 'compressSync', 'ctxpress-tool-noquery', 'compressSync-noquery'] as const;

// ---------------------------------------------------------------------------------------------------------------------
// generators

const WORDS = 'widget panel cache refresh token session render layout export import schema index query router handler queue worker retry timeout upload'.split(' ');

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

function githubIssues(seed: number): ToolOutputCase {
  const random = mulberry32(seed);
  const count = 60 + Math.floor(random() * 60);
  const needleAt = 10 + Math.floor(random() * (count - 10));
  const labels = ['bug', 'enhancement', 'documentation', 'good first issue', 'performance', 'security'];
  const issues: unknown[] = [];
  let needleTitle = '';
  let needleNumber = 0;
  for (let i = 0; i < count; i++) {
    const number = 5000 - i * 3;
    const title = i === needleAt ? `Deadlock in ledger reconciliation when ${pick(random, WORDS)} shard rebalances` : `${pick(random, WORDS)} ${pick(random, WORDS)}: ${pick(random, labels)} follow-up ${i}`;
    if (i === needleAt) {
      needleTitle = title;
      needleNumber = number;
    }
    issues.push({
      url: `https://api.github.com/repos/acme/platform/issues/${number}`,
      html_url: `https://github.com/acme/platform/issues/${number}`,
      id: 2100000000 + Math.floor(random() * 9e6),
      node_id: `I_kwDOH${Math.floor(random() * 1e9).toString(36)}`,
      number,
      title,
      user: { login: `dev${Math.floor(random() * 20)}`, id: 10000 + Math.floor(random() * 5000), type: 'User', site_admin: false },
      labels: [{ id: 300 + (i % 6), name: labels[i % 6], color: 'ededed', default: false }],
      state: random() < 0.3 ? 'closed' : 'open',
      locked: false,
      assignees: [],
      milestone: null,
      comments: Math.floor(random() * 30),
      created_at: `2024-0${1 + Math.floor(random() * 9)}-1${Math.floor(random() * 10)}T0${Math.floor(random() * 10)}:00:00Z`,
      updated_at: `2024-11-1${Math.floor(random() * 10)}T12:00:00Z`,
      author_association: 'MEMBER',
      body: `### Description\n${Array.from({ length: 3 + Math.floor(random() * 6) }, () => `The ${pick(random, WORDS)} ${pick(random, WORDS)} fails after the ${pick(random, WORDS)} step.`).join(' ')}`,
      reactions: { total_count: Math.floor(random() * 5), '+1': 0, '-1': 0 },
    });
  }
  return {
    id: `github-issues-${seed}`,
    scenario: 'github-issues',
    kind: 'json',
    text: JSON.stringify(issues, null, 2),
    query: 'deadlock in ledger reconciliation',
    needles: [needleTitle, `issues/${needleNumber}`],
  };
}

function podList(seed: number): ToolOutputCase {
  const random = mulberry32(seed);
  const count = 30 + Math.floor(random() * 40);
  const needleAt = 5 + Math.floor(random() * (count - 5));
  const items: unknown[] = [];
  const needleName = `ledger-worker-${(seed % 97).toString(36)}f8c6b5-q${seed % 10}z4k`;
  for (let i = 0; i < count; i++) {
    const failing = i === needleAt;
    const name = failing ? needleName : `${pick(random, ['web', 'api', 'auth', 'search'])}-${Math.floor(random() * 1e8).toString(36)}`;
    items.push({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        namespace: failing ? 'ledger' : pick(random, ['default', 'web', 'search']),
        uid: `${Math.floor(random() * 1e8).toString(16).padStart(8, '0')}-1111-4000-8000-${String(i).padStart(12, '0')}`,
        labels: { app: name.split('-')[0], 'pod-template-hash': Math.floor(random() * 1e8).toString(36) },
        creationTimestamp: '2024-11-20T10:00:00Z',
      },
      spec: {
        containers: [{ name: 'app', image: `registry.acme.io/${name.split('-')[0]}:1.${i % 7}.0`, resources: { limits: { cpu: '500m', memory: '512Mi' }, requests: { cpu: '100m', memory: '128Mi' } } }],
        nodeName: `ip-10-0-${i % 8}-${i}.ec2.internal`,
        restartPolicy: 'Always',
      },
      status: failing
        ? { phase: 'Running', containerStatuses: [{ name: 'app', ready: false, restartCount: 23, state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s restarting failed container' } } }] }
        : { phase: 'Running', containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: { running: { startedAt: '2024-11-20T10:01:00Z' } } }] },
    });
  }
  return {
    id: `k8s-pods-${seed}`,
    scenario: 'k8s-pods',
    kind: 'json',
    text: JSON.stringify({ apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: String(seed * 7919) }, items }),
    query: 'which pod is in CrashLoopBackOff',
    needles: [needleName, 'CrashLoopBackOff'],
  };
}

function searchResults(seed: number): ToolOutputCase {
  const random = mulberry32(seed);
  const count = 30 + Math.floor(random() * 30);
  const needleAt = 5 + Math.floor(random() * (count - 5));
  const results: unknown[] = [];
  for (let i = 0; i < count; i++) {
    const needle = i === needleAt;
    results.push({
      rank: i + 1,
      title: needle ? 'PgBouncer transaction pooling and prepared statements' : `${pick(random, WORDS)} ${pick(random, WORDS)} tuning guide part ${i}`,
      url: needle ? 'https://docs.example.com/pgbouncer/transaction-pooling' : `https://docs.example.com/${pick(random, WORDS)}/${i}`,
      snippet: needle
        ? 'Set max_prepared_statements in pgbouncer.ini so transaction pooling keeps prepared statements working.'
        : Array.from({ length: 4 }, () => `Advice on ${pick(random, WORDS)} and ${pick(random, WORDS)} settings.`).join(' '),
      score: Number((1 - i / (count + 5)).toFixed(4)),
      source: pick(random, ['docs', 'blog', 'forum']),
    });
  }
  return {
    id: `search-${seed}`,
    scenario: 'search-results',
    kind: 'json',
    text: JSON.stringify({ query: 'postgres connection tuning', total: 1000 + seed, took_ms: 12 + (seed % 50), results }, null, 4),
    query: 'PgBouncer prepared statements transaction pooling',
    needles: ['max_prepared_statements', 'PgBouncer transaction pooling and prepared statements'],
  };
}

function stamp(second: number): string {
  const h = 10 + Math.floor(second / 3600);
  const m = Math.floor(second / 60) % 60;
  const s = second % 60;
  return `2024-11-26T${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}.${String((second * 37) % 1000).padStart(3, '0')}Z`;
}

function webLog(seed: number): ToolOutputCase {
  const random = mulberry32(seed);
  const lines: string[] = [];
  let t = 0;
  const orderId = 70000 + (seed % 1000);
  lines.push(`${stamp(t++)} INFO  [main] Application - Starting checkout-service v4.1.${seed % 9} (pid ${1000 + seed})`);
  const total = 1500 + Math.floor(random() * 1000);
  const errorAt = 300 + Math.floor(random() * (total - 600));
  let logged = false;
  for (let i = 0; i < total; i++) {
    t += 1;
    if (!logged && i >= errorAt) {
      logged = true;
      lines.push(`${stamp(t)} ERROR [exec-4] PaymentClient - payment gateway timeout for order ${orderId} after 30000ms`);
      lines.push('java.net.SocketTimeoutException: Read timed out');
      lines.push('\tat java.base/java.net.SocketInputStream.socketRead0(Native Method)');
      lines.push('\tat com.acme.checkout.PaymentClient.charge(PaymentClient.java:212)');
      lines.push('\tat com.acme.checkout.CheckoutService.pay(CheckoutService.java:88)');
      continue;
    }
    const r = random();
    if (r < 0.6) {
      // bursts of health checks
      const burst = 5 + Math.floor(random() * 60);
      for (let k = 0; k < burst; k++) lines.push(`${stamp(t)} INFO  [exec-${1 + (k % 8)}] access - 10.0.${k % 4}.${(k * 7) % 250} "GET /health HTTP/1.1" 200 15 ${1 + (k % 4)}ms`);
      i += burst - 1;
    } else if (r < 0.95) {
      lines.push(`${stamp(t)} INFO  [exec-${1 + (i % 8)}] access - 10.0.1.${i % 250} "${pick(random, ['GET', 'POST'])} /api/${pick(random, ['cart', 'orders', 'items', 'users'])}/${Math.floor(random() * 9999)} HTTP/1.1" 200 ${200 + Math.floor(random() * 3000)} ${5 + Math.floor(random() * 200)}ms`);
    } else if (r < 0.98) lines.push(`${stamp(t)} DEBUG [scheduler] Poller - polled queue ${pick(random, WORDS)}-events, ${Math.floor(random() * 5)} messages`);
    else lines.push(`${stamp(t)} WARN  [pool-1] HikariPool - connection pool ${Math.floor(random() * 10) + 40}/50 in use`);
  }
  lines.push(`${stamp(t + 1)} INFO  [main] Application - Shutdown requested, draining connections`);
  return {
    id: `web-log-${seed}`,
    scenario: 'web-server-log',
    kind: 'logs',
    text: lines.join('\n') + '\n',
    query: 'why did the payment for the order time out',
    needles: [`payment gateway timeout for order ${orderId}`, 'java.net.SocketTimeoutException: Read timed out', 'PaymentClient.java:212'],
  };
}

function workerLog(seed: number): ToolOutputCase {
  const random = mulberry32(seed);
  const lines: string[] = [];
  const total = 800 + Math.floor(random() * 600);
  const failAt = 100 + Math.floor(random() * (total - 200));
  const invoice = `INV-${seed % 10}${Math.floor(random() * 1e5)}`;
  let t = 0;
  for (let i = 0; i < total; i++) {
    t += 2;
    if (i === failAt) {
      lines.push(`${stamp(t)} ERROR worker-2 task sync_invoice failed for ${invoice}`);
      lines.push('Traceback (most recent call last):');
      lines.push('  File "/srv/app/tasks.py", line 88, in sync_invoice');
      lines.push('    client.push(batch)');
      lines.push('  File "/srv/app/billing/client.py", line 41, in push');
      lines.push('    raise QuotaExceeded(resp.status)');
      lines.push('billing.errors.QuotaExceeded: 429 Too Many Requests');
      continue;
    }
    const r = random();
    if (r < 0.7) lines.push(`${stamp(t)} INFO worker-${1 + (i % 4)} heartbeat ok queue_depth=${Math.floor(random() * 40)}`);
    else if (r < 0.97) lines.push(`${stamp(t)} INFO worker-${1 + (i % 4)} task sync_invoice done for INV-${Math.floor(random() * 1e6)} in ${Math.floor(random() * 900)}ms`);
    else lines.push(`${stamp(t)} WARN worker-${1 + (i % 4)} retrying upstream ${pick(random, WORDS)} (attempt ${1 + Math.floor(random() * 3)})`);
  }
  return {
    id: `worker-log-${seed}`,
    scenario: 'worker-log',
    kind: 'logs',
    text: lines.join('\n'),
    query: `why did invoice ${invoice} fail to sync`,
    needles: [`task sync_invoice failed for ${invoice}`, 'billing.errors.QuotaExceeded: 429 Too Many Requests'],
  };
}

/** The bench cases: `perScenario` seeded instances of each of five scenarios. */
export function toolOutputCases(perScenario = 8): ToolOutputCase[] {
  const out: ToolOutputCase[] = [];
  for (const make of [githubIssues, podList, searchResults, webLog, workerLog]) for (let s = 1; s <= perScenario; s++) out.push(make(s * 1009 + make.name.length));
  return out;
}

// ---------------------------------------------------------------------------------------------------------------------
// methods

/** The longest prefix of `text` within `budget` tokens (binary search on the character length). */
export function headTruncate(text: string, budget: number, tokenizer: Tokenizer): string {
  if (tokenizer.count(text) <= budget) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (tokenizer.count(text.slice(0, mid)) <= budget) lo = mid;
    else hi = mid - 1;
  }
  return text.slice(0, lo);
}

function defaultEngine(): ToolOutputEngine {
  return { compressToolOutput: compressToolOutput as ToolOutputEngine['compressToolOutput'] };
}

function runMethod(method: (typeof TOOL_OUTPUT_METHODS)[number], c: ToolOutputCase, ratio: number, tokenizer: Tokenizer, engine: ToolOutputEngine): string {
  if (method === 'head') return headTruncate(c.text, Math.floor(tokenizer.count(c.text) / ratio), tokenizer);
  if (method === 'compressSync') return compressSync(c.text, { budget: { ratio }, tokenizer, query: c.query, format: 'text' }).text;
  if (method === 'compressSync-noquery') return compressSync(c.text, { budget: { ratio }, tokenizer, format: 'text' }).text;
  if (method === 'ctxpress-tool-noquery') return engine.compressToolOutput(c.text, { budget: { ratio }, tokenizer }).text;
  return engine.compressToolOutput(c.text, { budget: { ratio }, tokenizer, query: c.query }).text;
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs every method on every case at 2x/4x/10x; returns one row per scenario × method × ratio and a Markdown report.
 */
export async function runToolOutputBench(options: { tokenizer: Tokenizer; engine?: ToolOutputEngine; perScenario?: number }): Promise<{ rows: ToolOutputRow[]; markdown: string }> {
  const { tokenizer } = options;
  const engine = options.engine ?? defaultEngine();
  const cases = toolOutputCases(options.perScenario ?? 8);
  const scenarios = [...new Set(cases.map((c) => c.scenario))];
  const rows: ToolOutputRow[] = [];
  for (const scenario of scenarios) {
    const group = cases.filter((c) => c.scenario === scenario);
    const kind = group[0]!.kind;
    const originals = group.map((c) => tokenizer.count(c.text));
    for (const method of TOOL_OUTPUT_METHODS) {
      for (const ratio of TOOL_OUTPUT_RATIOS) {
        let retained = 0;
        let valid = 0;
        let within = 0;
        let achieved = 0;
        let errors = 0;
        for (let i = 0; i < group.length; i++) {
          const c = group[i]!;
          const budget = Math.floor(originals[i]! / ratio);
          let text: string;
          try {
            text = runMethod(method, c, ratio, tokenizer, engine);
          } catch (e) {
            if (!isCtxpressError(e)) throw e;
            errors++;
            continue;
          }
          const count = tokenizer.count(text);
          retained += c.needles.filter((n) => text.includes(n)).length / c.needles.length;
          if (kind === 'json' && parses(text)) valid++;
          if (count <= budget) within++;
          achieved += count === 0 ? 0 : originals[i]! / count;
        }
        const n = group.length;
        rows.push({
          scenario,
          kind,
          method,
          ratio,
          cases: n,
          needleRetention: retained / n,
          jsonValid: kind === 'json' ? valid / n : null,
          withinBudget: within / n,
          achievedRatio: achieved / Math.max(1, n - errors),
          errors,
        });
      }
    }
    await new Promise<void>((resolve) => setImmediate(resolve)); // let the event loop breathe between scenarios
  }
  return { rows, markdown: toolOutputMarkdown(rows, tokenizer.name, cases.length) };
}

const f = (v: number | null, digits = 2): string => (v === null ? '–' : v.toFixed(digits));

/** Rows = scenario × method; columns = needle retention (and JSON validity) at each ratio. */
export function toolOutputMarkdown(rows: readonly ToolOutputRow[], tokenizerName: string, caseCount: number): string {
  const header = ['scenario', 'method', ...TOOL_OUTPUT_RATIOS.map((r) => `${r}x needles · valid · in budget`)];
  const body: string[][] = [];
  const keys = [...new Set(rows.map((r) => `${r.scenario}\u0000${r.method}`))];
  for (const key of keys) {
    const [scenario, method] = key.split('\u0000') as [string, string];
    const cells = TOOL_OUTPUT_RATIOS.map((ratio) => {
      const row = rows.find((r) => r.scenario === scenario && r.method === method && r.ratio === ratio);
      if (row === undefined) return '–';
      return `${f(row.needleRetention)} · ${f(row.jsonValid)} · ${f(row.withinBudget)}${row.errors > 0 ? ` (${row.errors} err)` : ''}`;
    });
    body.push([scenario, method, ...cells]);
  }
  return [
    '## Tool outputs (JSON and logs)',
    '',
    `${caseCount} seeded cases (tokenizer ${tokenizerName}). Each cell: needle retention (fraction of the known facts — the record matching the query, the error line and its trace — present in the output) · JSON validity (JSON inputs; – for logs) · fraction within the token budget. Methods: \`ctxpress-tool\` = \`compressToolOutput\` (auto-detected type), \`head\` = longest prefix within the budget, \`compressSync\` = the plain-text pipeline.`,
    '',
    table(header, body, ['l', 'l', 'r', 'r', 'r']),
    '',
  ].join('\n');
}
