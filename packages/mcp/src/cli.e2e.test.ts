/**
 * `ctxpress mcp` end to end: the SDK's Client against the real built binary (packages/cli/dist/bin.js), over stdio and
 * over Streamable HTTP on 127.0.0.1; and the README's client example (examples/client.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ANSWER, chatWithToolCalls, QUESTION, ragText, toolPairsValid } from './fixtures.test-helpers.js';
import { TOOL_NAMES } from './index.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = fileURLToPath(new URL('../../cli/dist/bin.js', import.meta.url));

type ToolResult = { content: { type: string; text: string }[]; structuredContent?: Record<string, unknown>; isError?: boolean };

async function callTool(client: Client, name: string, args: Record<string, unknown>): Promise<ToolResult> {
  return (await client.callTool({ name, arguments: args })) as ToolResult;
}

/** Lists the tools, calls each, and checks that a bad call is an isError result after which the server still answers. */
async function exercise(client: Client): Promise<void> {
  const { tools } = await client.listTools();
  expect(tools.map((tool) => tool.name)).toEqual([...TOOL_NAMES]);
  expect(tools.every((tool) => tool.outputSchema?.type === 'object')).toBe(true);

  const text = await callTool(client, 'compress_text', { text: ragText(), query: QUESTION, tokens: 60 });
  expect((text.structuredContent as { text: string }).text).toContain(ANSWER);

  const documents = await callTool(client, 'compress_documents', { documents: [{ id: 'a', text: ragText() }], query: QUESTION, ratio: 3 });
  expect((documents.structuredContent as { text: string }).text).toContain(ANSWER);

  const chat = await callTool(client, 'compress_chat', { messages: chatWithToolCalls(), query: 'coral colour', ratio: 2 });
  expect(chat.isError).toBeFalsy();
  expect(toolPairsValid((chat.structuredContent as { messages: unknown[] }).messages)).toBe(true);

  const code = await callTool(client, 'compress_code', { code: 'def add(a, b):\n    return a + b\n', language: 'python', ratio: 1 });
  expect((code.structuredContent as { text: string }).text).toContain('def add');

  const bad = await callTool(client, 'compress_text', { text: 'a b c', tokens: -1 });
  expect(bad.isError).toBe(true);
  expect(bad.content[0]!.text).toMatch(/^INVALID_BUDGET: /);
  const schemaError = await callTool(client, 'compress_documents', { documents: 'not a list' });
  expect(schemaError.isError).toBe(true);
  const after = await callTool(client, 'compress_text', { text: ragText(), query: QUESTION, tokens: 60 });
  expect(after.isError).toBeFalsy();
}

describe('ctxpress mcp (the built binary)', () => {
  beforeAll(() => {
    if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run npm run build first`);
  });

  it('over stdio: tools, calls, errors; stdout carries only the protocol', async () => {
    const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp'], stderr: 'pipe' });
    let stderr = '';
    transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const client = new Client({ name: 'stdio-test', version: '1.0.0' });
    // any non-protocol line on stdout would surface here as a parse error
    const errors: Error[] = [];
    client.onerror = (error) => errors.push(error);
    await client.connect(transport);
    try {
      await exercise(client);
    } finally {
      await client.close();
    }
    expect(errors).toEqual([]);
    expect(stderr).toBe('');
  });

  it('stdio: a client that writes its requests and closes stdin still gets every answer, then the process exits 0', async () => {
    const child = spawn(process.execPath, [BIN, 'mcp'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const lines = [
      { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'pipe', version: '1' } } },
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'compress_text', arguments: { text: ragText(), query: QUESTION, tokens: 60 } } },
    ];
    child.stdin.end(lines.map((line) => JSON.stringify(line)).join('\n') + '\n');
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(0);
    const answers = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { id: number; result: { structuredContent?: { text: string } } });
    expect(answers.map((answer) => answer.id)).toEqual([1, 2]);
    expect(answers[1]!.result.structuredContent!.text).toContain(ANSWER);
  });

  it('usage: HTTP flags without --http are a usage error (exit 2), on stderr', async () => {
    const child = spawn(process.execPath, [BIN, 'mcp', '--api-key', 'k'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/--api-key needs --http PORT/);
  });

  describe('over Streamable HTTP (--http 0, 127.0.0.1, API key)', () => {
    let child: ChildProcess;
    let url: URL;
    const KEY = 'test-key-123';

    beforeAll(async () => {
      child = spawn(process.execPath, [BIN, 'mcp', '--http', '0', '--api-key', KEY], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, CTXPRESS_API_KEYS: '' } });
      let stderr = '';
      url = await new Promise<URL>((resolve, reject) => {
        child.stderr!.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
          const match = /on (http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(stderr);
          if (match) resolve(new URL(match[1]!));
        });
        child.once('exit', (code) => reject(new Error(`ctxpress mcp exited ${code}: ${stderr}`)));
      });
    });

    afterAll(async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
    });

    it('binds 127.0.0.1', () => {
      expect(url.hostname).toBe('127.0.0.1');
    });

    it('the SDK client with the key: tools, calls, errors', async () => {
      const transport = new StreamableHTTPClientTransport(url, { requestInit: { headers: { authorization: `Bearer ${KEY}` } } });
      const client = new Client({ name: 'http-test', version: '1.0.0' });
      await client.connect(transport);
      try {
        expect(transport.sessionId).toBeUndefined(); // stateless
        await exercise(client);
      } finally {
        await client.close();
      }
    });

    it('x-api-key works too', async () => {
      const client = new Client({ name: 'http-test', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers: { 'x-api-key': KEY } } }));
      expect((await client.listTools()).tools).toHaveLength(4);
      await client.close();
    });

    const initialize = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    });
    const post = (headers: Record<string, string>, body = initialize, path = url.pathname): Promise<Response> =>
      fetch(new URL(path, url), {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
        body,
      });

    it('without the key, or with a wrong one: 401 UNAUTHORIZED (and the SDK client fails to connect)', async () => {
      for (const headers of [{}, { authorization: 'Bearer wrong' }, { 'x-api-key': 'wrong' }]) {
        const response = await post(headers);
        expect(response.status).toBe(401);
        expect(((await response.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED');
      }
      const client = new Client({ name: 'no-key', version: '1.0.0' });
      await expect(client.connect(new StreamableHTTPClientTransport(url))).rejects.toThrow();
    });

    it('a foreign Host is refused (403 HOST_NOT_ALLOWED), before the key is even checked', async () => {
      const { request } = await import('node:http');
      const status = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port: url.port, path: '/mcp', method: 'POST', headers: { host: 'attacker.example', 'content-type': 'application/json', authorization: `Bearer ${KEY}` } },
          (res) => {
            let body = '';
            res.on('data', (chunk: Buffer) => (body += chunk.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          },
        );
        req.on('error', reject);
        req.end(initialize);
      });
      expect(status.status).toBe(403);
      expect(status.body).toContain('HOST_NOT_ALLOWED');
    });

    it('a foreign Origin is refused (403 ORIGIN_NOT_ALLOWED)', async () => {
      const response = await post({ authorization: `Bearer ${KEY}`, origin: 'https://evil.example' });
      expect(response.status).toBe(403);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('ORIGIN_NOT_ALLOWED');
    });

    it('only JSON bodies (415), only /mcp (404), GET is 405 (stateless)', async () => {
      const plain = await post({ authorization: `Bearer ${KEY}`, 'content-type': 'text/plain' });
      expect(plain.status).toBe(415);
      const elsewhere = await post({ authorization: `Bearer ${KEY}` }, initialize, '/v1/compress');
      expect(elsewhere.status).toBe(404);
      const get = await fetch(url, { headers: { authorization: `Bearer ${KEY}`, accept: 'text/event-stream' } });
      expect(get.status).toBe(405);
    });

    it('a body over the limit is 413 PAYLOAD_TOO_LARGE', async () => {
      const response = await post({ authorization: `Bearer ${KEY}` }, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'x', params: { pad: 'x'.repeat(11 * 1024 * 1024) } }));
      expect(response.status).toBe(413);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('PAYLOAD_TOO_LARGE');
    });
  });
});

describe('README example (examples/client.ts)', () => {
  it('runs: lists the tools and compresses the documents around the question', async () => {
    const logged: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void logged.push(args.join(' ')));
    const cwd = process.cwd();
    try {
      process.chdir(ROOT); // `npx ctxpress` resolves to this workspace's binary, as it would in a project that installed ctxpress
      await import('../examples/client.js');
    } finally {
      process.chdir(cwd);
      spy.mockRestore();
    }
    const output = logged.join('\n');
    expect(output).toContain('tools: compress_text, compress_documents, compress_chat, compress_code');
    expect(output).toContain('The tower elevator at Pier 7 was installed by the Halvorsen Lift Company in 1931');
    expect(output).not.toContain('Volunteers planted');
  });
});
