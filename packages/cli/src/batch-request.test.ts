import { CtxpressError, type CompressInput, type CompressionResult } from '@ctxpress/core';
import type { NodeCompressOptions } from '@ctxpress/node';
import { closeApp, createApp } from '@ctxpress/server';
import { describe, expect, it } from 'vitest';
import { type CompressFunction, handleBatchLine } from './batch-request.js';

/** A stand-in for the library that records its calls and keeps the first `budget` characters. */
function fakeCompress(): CompressFunction & { calls: { input: CompressInput; options: NodeCompressOptions }[] } {
  const calls: { input: CompressInput; options: NodeCompressOptions }[] = [];
  const compress = async (input: CompressInput, options: NodeCompressOptions): Promise<CompressionResult> => {
    calls.push({ input, options });
    const text = typeof input === 'string' ? input : input.map((document) => document.text).join('\n\n');
    const budget = 'tokens' in options.budget ? options.budget.tokens : Math.floor(text.length / options.budget.ratio);
    const kept = text.slice(0, budget);
    return {
      text: kept,
      tokens: { original: text.length, compressed: kept.length, budget },
      ratio: kept.length === 0 ? Infinity : text.length / kept.length,
      sources: [{ id: '0', titleLength: 0, length: text.length }],
      kept: [{ sourceId: '0', start: 0, end: kept.length }],
      dropped: [],
      timings: {},
    };
  };
  return Object.assign(compress, { calls });
}

async function run(line: string, compress: CompressFunction = fakeCompress()): Promise<{ ok: boolean; value: Record<string, unknown> }> {
  const outcome = await handleBatchLine(line, 7, compress);
  return { ok: outcome.ok, value: JSON.parse(outcome.json) as Record<string, unknown> };
}

describe('handleBatchLine', () => {
  it('compresses a text request into {id, text, tokens, ratio, kept}', async () => {
    const { ok, value } = await run('{"id":"a","text":"0123456789","tokens":4}');
    expect(ok).toBe(true);
    expect(value).toEqual({
      id: 'a',
      text: '0123',
      tokens: { original: 10, compressed: 4, budget: 4 },
      ratio: 2.5,
      kept: [{ sourceId: '0', start: 0, end: 4 }],
    });
  });

  it('passes documents, query, ratio, tokenizer, format and keep patterns (RegExp for /re/) to the library', async () => {
    const compress = fakeCompress();
    await run(
      JSON.stringify({
        id: 3,
        documents: [{ id: 'x', text: 'abcd' }],
        query: 'q',
        ratio: 2,
        tokenizer: 'cl100k_base',
        format: 'markdown',
        keep: ['/err\\d+/i', 'literal'],
      }),
      compress,
    );
    const call = compress.calls[0]!;
    expect(call.input).toEqual([{ id: 'x', text: 'abcd' }]);
    expect(call.options).toMatchObject({ budget: { ratio: 2 }, query: 'q', tokenizer: 'cl100k_base', format: 'markdown' });
    expect(call.options.keep?.[0]).toBeInstanceOf(RegExp);
    expect((call.options.keep?.[0] as RegExp).flags).toBe('i');
    expect(call.options.keep?.[1]).toBe('literal');
  });

  it('an infinite ratio becomes null in JSON', async () => {
    const { value } = await run('{"id":"z","text":"","tokens":1}');
    expect(value['ratio']).toBeNull();
  });

  it.each([
    ['{"id":"a","text":', null, 'INVALID_JSON'],
    ['[1,2]', null, 'INVALID_REQUEST'],
    ['{"id":"a","tokens":5}', 'a', 'INVALID_INPUT'],
    ['{"id":"a","text":5,"tokens":5}', 'a', 'INVALID_INPUT'],
    ['{"id":"a","text":"x","documents":[],"tokens":5}', 'a', 'INVALID_INPUT'],
    ['{"id":"a","text":"x"}', 'a', 'INVALID_BUDGET'],
    ['{"id":"a","text":"x","tokens":5,"ratio":2}', 'a', 'INVALID_BUDGET'],
    ['{"id":"a","text":"x","tokens":0}', 'a', 'INVALID_BUDGET'],
    ['{"id":"a","text":"x","tokens":"5"}', 'a', 'INVALID_BUDGET'],
    ['{"id":"a","text":"x","ratio":0.5}', 'a', 'INVALID_BUDGET'],
    ['{"id":"a","text":"x","tokens":5,"format":"html"}', 'a', 'INVALID_REQUEST'],
    ['{"id":"a","text":"x","tokens":5,"keep":"x"}', 'a', 'INVALID_REQUEST'],
    ['{"id":"a","text":"x","tokens":5,"keep":["/(/"]}', 'a', 'INVALID_REQUEST'],
    ['{"id":{"nested":1},"text":"x"}', null, 'INVALID_BUDGET'],
  ])('%s → error line with id %j and code %s', async (line, id, code) => {
    const { ok, value } = await run(line);
    expect(ok).toBe(false);
    expect(value).toMatchObject({ id, line: 7, error: { code } });
    expect(typeof (value['error'] as { message: unknown }).message).toBe('string');
  });

  it('a library error keeps its code and message', async () => {
    const failing: CompressFunction = async () => {
      throw new CtxpressError('UNKNOWN_TOKENIZER', 'Unknown tokenizer "nope".');
    };
    const { value } = await run('{"id":"t","text":"x","tokens":5,"tokenizer":"nope"}', failing);
    expect(value).toEqual({ id: 't', line: 7, error: { code: 'UNKNOWN_TOKENIZER', message: 'Unknown tokenizer "nope".' } });
  });

  it("--time-limit: passes timeLimitMs to the library, and a TIME_LIMIT error becomes the line's error", async () => {
    const compress = fakeCompress();
    await handleBatchLine('{"id":"t","text":"some text","tokens":5}', 7, compress, { timeLimitMs: 250 });
    expect(compress.calls[0]!.options.timeLimitMs).toBe(250);
    await handleBatchLine('{"id":"u","text":"some text","tokens":5}', 8, compress);
    expect(compress.calls[1]!.options.timeLimitMs).toBeUndefined();
    const slow: CompressFunction = async () => {
      throw new CtxpressError('TIME_LIMIT', 'compression stopped after 251 ms (options.timeLimitMs is 250); …');
    };
    const outcome = await handleBatchLine('{"id":"t","text":"x","tokens":5}', 7, slow, { timeLimitMs: 250 });
    expect(outcome.ok).toBe(false);
    expect((JSON.parse(outcome.json) as { error: { code: string } }).error.code).toBe('TIME_LIMIT');
  });

  it('a line\'s own "timeLimitMs" applies, capped by --time-limit; a bad one is the line\'s error', async () => {
    const compress = fakeCompress();
    await handleBatchLine('{"id":"a","text":"some text","tokens":5,"timeLimitMs":40}', 1, compress);
    expect(compress.calls[0]!.options.timeLimitMs).toBe(40);
    await handleBatchLine('{"id":"b","text":"some text","tokens":5,"timeLimitMs":40}', 2, compress, { timeLimitMs: 250 });
    expect(compress.calls[1]!.options.timeLimitMs).toBe(40);
    await handleBatchLine('{"id":"c","text":"some text","tokens":5,"timeLimitMs":900}', 3, compress, { timeLimitMs: 250 });
    expect(compress.calls[2]!.options.timeLimitMs).toBe(250);
    for (const bad of ['0', '-5', '"10"', 'null']) {
      const outcome = await handleBatchLine(`{"id":"d","text":"x","tokens":5,"timeLimitMs":${bad}}`, 4, compress);
      expect(JSON.parse(outcome.json)).toMatchObject({ id: 'd', error: { code: 'INVALID_REQUEST', message: expect.stringMatching(/timeLimitMs/) } });
    }
    expect(compress.calls).toHaveLength(3);
  });

  it('a line\'s "timeLimitMs" with the real library: that line gets TIME_LIMIT, the next one is unaffected', async () => {
    const { compress } = await import('@ctxpress/node');
    const text = 'The harbour opened in 1872 after six years of work. Ships brought timber and salt.\n'.repeat(3000);
    const over = await handleBatchLine(JSON.stringify({ id: 'slow', text, ratio: 4, timeLimitMs: 0.001 }), 1, compress);
    expect(JSON.parse(over.json)).toMatchObject({ id: 'slow', error: { code: 'TIME_LIMIT' } });
    const next = await handleBatchLine(JSON.stringify({ id: 'next', text, ratio: 4 }), 2, compress);
    expect(next.ok).toBe(true);
  });

  it('--time-limit with the real library: a request over it gets a TIME_LIMIT line, structured ones (logs) too', async () => {
    const { compress } = await import('@ctxpress/node');
    const text = 'The harbour opened in 1872 after six years of work. Ships brought timber and salt.\n'.repeat(3000);
    const over = await handleBatchLine(JSON.stringify({ id: 'big', text, ratio: 4 }), 1, compress, { timeLimitMs: 0.001 });
    expect(JSON.parse(over.json)).toMatchObject({ id: 'big', line: 1, error: { code: 'TIME_LIMIT' } });
    const logs = 'INFO ok 1\nERROR payment timeout\n'.repeat(3000);
    const overLogs = await handleBatchLine(JSON.stringify({ id: 'logs', text: logs, ratio: 4, format: 'logs' }), 2, compress, { timeLimitMs: 0.001 });
    expect(JSON.parse(overLogs.json)).toMatchObject({ id: 'logs', error: { code: 'TIME_LIMIT' } });
    const fine = await handleBatchLine(JSON.stringify({ id: 'big', text, ratio: 4 }), 1, compress, { timeLimitMs: 60_000 });
    const plain = await handleBatchLine(JSON.stringify({ id: 'big', text, ratio: 4 }), 1, compress);
    expect(fine).toEqual(plain);
    expect(fine.ok).toBe(true);
  });

  it('an unexpected error is reported as INTERNAL_ERROR, not thrown', async () => {
    const failing: CompressFunction = async () => {
      throw new TypeError('boom');
    };
    const { value } = await run('{"id":"t","text":"x","tokens":5}', failing);
    expect(value).toEqual({ id: 't', line: 7, error: { code: 'INTERNAL_ERROR', message: 'boom' } });
  });
});

describe('batch lines share the HTTP wire format (ADR 0018)', () => {
  const PROSE = 'The rover has two solar arrays. Cold nights drain the battery. Dust storms block the sun for weeks. Order ID-42 shipped. '.repeat(8);
  const MARKDOWN = `# Rover\n\n${PROSE}\n\n## Power\n\n- arrays\n- battery\n`;
  const JSON_TEXT = JSON.stringify({ items: Array.from({ length: 20 }, (_, i) => ({ id: i, name: `item ${i}` })) }, null, 2);
  const LOGS = Array.from({ length: 30 }, (_, i) => `2024-05-01 10:00:${String(i).padStart(2, '0')} INFO request ${i} ok`).join('\n') + '\n2024-05-01 10:01:00 ERROR payment timeout\n';
  const MESSAGES = [
    { role: 'system', content: 'You are helpful.' },
    { role: 'user', content: PROSE },
    { role: 'assistant', content: PROSE },
    { role: 'user', content: 'What drains the battery?' },
  ];
  const requests: Record<string, unknown>[] = [
    { text: PROSE, budget: { ratio: 3 }, query: 'battery', keep: ['/ID-\\d+/'] },
    { text: MARKDOWN, budget: { tokens: 60 }, format: 'markdown', separator: ' … ' },
    { documents: [{ id: 'a', title: 'Rover', text: PROSE }, { id: 'b', text: MARKDOWN }], budget: { ratio: 4 }, query: 'dust' },
    { text: JSON_TEXT, budget: { ratio: 3 } },
    { text: LOGS, budget: { ratio: 4 }, keep: ['payment'] },
    { messages: MESSAGES, budget: { tokens: 120 }, keepLastTurns: 1 },
    { code: [{ path: 'src/math.ts', text: 'export function add(a: number, b: number) {\n  return a + b;\n}\n'.repeat(8) }], budget: { ratio: 3 }, query: 'add' },
  ];

  it('the same request as an HTTP body and as a batch line gives the same compressed text', async () => {
    const { compress } = await import('@ctxpress/node');
    const app = createApp({ workers: 0 });
    try {
      for (const [index, request] of requests.entries()) {
        const res = await app.request('/v1/compress', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request) });
        expect(res.status, JSON.stringify(request).slice(0, 80)).toBe(200);
        const http = (await res.json()) as { text?: string; messages?: unknown[]; tokens: unknown };
        const line = JSON.parse((await handleBatchLine(JSON.stringify({ id: index, ...request }), index + 1, compress)).json) as {
          text: string;
          messages?: unknown[];
          tokens: unknown;
        };
        expect(line.tokens).toEqual(http.tokens);
        if (http.messages !== undefined) expect(line.messages).toEqual(http.messages);
        else expect(line.text).toBe(http.text);
      }
    } finally {
      await closeApp(app);
    }
  });

  it('legacy top-level tokens / ratio give the same line as budget; both at once is INVALID_BUDGET', async () => {
    const { compress } = await import('@ctxpress/node');
    const legacy = await handleBatchLine(JSON.stringify({ id: 1, text: PROSE, ratio: 3 }), 1, compress);
    const current = await handleBatchLine(JSON.stringify({ id: 1, text: PROSE, budget: { ratio: 3 } }), 1, compress);
    expect(legacy).toEqual(current);
    const both = await handleBatchLine(JSON.stringify({ id: 1, text: PROSE, ratio: 3, budget: { ratio: 3 } }), 1, compress);
    expect(JSON.parse(both.json)).toMatchObject({ error: { code: 'INVALID_BUDGET' } });
  });

  it('messages go to compressChat as they are; a JSON text of chat messages (auto or chat) is sent as messages too', async () => {
    const { compress } = await import('@ctxpress/node');
    const direct = JSON.parse((await handleBatchLine(JSON.stringify({ id: 'm', messages: MESSAGES, tokens: 120 }), 1, compress)).json) as { messages: unknown[] };
    expect(direct.messages.at(-1)).toEqual(MESSAGES.at(-1));
    for (const format of [undefined, 'auto', 'chat']) {
      const fromText = JSON.parse((await handleBatchLine(JSON.stringify({ id: 'm', text: JSON.stringify(MESSAGES), tokens: 120, format }), 1, compress)).json) as unknown;
      expect(fromText).toEqual(direct);
    }
    const notChat = await handleBatchLine(JSON.stringify({ id: 'x', text: 'plain words', tokens: 5, format: 'chat' }), 1, compress);
    expect(JSON.parse(notChat.json)).toMatchObject({ error: { code: 'INVALID_INPUT', message: expect.stringMatching(/chat input must be JSON/) } });
  });

  it('fields the wire format does not know are INVALID_REQUEST (id is the batch edge\'s own)', async () => {
    const { value } = await run('{"id":"a","text":"x","tokens":5,"meta":1}');
    expect(value).toMatchObject({ id: 'a', error: { code: 'INVALID_REQUEST', message: expect.stringMatching(/unknown field\(s\) meta/) } });
  });
});
