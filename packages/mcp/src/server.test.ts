import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getTokenizer } from '@ctxpress/node';
import { createMcpHttpHandler, createMcpServer, DEFAULT_RATIO, TOOL_NAMES } from './index.js';
import { ANSWER, chatWithToolCalls, QUESTION, ragText, toolPairsValid, TS_FILE } from './fixtures.test-helpers.js';

type ToolResult = Awaited<ReturnType<Client['callTool']>> & {
  content: { type: string; text: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
};

let client: Client;

beforeAll(async () => {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await createMcpServer().connect(serverSide);
  client = new Client({ name: 'test', version: '1.0.0' });
  await client.connect(clientSide);
});

afterAll(async () => {
  await client.close();
});

const call = async (name: string, args: Record<string, unknown>): Promise<ToolResult> => (await client.callTool({ name, arguments: args })) as ToolResult;

describe('tools/list', () => {
  it('lists the four tools with descriptions, input and output schemas', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual([...TOOL_NAMES]);
    for (const tool of tools) {
      expect(tool.description).toMatch(/verbatim spans/);
      expect(tool.description).toMatch(/query/);
      expect(tool.inputSchema.type).toBe('object');
      expect(tool.outputSchema?.type).toBe('object');
      expect(tool.inputSchema.properties).toHaveProperty('tokens');
      expect(tool.inputSchema.properties).toHaveProperty('ratio');
      expect(tool.inputSchema).toMatchObject({ additionalProperties: false });
      expect(tool.annotations).toMatchObject({ readOnlyHint: true });
    }
    const byName = Object.fromEntries(tools.map((tool) => [tool.name, tool]));
    expect(byName['compress_text']!.inputSchema.required).toEqual(['text']);
    expect(byName['compress_documents']!.inputSchema.required).toEqual(['documents']);
    expect(byName['compress_chat']!.inputSchema.required).toEqual(['messages']);
    expect(byName['compress_code']!.inputSchema.properties).toHaveProperty('files');
    expect(byName['compress_code']!.inputSchema.properties).toHaveProperty('code');
    expect(byName['compress_text']!.outputSchema?.properties).toHaveProperty('tokens');
    expect(byName['compress_chat']!.outputSchema?.properties).toHaveProperty('messages');
  });
});

describe('tools/call', () => {
  it('compress_text: a RAG-shaped text keeps the answer passage within the budget', async () => {
    const text = ragText();
    const result = await call('compress_text', { text, query: QUESTION, tokens: 60 });
    expect(result.isError).toBeFalsy();
    const structured = result.structuredContent as { text: string; tokens: { original: number; compressed: number; budget: number }; ratio: number; format: string };
    expect(structured.text).toContain(ANSWER);
    expect(result.content[0]!.text).toBe(structured.text);
    expect(result.content[1]!.text).toMatch(/^ctxpress: \d+ → \d+ tokens \(budget 60/);
    expect(structured.tokens.budget).toBe(60);
    expect(structured.tokens.compressed).toBeLessThanOrEqual(60);
    expect(structured.tokens.original).toBe((await getTokenizer('o200k_base')).count(text));
    expect(structured.ratio).toBeGreaterThan(1);
    expect(structured.format).toBe('text');
    // verbatim: every kept paragraph is a paragraph of the input
    for (const part of structured.text.split(/\n+/).filter((line) => line.trim() !== '' && !line.includes('…'))) expect(text).toContain(part.trim());
  });

  it(`compress_text: with neither tokens nor ratio the budget is ratio ${DEFAULT_RATIO}`, async () => {
    const text = ragText();
    const result = await call('compress_text', { text, query: QUESTION });
    const structured = result.structuredContent as { tokens: { original: number; budget: number } };
    expect(structured.tokens.budget).toBe(Math.floor(structured.tokens.original / DEFAULT_RATIO));
  });

  it('compress_text: JSON stays valid JSON (format auto)', async () => {
    const json = JSON.stringify({ items: Array.from({ length: 40 }, (_, i) => ({ id: i, name: `item ${i}`, note: 'some repeated description text' })) });
    const result = await call('compress_text', { text: json, ratio: 4 });
    const structured = result.structuredContent as { text: string; format: string };
    expect(structured.format).toBe('json');
    expect(() => JSON.parse(structured.text)).not.toThrow();
  });

  it('compress_documents: the answer document’s passage is kept', async () => {
    const documents = [
      { id: 'a', title: 'Parks', text: ragText().split(ANSWER).join('') },
      { id: 'b', title: 'Piers', text: `${ANSWER} The pier also has a small café and a ferry stop.` },
      { id: 'c', text: ragText().split(ANSWER).join('') },
    ];
    const result = await call('compress_documents', { documents, query: QUESTION, tokens: 80 });
    expect(result.isError).toBeFalsy();
    const structured = result.structuredContent as { text: string; tokens: { compressed: number } };
    expect(structured.text).toContain(ANSWER);
    expect(structured.tokens.compressed).toBeLessThanOrEqual(80);
  });

  it('compress_chat: a chat with tool calls stays valid (every call keeps its result)', async () => {
    const messages = chatWithToolCalls();
    const result = await call('compress_chat', { messages, query: 'coral colour', ratio: 2, keepLastTurns: 1 });
    expect(result.isError).toBeFalsy();
    const structured = result.structuredContent as { messages: unknown[]; format: string; messageFormat: string; tokens: { original: number; compressed: number } };
    expect(structured.format).toBe('chat');
    expect(structured.messageFormat).toBe('openai');
    expect(toolPairsValid(structured.messages)).toBe(true);
    expect(structured.tokens.compressed).toBeLessThan(structured.tokens.original);
    expect(JSON.parse(result.content[0]!.text)).toEqual(structured.messages);
    expect(structured.messages.at(-1)).toEqual(messages.at(-1));
  });

  it('compress_code: files, and one snippet with its language', async () => {
    const files = await call('compress_code', { files: [{ path: 'src/invoice.ts', text: TS_FILE }], query: 'parseInvoice total', ratio: 2 });
    expect(files.isError).toBeFalsy();
    const structured = files.structuredContent as { text: string; format: string; tokens: { compressed: number; original: number } };
    expect(structured.format).toBe('code');
    expect(structured.text).toContain('parseInvoice');
    expect(structured.tokens.compressed).toBeLessThan(structured.tokens.original);
    const snippet = await call('compress_code', { code: TS_FILE, language: 'typescript', query: 'Greeter', ratio: 2 });
    expect(snippet.isError).toBeFalsy();
    expect((snippet.structuredContent as { text: string }).text).toContain('class Greeter');
  });
});

describe('errors: an isError result with the code, and the server keeps serving', () => {
  it.each<[string, string, Record<string, unknown>, RegExp]>([
    ['tokens 0', 'compress_text', { text: 'a b c', tokens: 0 }, /^INVALID_BUDGET: /],
    ['ratio under 1', 'compress_text', { text: 'a b c', ratio: 0.5 }, /^INVALID_BUDGET: /],
    ['both tokens and ratio', 'compress_text', { text: 'a b c', tokens: 5, ratio: 2 }, /^INVALID_BUDGET: give either tokens or ratio/],
    ['an unknown tokenizer', 'compress_text', { text: 'a b c', tokenizer: 'nope' }, /^UNKNOWN_TOKENIZER: /],
    ['a bad regex in keep', 'compress_text', { text: 'a b c', keep: ['/(/'] }, /^INVALID_OPTION: keep\[0\]/],
    ['a backreference in keep (linear-time engine)', 'compress_text', { text: 'a b c', keep: ['/(a)\\1/'] }, /^INVALID_OPTION: keep\[0\]/],
    ['code and files', 'compress_code', { code: 'x', files: [{ path: 'a.ts', text: 'x' }] }, /^INVALID_INPUT: give exactly one of files/],
    ['neither code nor files', 'compress_code', {}, /^INVALID_INPUT: give exactly one of files/],
    ['text missing (schema)', 'compress_text', { query: 'x' }, /Input validation error.*text/s],
    ['text a number (schema)', 'compress_text', { text: 5 }, /Input validation error/],
    ['an unknown argument (schema)', 'compress_text', { text: 'a', token: 5 }, /Input validation error.*token/s],
    ['an unknown tool', 'compress_everything', { text: 'a' }, /compress_everything/],
  ])('%s', async (_, name, args, message) => {
    const result = await call(name, args);
    expect(result.isError).toBe(true);
    expect(result.content[0]!.text).toMatch(message);
    expect(result.structuredContent).toBeUndefined();
    const next = await call('compress_text', { text: ragText(), query: QUESTION, tokens: 60 });
    expect(next.isError).toBeFalsy();
  });
});

describe('createMcpHttpHandler (stateless)', () => {
  it('answers GET and DELETE with 405', async () => {
    const handle = createMcpHttpHandler();
    for (const method of ['GET', 'DELETE']) {
      const response = await handle(new Request('http://127.0.0.1/mcp', { method }));
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
    }
  });

  it('answers a tools/list POST without a session', async () => {
    const handle = createMcpHttpHandler();
    const response = await handle(
      new Request('http://127.0.0.1/mcp', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
      }),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('mcp-session-id')).toBeNull();
    const body = (await response.json()) as { result: { tools: { name: string }[] } };
    expect(body.result.tools.map((tool) => tool.name)).toEqual([...TOOL_NAMES]);
  });
});
