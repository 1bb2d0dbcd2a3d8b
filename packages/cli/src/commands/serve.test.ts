import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runCli, type CliIo } from '../cli.js';
import { runServe } from './serve.js';

function makeIo(env: Record<string, string> = {}): { io: CliIo; stderr: () => string } {
  const chunks: string[] = [];
  const sink = (): Writable =>
    new Writable({
      write(chunk: Buffer | string, _encoding, callback) {
        chunks.push(chunk.toString());
        callback();
      },
    });
  const io: CliIo = { stdin: Readable.from([]), stdout: sink(), stderr: sink(), stdinIsTTY: true, stdoutIsTTY: false, stderrIsTTY: false, env };
  return { io, stderr: () => chunks.join('') };
}

describe('ctxpress serve', () => {
  it('prints the URL on stderr, serves until stopped, logs requests without their contents', async () => {
    const { io, stderr } = makeIo({ CTXPRESS_BUDGET_RATIO: '4' });
    let stop: (signal: string) => void = () => undefined;
    const stopped = new Promise<string>((resolve) => (stop = resolve));
    const running = runServe({ port: 0, host: '127.0.0.1', failMode: 'closed', cache: 'memory', workers: 1 }, io, () => stopped);
    let url: string | undefined;
    for (let i = 0; i < 200 && url === undefined; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      url = /listening on (http:\/\/\S+)/.exec(stderr())?.[1];
    }
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(stderr()).toContain('budget: {"ratio":4} · fail mode: closed');
    expect(stderr()).toContain('cache: memory · workers: 1');
    const health = await fetch(`${url}/healthz`);
    expect(((await health.json()) as { status: string }).status).toBe('ok');
    const compressed = await fetch(`${url}/v1/compress`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'secret words here. '.repeat(50), budget: { ratio: 4 } }),
    });
    expect(compressed.status).toBe(200);
    stop('SIGTERM');
    expect(await running).toBe(0);
    expect(stderr()).toMatch(/GET \/healthz 200 [\d.]+ ms/);
    expect(stderr()).toMatch(/POST \/v1\/compress 200/);
    expect(stderr()).not.toContain('secret');
    expect(stderr()).toContain('SIGTERM, stopping');
  });

  it('takes allowed origins and hosts from flags (repeatable or comma-separated; flags win over CTXPRESS_ALLOWED_HOSTS), and refuses other origins', async () => {
    const { io, stderr } = makeIo({ CTXPRESS_ALLOWED_HOSTS: 'from-env.example' });
    let stop: (signal: string) => void = () => undefined;
    const stopped = new Promise<string>((resolve) => (stop = resolve));
    const running = runServe(
      { port: 0, host: '127.0.0.1', workers: 0, allowedOrigin: ['https://app.example.com,http://localhost:3000'], allowedHost: 'ctxpress' },
      io,
      () => stopped,
    );
    try {
      let url: string | undefined;
      for (let i = 0; i < 200 && url === undefined; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        url = /listening on (http:\/\/\S+)/.exec(stderr())?.[1];
      }
      expect(stderr()).toContain(
        'allowed origins: https://app.example.com, http://localhost:3000 · allowed hosts: localhost, IP addresses, 127.0.0.1, ctxpress',
      );
      const body = JSON.stringify({ text: 'some words here. '.repeat(20), budget: { ratio: 2 } });
      const allowed = await fetch(`${url}/v1/compress`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: 'http://localhost:3000' },
        body,
      });
      expect(allowed.status).toBe(200);
      expect(allowed.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
      const foreign = await fetch(`${url}/v1/compress`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: 'https://evil.example' },
        body,
      });
      expect(foreign.status).toBe(403);
      const plain = await fetch(`${url}/v1/compress`, { method: 'POST', body });
      expect(plain.status).toBe(415);
    } finally {
      stop('SIGTERM');
      await running;
    }
    expect(stderr()).toMatch(/POST \/v1\/compress 403/);
  });

  it('takes the default proxy policy from flags and logs what the proxy did, without content', async () => {
    const upstream = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const { io, stderr } = makeIo();
    let stop: (signal: string) => void = () => undefined;
    const stopped = new Promise<string>((resolve) => (stop = resolve));
    const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    const running = runServe({ port: 0, upstream: upstreamUrl, compressOver: 3000, minTokens: 100, keepLastTurns: 1, workers: 0 }, io, () => stopped);
    try {
      let url: string | undefined;
      for (let i = 0; i < 200 && url === undefined; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        url = /listening on (http:\/\/\S+)/.exec(stderr())?.[1];
      }
      expect(stderr()).toContain('budget: {"tokens":3000} over 100 tokens');
      const res = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ messages: [{ role: 'user', content: 'secret words' }] }),
      });
      expect(res.headers.get('x-ctxpress-reason')).toBe('below-min-tokens');
      const models = await fetch(`${url}/v1/models`);
      expect(models.status).toBe(200);
    } finally {
      stop('SIGTERM');
      await running;
      upstream.close();
    }
    expect(stderr()).toMatch(/POST \/v1\/chat\/completions 200 [\d.]+ ms · skipped below-min-tokens\n/);
    expect(stderr()).toMatch(/GET passthrough 200 [\d.]+ ms · passthrough\n/);
    expect(stderr()).not.toContain('secret');
  });

  it.each([
    [['serve', '--budget-tokens', '5', '--budget-ratio', '2'], {}, /either --budget-tokens N or --budget-ratio R/],
    [['serve', '--fail-mode', 'sometimes'], {}, /Allowed choices are open, closed/],
    [['serve', '--compress-over', '8000', '--budget-ratio', '2'], {}, /either --compress-over N or a budget/],
    [['serve', '--compress-over', 'lots'], {}, /a positive integer/],
    [['serve', '--min-tokens', '-1'], {}, /an integer ≥ 0/],
    [['serve'], { CTXPRESS_COMPRESS_OVER: '8000', CTXPRESS_BUDGET_TOKENS: '10' }, /compressOver or a budget/],
    [['serve', '--port', '99999'], {}, /a port 0-65535/],
    [['serve'], { CTXPRESS_FAIL_MODE: 'maybe' }, /CTXPRESS_FAIL_MODE: expected "open" or "closed"/],
    [['serve', '--upstream', 'ftp://x'], {}, /flags: upstream: must be an http/],
    [['serve', '--config', '/nonexistent/ctxpress.json'], {}, /cannot read it/],
    [['serve', '--cache', 'redis://'], {}, /flags: cache: not a Redis URL/],
    [['serve'], { CTXPRESS_CACHE: 'redis://:secret@/x' }, /CTXPRESS_CACHE: not a Redis URL/],
    [['serve', '--cache', 'memory', '--regex-keep', 'sometimes'], {}, /Allowed choices are safe, any, none/],
    [['serve'], { CTXPRESS_REGEX_KEEP: 'sometimes' }, /CTXPRESS_REGEX_KEEP: expected safe, any or none/],
    [['serve', '--workers', 'many'], {}, /an integer 0-1024/],
    [['serve', '--allowed-origin', 'nope'], {}, /flags: allowedOrigins: "nope" is not valid/],
    [['serve'], { CTXPRESS_WORKERS: '-1' }, /CTXPRESS_WORKERS: expected an integer from 0 to 1024/],
  ])('exits 2 on a bad configuration: %j', async (argv, env, message) => {
    const { io, stderr } = makeIo(env);
    expect(await runCli(argv, io)).toBe(2);
    expect(stderr()).toMatch(message);
  });
});
