/**
 * The proxy driven by the real clients — the `openai` and `@anthropic-ai/sdk` packages with only their base URL
 * changed — against a fake provider on 127.0.0.1 that speaks both APIs (JSON and SSE) and records what it received.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { countChatTokens } from '@ctxpress/core';
import { compressChat, resolveTokenizer } from '@ctxpress/node';
import { startServer, type RunningServer } from './server.js';
import type { RawConfig } from './config.js';

const sample = readFileSync(new URL('../../cli/samples/sample.md', import.meta.url), 'utf8');

interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** A fake OpenAI + Anthropic API: answers "ok" (or streams "Hel" + "lo") on every generation route. */
class FakeProvider {
  readonly received: Received[] = [];
  url = '';
  private server: Server | undefined;

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  last(path: string): Received & { json: Record<string, unknown> } {
    const found = this.received.filter((r) => r.url.split('?')[0] === path).at(-1);
    if (found === undefined) throw new Error(`the provider received nothing on ${path}`);
    return { ...found, json: (found.body === '' ? {} : JSON.parse(found.body)) as Record<string, unknown> };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    this.received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
    const request = body === '' ? {} : (JSON.parse(body) as Record<string, unknown>);
    const path = (req.url ?? '').split('?')[0];
    const anthropic = req.headers['anthropic-version'] !== undefined;
    const json = (value: unknown, status = 200): void => {
      res.writeHead(status, { 'content-type': 'application/json', 'request-id': 'req_fake' });
      res.end(JSON.stringify(value));
    };
    const sse = (events: [string | undefined, unknown][]): void => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      for (const [event, data] of events)
        res.write(`${event === undefined ? '' : `event: ${event}\n`}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
      res.end();
    };
    const model = String(request['model'] ?? 'm');
    if (req.method === 'POST' && path === '/v1/chat/completions') {
      const chunk = (delta: Record<string, unknown>, finish: string | null): unknown => ({
        id: 'chatcmpl-1',
        object: 'chat.completion.chunk',
        created: 1,
        model,
        choices: [{ index: 0, delta, finish_reason: finish }],
      });
      if (request['stream'] === true) {
        return sse([
          [undefined, chunk({ role: 'assistant', content: 'Hel' }, null)],
          [undefined, chunk({ content: 'lo' }, null)],
          [undefined, chunk({}, 'stop')],
          [undefined, '[DONE]'],
        ]);
      }
      return json({
        id: 'chatcmpl-1',
        object: 'chat.completion',
        created: 1,
        model,
        choices: [{ index: 0, message: { role: 'assistant', content: 'ok', refusal: null }, finish_reason: 'stop', logprobs: null }],
        usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
      });
    }
    if (req.method === 'POST' && path === '/v1/responses') {
      const message = (text: string): unknown => ({
        type: 'message',
        id: 'msg_1',
        status: 'completed',
        role: 'assistant',
        content: [{ type: 'output_text', text, annotations: [] }],
      });
      const response = (status: string, output: unknown[]): unknown => ({ id: 'resp_1', object: 'response', created_at: 1, status, model, output });
      if (request['stream'] === true) {
        return sse([
          ['response.created', { type: 'response.created', sequence_number: 0, response: response('in_progress', []) }],
          [
            'response.output_text.delta',
            { type: 'response.output_text.delta', sequence_number: 1, item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'Hel' },
          ],
          [
            'response.output_text.delta',
            { type: 'response.output_text.delta', sequence_number: 2, item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'lo' },
          ],
          ['response.completed', { type: 'response.completed', sequence_number: 3, response: response('completed', [message('Hello')]) }],
        ]);
      }
      return json(response('completed', [message('ok')]));
    }
    if (req.method === 'POST' && path === '/v1/messages') {
      const start = {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 1, output_tokens: 0 },
      };
      if (request['stream'] === true) {
        return sse([
          ['message_start', { type: 'message_start', message: start }],
          ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }],
          ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hel' } }],
          ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'lo' } }],
          ['content_block_stop', { type: 'content_block_stop', index: 0 }],
          ['message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 2 } }],
          ['message_stop', { type: 'message_stop' }],
        ]);
      }
      return json({ ...start, content: [{ type: 'text', text: 'ok' }], stop_reason: 'end_turn', usage: { input_tokens: 1, output_tokens: 1 } });
    }
    if (req.method === 'POST' && path === '/v1/messages/count_tokens') return json({ input_tokens: 42 });
    if (req.method === 'GET' && path === '/v1/models') {
      if (anthropic) {
        return json({
          data: [{ type: 'model', id: 'claude-fake', display_name: 'Claude Fake', created_at: '2025-01-01T00:00:00Z' }],
          has_more: false,
          first_id: 'claude-fake',
          last_id: 'claude-fake',
        });
      }
      return json({ object: 'list', data: [{ id: 'gpt-fake', object: 'model', created: 1, owned_by: 'fake' }] });
    }
    if (req.method === 'POST' && path === '/v1/embeddings') {
      const vector = [0.5, 0.25];
      const embedding = request['encoding_format'] === 'base64' ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector;
      return json({ object: 'list', data: [{ object: 'embedding', index: 0, embedding }], model, usage: { prompt_tokens: 1, total_tokens: 1 } });
    }
    json({ error: { message: `no route ${req.method} ${path}`, type: 'invalid_request_error' } }, 404);
  }
}

const provider = new FakeProvider();
let proxy: RunningServer;
const config: RawConfig = { port: 0, budget: { ratio: 3 }, keepLastTurns: 1, workers: 0 };

beforeAll(async () => {
  await provider.start();
  proxy = await startServer({ ...config, upstream: provider.url });
});
afterAll(async () => {
  await proxy.close();
  await provider.stop();
});
beforeEach(() => {
  provider.received.length = 0;
});

const tokenizer = await resolveTokenizer(undefined);
const tokensOf = (messages: readonly unknown[], format: 'openai' | 'anthropic' | 'openai-responses', system?: string): number =>
  countChatTokens(messages, { tokenizer, format, ...(system === undefined ? {} : { system }) });
/** Valid when the compressor reads it back in its format (every tool call answered right after it, roles in order). */
const valid = async (messages: unknown[], format: 'openai' | 'anthropic' | 'openai-responses'): Promise<boolean> =>
  (await compressChat(messages, { budget: { tokens: 1_000_000 }, format })).messages.length === messages.length;

/** A conversation with two long old turns and a short question. */
const chatMessages: OpenAI.Chat.ChatCompletionMessageParam[] = [
  { role: 'system', content: 'You answer questions about the rover report.' },
  { role: 'user', content: `Here is the report:\n\n${sample}` },
  { role: 'assistant', content: 'Thanks, I have read it.' },
  { role: 'user', content: `And the appendix:\n\n${sample}` },
  { role: 'assistant', content: 'Read that too.' },
  { role: 'user', content: 'What limits the battery life of the rover?' },
];

const responsesInput: OpenAI.Responses.ResponseInput = [
  { role: 'user', content: 'Find the rover report.' },
  { type: 'function_call', call_id: 'call_1', name: 'search', arguments: '{"q":"rover report"}' },
  { type: 'function_call_output', call_id: 'call_1', output: sample },
  { role: 'assistant', content: 'I found it.' },
  { role: 'user', content: 'Find the appendix.' },
  { type: 'function_call', call_id: 'call_2', name: 'search', arguments: '{"q":"appendix"}' },
  { type: 'function_call_output', call_id: 'call_2', output: sample },
  { role: 'assistant', content: 'Found.' },
  { role: 'user', content: [{ type: 'input_text', text: 'What limits the battery life of the rover?' }] },
];

const anthropicMessages: Anthropic.MessageParam[] = [
  { role: 'user', content: `Here is the report:\n\n${sample}` },
  {
    role: 'assistant',
    content: [
      { type: 'text', text: 'Let me search the appendix.' },
      { type: 'tool_use', id: 'toolu_1', name: 'search', input: { q: 'appendix' } },
    ],
  },
  { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: sample }] },
  { role: 'assistant', content: 'I have both.' },
  { role: 'user', content: 'What limits the battery life of the rover?' },
];

describe('the openai SDK with baseURL set to the proxy', () => {
  const client = (): OpenAI => new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'sk-caller', maxRetries: 0 });

  it('chat.completions.create: compressed on the way, the answer comes back', async () => {
    const { data, response } = await client().chat.completions.create({ model: 'gpt-4o', messages: chatMessages, seed: 7 }).withResponse();
    expect(data.choices[0]!.message.content).toBe('ok');
    expect(response.headers.get('x-ctxpress-status')).toBe('compressed');
    const got = provider.last('/v1/chat/completions');
    expect(got.headers['authorization']).toBe('Bearer sk-caller'); // bring your own key
    const sent = got.json['messages'] as unknown[];
    expect(got.json['seed']).toBe(7);
    expect(tokensOf(sent, 'openai')).toBeLessThan(tokensOf(chatMessages, 'openai') / 2);
    expect(sent.at(-1)).toEqual(chatMessages.at(-1));
    expect(await valid(sent, 'openai')).toBe(true);
  });

  it('a RAG prompt (documents and the question in one user message) and an agent step are compressed, not failed open', async () => {
    const question = 'What limits the battery life of the rover?';
    const rag: OpenAI.Chat.ChatCompletionMessageParam[] = [
      { role: 'system', content: 'Answer from the documents.' },
      { role: 'user', content: `Use the documents below.\n\nDocuments:\n\n${sample}\n\n${sample}\n\nQuestion: ${question}` },
    ];
    const agent: OpenAI.Chat.ChatCompletionMessageParam[] = [
      { role: 'system', content: 'You are a research agent.' },
      { role: 'user', content: `Find out: ${question}` },
      { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'search', arguments: '{"q":"rover battery"}' } }] },
      { role: 'tool', tool_call_id: 'c1', content: sample },
      { role: 'assistant', content: null, tool_calls: [{ id: 'c2', type: 'function', function: { name: 'search', arguments: '{"q":"power budget"}' } }] },
      { role: 'tool', tool_call_id: 'c2', content: sample },
    ];
    for (const [messages, last] of [
      [rag, `Question: ${question}`],
      [agent, undefined],
    ] as const) {
      const { response } = await client().chat.completions.create({ model: 'gpt-4o', messages }, { headers: { 'x-ctxpress-ratio': '4' } }).withResponse();
      expect(response.headers.get('x-ctxpress-status')).toBe('compressed');
      const sent = provider.last('/v1/chat/completions').json['messages'] as Array<{ content: unknown }>;
      const before = tokensOf(messages, 'openai');
      expect(tokensOf(sent, 'openai')).toBeLessThanOrEqual(Math.floor(before / 4));
      expect(tokensOf(sent, 'openai')).toBeGreaterThanOrEqual(0.9 * Math.floor(before / 4));
      expect(await valid(sent, 'openai')).toBe(true);
      if (last !== undefined) expect(String(sent.at(-1)!.content).endsWith(last)).toBe(true);
      expect(JSON.stringify(sent)).toMatch(/battery/);
    }
  });

  it('chat.completions.create with stream: true', async () => {
    const stream = await client().chat.completions.create({ model: 'gpt-4o', messages: chatMessages, stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('Hello');
    const got = provider.last('/v1/chat/completions');
    expect(got.json['stream']).toBe(true);
    expect(tokensOf(got.json['messages'] as unknown[], 'openai')).toBeLessThan(tokensOf(chatMessages, 'openai') / 2);
  });

  it('responses.create: input items compressed, instructions kept, output_text comes back', async () => {
    const { data, response } = await client()
      .responses.create({ model: 'gpt-5', instructions: 'Be brief.', input: responsesInput, store: false })
      .withResponse();
    expect(data.output_text).toBe('ok');
    expect(response.headers.get('x-ctxpress-status')).toBe('compressed');
    const got = provider.last('/v1/responses');
    expect(got.json['instructions']).toBe('Be brief.');
    expect(got.json['store']).toBe(false);
    const sent = got.json['input'] as unknown[];
    expect(tokensOf(sent, 'openai-responses')).toBeLessThan(tokensOf(responsesInput, 'openai-responses') / 2);
    expect(sent.at(-1)).toEqual(responsesInput.at(-1));
    expect(await valid(sent, 'openai-responses')).toBe(true);
  });

  it('responses.create with stream: true', async () => {
    const stream = await client().responses.create({ model: 'gpt-5', input: responsesInput, stream: true });
    let text = '';
    let completed = false;
    for await (const event of stream) {
      if (event.type === 'response.output_text.delta') text += event.delta;
      if (event.type === 'response.completed') completed = true;
    }
    expect(text).toBe('Hello');
    expect(completed).toBe(true);
    expect(tokensOf(provider.last('/v1/responses').json['input'] as unknown[], 'openai-responses')).toBeLessThan(
      tokensOf(responsesInput, 'openai-responses') / 2,
    );
  });

  it('responses.create through a compression worker thread (the default setup)', async () => {
    const pooled = await startServer({ ...config, upstream: provider.url, workers: 1 });
    try {
      const pooledClient = new OpenAI({ baseURL: `${pooled.url}/v1`, apiKey: 'sk-caller', maxRetries: 0 });
      const { data, response } = await pooledClient.responses.create({ model: 'gpt-5', input: responsesInput }).withResponse();
      expect(data.output_text).toBe('ok');
      expect(response.headers.get('x-ctxpress-status')).toBe('compressed');
      expect(await valid(provider.last('/v1/responses').json['input'] as unknown[], 'openai-responses')).toBe(true);
    } finally {
      await pooled.close();
    }
  });

  it('passes other routes through: models.list() and embeddings.create()', async () => {
    const models = await client().models.list();
    expect(models.data.map((m) => m.id)).toEqual(['gpt-fake']);
    const embedding = await client().embeddings.create({ model: 'text-embedding-3-small', input: 'hello' });
    expect(embedding.data[0]!.embedding).toEqual([0.5, 0.25]); // the SDK asked for base64 and decoded it
    expect(provider.last('/v1/embeddings').json).toMatchObject({ input: 'hello', encoding_format: 'base64' });
  });

  it('surfaces a proxy error as an APIError with the ctxpress code', async () => {
    const error = await client()
      .chat.completions.create({ model: 'gpt-4o', messages: chatMessages }, { headers: { 'x-ctxpress-budget': 'lots' } })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    const apiError = error as InstanceType<typeof OpenAI.APIError>;
    expect(apiError.status).toBe(400);
    expect(apiError.code).toBe('INVALID_BUDGET');
    expect(apiError.type).toBe('invalid_request_error');
    expect(apiError.message).toContain('x-ctxpress-budget must be a token count');
  });
});

describe('the @anthropic-ai/sdk client with baseURL set to the proxy', () => {
  const client = (): Anthropic => new Anthropic({ baseURL: proxy.url, apiKey: 'sk-ant-caller', maxRetries: 0 });

  it('messages.create: compressed on the way (top-level system counted, kept), the answer comes back', async () => {
    const { data, response } = await client()
      .messages.create({ model: 'claude-sonnet-4-5', max_tokens: 100, system: 'Be brief.', messages: anthropicMessages })
      .withResponse();
    expect(data.content[0]).toEqual({ type: 'text', text: 'ok' });
    expect(response.headers.get('x-ctxpress-status')).toBe('compressed');
    const got = provider.last('/v1/messages');
    // the caller's key reaches the provider (this SDK version sends it as a bearer token)
    expect(got.headers['x-api-key'] ?? got.headers['authorization']).toMatch(/^(Bearer )?sk-ant-caller$/);
    expect(got.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(got.json['system']).toBe('Be brief.');
    const sent = got.json['messages'] as unknown[];
    expect(tokensOf(sent, 'anthropic', 'Be brief.')).toBeLessThan(tokensOf(anthropicMessages, 'anthropic', 'Be brief.') / 2);
    expect(sent.at(-1)).toEqual(anthropicMessages.at(-1));
    expect(await valid(sent, 'anthropic')).toBe(true);
  });

  it('messages.stream(): the final text comes back', async () => {
    const text = await client().messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 100, messages: anthropicMessages }).finalText();
    expect(text).toBe('Hello');
    const got = provider.last('/v1/messages');
    expect(got.json['stream']).toBe(true);
    expect(tokensOf(got.json['messages'] as unknown[], 'anthropic')).toBeLessThan(tokensOf(anthropicMessages, 'anthropic') / 2);
  });

  it('passes other routes through: models.list() and messages.countTokens()', async () => {
    const models = await client().models.list();
    expect(models.data.map((m) => m.id)).toEqual(['claude-fake']);
    const count = await client().messages.countTokens({ model: 'claude-sonnet-4-5', messages: anthropicMessages });
    expect(count.input_tokens).toBe(42);
    // count_tokens is relayed as sent (not compressed)
    expect(provider.last('/v1/messages/count_tokens').json['messages']).toEqual(anthropicMessages);
  });

  it("surfaces a proxy error as an APIError of the right class, with Anthropic's error type and a message", async () => {
    const error = await client()
      .messages.create({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: anthropicMessages }, { headers: { 'x-ctxpress-ratio': 'half' } })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    const apiError = error as InstanceType<typeof Anthropic.APIError>;
    expect(apiError.status).toBe(400);
    expect(apiError.type).toBe('invalid_request_error');
    expect(apiError.message).toContain('ctxpress INVALID_BUDGET: x-ctxpress-ratio must be a number');
    expect(apiError.headers?.get('x-ctxpress-error')).toBe('INVALID_BUDGET');
  });

  it('surfaces ctxpress authentication and an unreachable upstream as AuthenticationError and InternalServerError', async () => {
    const locked = await startServer({ ...config, upstream: provider.url, apiKeys: ['ctx-key'] });
    const down = await startServer({ ...config, upstream: 'http://127.0.0.1:9' });
    try {
      const unauthorized = await new Anthropic({ baseURL: locked.url, apiKey: 'wrong', maxRetries: 0 }).models.list().catch((caught: unknown) => caught);
      expect(unauthorized).toBeInstanceOf(Anthropic.AuthenticationError);
      expect((unauthorized as InstanceType<typeof Anthropic.APIError>).type).toBe('authentication_error');
      const allowed = await new Anthropic({ baseURL: locked.url, apiKey: 'ctx-key', maxRetries: 0 }).models.list();
      expect(allowed.data).toHaveLength(1);
      // the ctxpress key is not forwarded
      expect(provider.last('/v1/models').headers['x-api-key']).toBeUndefined();
      expect(provider.last('/v1/models').headers['authorization']).toBeUndefined();
      const unreachable = await new Anthropic({ baseURL: down.url, apiKey: 'k', maxRetries: 0 }).messages
        .create({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] })
        .catch((caught: unknown) => caught);
      expect(unreachable).toBeInstanceOf(Anthropic.InternalServerError);
      expect((unreachable as InstanceType<typeof Anthropic.APIError>).type).toBe('api_error');
      expect((unreachable as Error).message).toContain('UPSTREAM_UNAVAILABLE');
    } finally {
      await locked.close();
      await down.close();
    }
  });
});
