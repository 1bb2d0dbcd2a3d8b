import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../io.js';
import { UsageError } from '../usage-error.js';
import { runMcp } from './mcp.js';

function testIo(): { io: CliIo; stdin: PassThrough; stdout: () => string; stderr: () => string } {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const io: CliIo = { stdin, stdout, stderr, stdinIsTTY: false, stdoutIsTTY: false, stderrIsTTY: false, env: {} };
  return { io, stdin, stdout: () => out, stderr: () => err };
}

const never = (): Promise<string> => new Promise(() => undefined);

describe('ctxpress mcp (in-process)', () => {
  it('stdio: answers on stdout; console output of dependencies goes to stderr while it runs; returns 0 when stdin ends', async () => {
    const { io, stdin, stdout, stderr } = testIo();
    const original = console.log;
    const done = runMcp({}, io, never);
    await new Promise((resolve) => setTimeout(resolve, 200)); // connected
    console.log('noise from a dependency');
    stdin.end(
      [
        { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } },
        { jsonrpc: '2.0', method: 'notifications/initialized' },
        { jsonrpc: '2.0', id: 2, method: 'tools/list' },
      ]
        .map((message) => JSON.stringify(message))
        .join('\n') + '\n',
    );
    expect(await done).toBe(0);
    const answers = stdout()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { id: number; result: { tools?: { name: string }[] } });
    expect(answers.map((answer) => answer.id)).toEqual([1, 2]);
    expect(answers[1]!.result.tools).toHaveLength(4);
    expect(stderr()).toBe('noise from a dependency\n');
    expect(console.log).toBe(original); // restored
  });

  it('HTTP-only flags without --http are a usage error', async () => {
    const { io } = testIo();
    await expect(runMcp({ apiKey: ['k'] }, io, never)).rejects.toThrow(UsageError);
    await expect(runMcp({ host: '0.0.0.0' }, io, never)).rejects.toThrow(/--host needs --http PORT/);
  });

  it('--http: serves until stopped, prints the URL on stderr only', async () => {
    const { io, stdout, stderr } = testIo();
    let stop: (signal: string) => void = () => undefined;
    const done = runMcp({ http: 0 }, io, () => new Promise((resolve) => (stop = resolve)));
    while (!/\/mcp\n/.test(stderr())) await new Promise((resolve) => setTimeout(resolve, 20));
    const url = /on (http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(stderr())![1]!;
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { result: { tools: unknown[] } }).result.tools).toHaveLength(4);
    stop('SIGTERM');
    expect(await done).toBe(0);
    expect(stdout()).toBe('');
    expect(stderr()).toMatch(/SIGTERM, stopping/);
  });

  it('--http with --allowed-origin: that web origin gets CORS (preflight too), others 403', async () => {
    const { io, stderr } = testIo();
    let stop: (signal: string) => void = () => undefined;
    const done = runMcp({ http: 0, allowedOrigin: ['https://app.example'] }, io, () => new Promise((resolve) => (stop = resolve)));
    while (!/\/mcp\n/.test(stderr())) await new Promise((resolve) => setTimeout(resolve, 20));
    const url = /on (http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(stderr())![1]!;
    const preflight = await fetch(url, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, mcp-protocol-version' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(preflight.headers.get('access-control-allow-headers')).toBe('content-type, mcp-protocol-version');
    const post = (origin: string): Promise<Response> =>
      fetch(url, {
        method: 'POST',
        headers: { origin, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
    const allowed = await post('https://app.example');
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect((await post('https://other.example')).status).toBe(403);
    stop('SIGINT');
    expect(await done).toBe(0);
  });
});
