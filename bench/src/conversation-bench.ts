/**
 * The proxy on a growing conversation: a 50-turn agent conversation (each turn a question, a search tool call whose
 * result is a SQuAD article, and a short answer) is sent turn after turn through `POST /v1/chat/completions` of a real
 * server on loopback, to a fake upstream on loopback, with a fixed token budget. Once without a cache, once with the
 * in-memory store and once with the on-disk store; per request the server's own compression time
 * (`x-ctxpress-compress-ms`) and the wall time. Every cached run must forward exactly what the uncached run forwarded.
 * @module
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '@ctxpress/server';
import { fakeUpstream } from './fake-upstream.js';
import { table } from './report.js';

export interface ConversationBenchOptions {
  readonly dataDir: string;
  /** Turns of the conversation (default 50). */
  readonly turns?: number;
  /** Budget of every request, tokens (default 8000). */
  readonly budgetTokens?: number;
  /** Compression worker threads of the server (default 1: every turn lands on the same worker and its memory cache). */
  readonly workers?: number;
  readonly log?: (line: string) => void;
}

export interface ConversationBenchRow {
  /** `none`, `memory` or `file`. */
  readonly store: string;
  readonly turns: number;
  /** Sum over the turns of the server's compression time, ms. */
  readonly compressMs: number;
  /** The last turn's compression time, ms (the longest conversation). */
  readonly lastTurnMs: number;
  /** Mean over the last 10 turns, ms. */
  readonly lateTurnsMs: number;
  /** Sum of the request wall times (client side, upstream included), ms. */
  readonly wallMs: number;
  /** Uncached compressMs / this compressMs. */
  readonly speedup: number;
  readonly lateSpeedup: number;
  /** Every forwarded request equals the uncached run's. */
  readonly identical: boolean;
  /** Tokens of the last turn's conversation before and after compression (response headers). */
  readonly lastBefore: number;
  readonly lastAfter: number;
}

export interface ConversationBenchResult {
  readonly rows: readonly ConversationBenchRow[];
  readonly markdown: string;
}

type Message = Record<string, unknown>;

/** The conversation after each turn (OpenAI format). */
export function agentConversation(dataDir: string, turns: number): Message[][] {
  const examples = readFileSync(join(dataDir, 'squad_article.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { question: string; answers: string[]; context: string });
  const history: Message[] = [{ role: 'system', content: 'You are a research assistant. Use the search tool to answer questions from the documents.' }];
  const snapshots: Message[][] = [];
  for (let t = 0; t < turns; t++) {
    const example = examples[t % examples.length]!;
    const id = `call_${t}`;
    history.push({ role: 'user', content: example.question });
    history.push({
      role: 'assistant',
      content: null,
      tool_calls: [{ id, type: 'function', function: { name: 'search', arguments: JSON.stringify({ q: example.question }) } }],
    });
    history.push({ role: 'tool', tool_call_id: id, content: example.context.slice(0, 6000) });
    history.push({ role: 'assistant', content: `According to the search result: ${example.answers[0] ?? ''}.` });
    snapshots.push(history.map((m) => ({ ...m })));
  }
  return snapshots;
}

export async function runConversationBench(options: ConversationBenchOptions): Promise<ConversationBenchResult> {
  const turns = options.turns ?? 50;
  const budgetTokens = options.budgetTokens ?? 8000;
  const workers = options.workers ?? 1;
  const log = options.log ?? ((): void => undefined);
  const snapshots = agentConversation(options.dataDir, turns);
  const scratch = mkdtempSync(join(tmpdir(), 'ctxpress-conversation-bench-'));
  const upstream = await fakeUpstream({ record: true });
  const runs: Array<{ store: string; compress: number[]; wall: number[]; bodies: string[]; lastBefore: number; lastAfter: number }> = [];
  try {
    for (const store of ['none', 'memory', 'file'] as const) {
      const cache = store === 'none' ? {} : { cache: store === 'memory' ? 'memory' : join(scratch, 'cache') };
      const server = await startServer({
        port: 0,
        host: '127.0.0.1',
        upstream: upstream.url,
        workers,
        timeoutMs: 60_000,
        maxBodyBytes: 64 * 1024 * 1024,
        ...cache,
      });
      const compress: number[] = [];
      const wall: number[] = [];
      const first = upstream.bodies.length;
      let lastBefore = 0;
      let lastAfter = 0;
      try {
        // warm-up on a different conversation size (JIT, tokenizer), not measured and not cached for the measured turns
        await fetch(`${server.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-ctxpress-budget': String(Math.floor(budgetTokens / 8)) },
          body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'warm up '.repeat(400) }] }),
        }).then((r) => r.arrayBuffer());
        const start = upstream.bodies.length;
        for (const messages of snapshots) {
          const t0 = performance.now();
          const res = await fetch(`${server.url}/v1/chat/completions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-ctxpress-budget': String(budgetTokens) },
            body: JSON.stringify({ model: 'gpt-4o', messages }),
          });
          await res.arrayBuffer();
          wall.push(performance.now() - t0);
          const status = res.headers.get('x-ctxpress-status');
          if (res.status !== 200 || (status !== 'compressed' && status !== 'skipped'))
            throw new Error(`turn ${wall.length}: HTTP ${res.status}, x-ctxpress-status ${status}`);
          compress.push(Number(res.headers.get('x-ctxpress-compress-ms') ?? 0));
          lastBefore = Number(res.headers.get('x-ctxpress-tokens-before') ?? 0);
          lastAfter = Number(res.headers.get('x-ctxpress-tokens-after') ?? 0);
        }
        runs.push({ store, compress, wall, bodies: upstream.bodies.slice(start), lastBefore, lastAfter });
        log(
          `[conversation] ${store}: ${compress.reduce((a, b) => a + b, 0).toFixed(0)} ms compressing over ${turns} turns (${upstream.bodies.length - first - 1} forwarded)`,
        );
      } finally {
        await server.close();
      }
    }
  } finally {
    await upstream.close();
    rmSync(scratch, { recursive: true, force: true });
  }
  const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);
  const late = (xs: readonly number[]): number => sum(xs.slice(-10)) / Math.min(10, xs.length);
  const base = runs[0]!;
  const rows: ConversationBenchRow[] = runs.map((r) => ({
    store: r.store,
    turns,
    compressMs: sum(r.compress),
    lastTurnMs: r.compress.at(-1) ?? 0,
    lateTurnsMs: late(r.compress),
    wallMs: sum(r.wall),
    speedup: sum(base.compress) / sum(r.compress),
    lateSpeedup: late(base.compress) / late(r.compress),
    identical: r.bodies.length === base.bodies.length && r.bodies.every((b, i) => b === base.bodies[i]),
    lastBefore: r.lastBefore,
    lastAfter: r.lastAfter,
  }));
  return { rows, markdown: conversationMarkdown(rows, budgetTokens, workers) };
}

export function conversationMarkdown(rows: readonly ConversationBenchRow[], budgetTokens: number, workers: number): string {
  const last = rows[0];
  return [
    '## Proxy on a growing conversation',
    '',
    `A ${last?.turns ?? 0}-turn agent conversation (question, search tool call, SQuAD article as the tool result, answer) sent turn after turn through \`POST /v1/chat/completions\` of a real server (${workers} compression worker${workers === 1 ? '' : 's'}) to a fake upstream on loopback, budget ${budgetTokens} tokens; the last turn is ${last?.lastBefore.toLocaleString('en-US') ?? 0} tokens before compression. Compression ms is the server's own \`x-ctxpress-compress-ms\`; each store starts empty, so every turn reuses what the earlier turns cached.`,
    '',
    table(
      [
        'store',
        'compression ms, all turns',
        'speed-up',
        'mean of last 10 turns ms',
        'speed-up (last 10)',
        'last turn ms',
        'wall ms, all turns',
        'forwarded requests identical',
      ],
      rows.map((r) => [
        r.store,
        r.compressMs.toFixed(0),
        `${r.speedup.toFixed(2)}×`,
        r.lateTurnsMs.toFixed(1),
        `${r.lateSpeedup.toFixed(2)}×`,
        r.lastTurnMs.toFixed(1),
        r.wallMs.toFixed(0),
        r.identical ? 'yes' : 'NO',
      ]),
      ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'l'],
    ),
    '',
  ].join('\n');
}
