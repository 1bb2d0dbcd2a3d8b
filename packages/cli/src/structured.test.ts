/**
 * Structure-aware inputs through the CLI, in-process with the real library: logs, JSON, chat and code, by
 * auto-detection and by --input-format, in `compress` and in batch request lines.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { type CliIo, runCli } from './cli.js';
import { handleBatchLine } from './batch-request.js';
import { compress } from '@ctxpress/node';

function sink(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  return {
    stream: new Writable({
      write(chunk: Buffer | string, _encoding, callback) {
        chunks.push(chunk.toString());
        callback();
      },
    }),
    text: () => chunks.join(''),
  };
}

async function cli(argv: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = sink();
  const stderr = sink();
  const io: CliIo = {
    stdin: Readable.from(stdin === undefined ? [] : [Buffer.from(stdin)]),
    stdout: stdout.stream,
    stderr: stderr.stream,
    stdinIsTTY: stdin === undefined,
    stdoutIsTTY: false,
    stderrIsTTY: false,
    env: {},
  };
  const code = await runCli(argv, io);
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

const LOG = [
  '2026-11-26T04:00:00Z INFO server started on :8080',
  ...Array.from({ length: 300 }, (_, i) => `2026-11-26T04:${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}Z INFO GET /health 200 ${i + 3}ms`),
  '2026-11-26T04:05:00Z ERROR payment failed for order 8812: card declined',
  'java.lang.IllegalStateException: declined',
  '    at com.shop.Payments.charge(Payments.java:42)',
  '    at com.shop.Orders.checkout(Orders.java:88)',
  '2026-11-26T04:05:01Z INFO shutting down',
].join('\n');

const API = JSON.stringify({
  items: Array.from({ length: 40 }, (_, i) => ({ id: i + 1, name: `service-${i + 1}`, status: i === 27 ? 'failed' : 'ok', detail: i === 27 ? 'disk full on /var' : 'healthy and serving traffic normally' })),
  total: 40,
});

const CHAT = [
  { role: 'system', content: 'You are a helpful assistant.' },
  { role: 'user', content: 'My name is Ada and I prefer metric units. I am planning a hiking trip in the Alps next summer.' },
  { role: 'assistant', content: 'Great choice. The Alps have thousands of kilometres of marked trails. Huts offer beds and meals along the main routes. Summer weather changes quickly, so pack layers and check forecasts every morning.' },
  ...Array.from({ length: 12 }, (_, i) => [
    { role: 'user', content: `Question ${i}: tell me something about river number ${i} and its length in the valley.` },
    { role: 'assistant', content: `River number ${i} flows through the valley for about ${10 + i} kilometres. It floods in spring, carries silt to the lake, and its banks are lined with willows and alder trees that shade the trout.` },
  ]).flat(),
  { role: 'user', content: 'Which units do I prefer?' },
];

describe('structured inputs in `ctxpress compress`', () => {
  it('auto-detects logs: folds the health checks, keeps the error and its stack trace', async () => {
    const { code, stdout } = await cli(['compress', '--ratio', '8', '--query', 'why did the payment fail'], LOG);
    expect(code).toBe(0);
    expect(stdout).toContain('ERROR payment failed for order 8812');
    expect(stdout).toContain('at com.shop.Payments.charge(Payments.java:42)');
    expect(stdout).toMatch(/… ×\d+ similar lines/);
  });

  it('auto-detects JSON and prints valid JSON within the budget', async () => {
    const { code, stdout } = await cli(['compress', '--tokens', '200', '--query', 'which service failed', '--format', 'json'], API);
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as { text: string; tokens: { compressed: number; budget: number } };
    expect(() => JSON.parse(result.text)).not.toThrow();
    expect(result.tokens.compressed).toBeLessThanOrEqual(200);
    expect(result.text).toContain('failed');
  });

  it('auto-detects a chat history and returns valid messages that keep the stated preference and the last turn', async () => {
    const { code, stdout } = await cli(['compress', '--tokens', '260'], JSON.stringify(CHAT));
    expect(code).toBe(0);
    const messages = JSON.parse(stdout) as Array<{ role: string; content: string }>;
    expect(messages[0]).toEqual(CHAT[0]);
    expect(messages.at(-1)).toEqual(CHAT.at(-1));
    expect(messages.some((m) => m.content.includes('prefer metric units'))).toBe(true);
  });

  it('--keep applies to chats: every match survives', async () => {
    const needle = CHAT.map((m) => m.content).find((c) => c.length > 60)!.split(' ').slice(0, 3).join(' ');
    const { code, stdout } = await cli(['compress', '--tokens', '120', '--keep', needle], JSON.stringify(CHAT));
    expect(code).toBe(0);
    expect(stdout).toContain(needle);
  });

  it('compresses code files by extension, keeping the API surface', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ctxpress-code-'));
    const file = join(dir, 'geometry.ts');
    const body = Array.from({ length: 30 }, (_, i) => `  const step${i} = value * ${i} + offset;`).join('\n');
    writeFileSync(
      file,
      [
        "import { clamp } from './math';",
        '',
        'export function area(width: number, height: number): number {',
        '  return width * height;',
        '}',
        '',
        'export function noise(value: number, offset: number): number {',
        body,
        '  return clamp(step29, 0, 1);',
        '}',
        '',
        'export function perimeter(width: number, height: number): number {',
        '  return 2 * (width + height);',
        '}',
      ].join('\n'),
    );
    const { code, stdout } = await cli(['compress', file, '--ratio', '3', '--query', 'area of a rectangle width height']);
    expect(code).toBe(0);
    expect(stdout).toContain('export function area(width: number, height: number): number');
    expect(stdout).toContain('export function noise(value: number, offset: number): number');
    expect(stdout).not.toContain('const step15');
  });

  it('a declared --input-format chat that is not chat JSON is a coded error (exit 1)', async () => {
    const { code, stderr } = await cli(['compress', '--tokens', '50', '--input-format', 'chat'], 'just some text');
    expect(code).toBe(1);
    expect(stderr).toMatch(/INVALID_INPUT/);
  });
});

describe('structured inputs in batch request lines', () => {
  it('takes "messages" for chat and "format" for JSON and logs', async () => {
    const chat = JSON.parse((await handleBatchLine(JSON.stringify({ id: 'c', messages: CHAT, tokens: 260 }), 1, compress)).json) as { messages: unknown[]; tokens: { compressed: number } };
    expect(chat.messages.length).toBeGreaterThan(2);
    expect(chat.tokens.compressed).toBeLessThanOrEqual(260);
    const json = JSON.parse((await handleBatchLine(JSON.stringify({ id: 'j', text: API, format: 'json', tokens: 150 }), 2, compress)).json) as { text: string };
    expect(() => JSON.parse(json.text)).not.toThrow();
    const logs = JSON.parse((await handleBatchLine(JSON.stringify({ id: 'l', text: LOG, ratio: 8 }), 3, compress)).json) as { text: string; kept: unknown[] };
    expect(logs.text).toContain('ERROR payment failed');
    expect(logs.kept.length).toBeGreaterThan(0);
    const bad = JSON.parse((await handleBatchLine(JSON.stringify({ id: 'b', text: 'x', format: 'yaml', tokens: 5 }), 4, compress)).json) as { error: { code: string } };
    expect(bad.error.code).toBe('INVALID_REQUEST');
  });
});
