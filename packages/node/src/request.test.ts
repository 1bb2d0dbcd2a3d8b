import { parseCompressRequest, type CompressInput } from '@ctxpress/core';
import { describe, expect, it } from 'vitest';
import { compress } from './index.js';
import { compressRequest, type CompressRequestResult } from './request.js';
import { compressChat, compressJson, compressLogs } from './structured.js';
import { compressCode } from './code/index.js';
import type { CachedCompressOptions } from './cache/index.js';

const PROSE = 'The rover has two solar arrays. Cold nights drain the battery. Dust storms block the sun for weeks. '.repeat(6);
const JSON_TEXT = JSON.stringify({ items: Array.from({ length: 30 }, (_, i) => ({ id: i, name: `item ${i}`, tags: ['a', 'b'] })) }, null, 2);
const LOGS = Array.from({ length: 40 }, (_, i) => `2024-05-01 10:00:${String(i % 60).padStart(2, '0')} INFO request ${i} ok`).join('\n') + '\n2024-05-01 10:01:00 ERROR payment timeout\n';
const MESSAGES = [
  { role: 'system', content: 'You are helpful.' },
  { role: 'user', content: PROSE },
  { role: 'assistant', content: PROSE },
  { role: 'user', content: 'What drains the battery?' },
];

/** The compressed text of a result other than chat (whose result is messages). */
function textOf(outcome: CompressRequestResult): string {
  if (outcome.format === 'chat') throw new Error('chat results have messages, not text');
  return outcome.result.text;
}

describe('compressRequest', () => {
  it('sends each kind of request to its compressor, with the same result as calling it directly', async () => {
    const budget = { ratio: 3 };
    const prose = await compressRequest(parseCompressRequest({ text: PROSE, budget, query: 'battery', format: 'text' }));
    expect(prose.format).toBe('text');
    expect(textOf(prose)).toBe((await compress(PROSE, { budget, query: 'battery', format: 'text' })).text);

    const json = await compressRequest(parseCompressRequest({ text: JSON_TEXT, budget }));
    expect(json.format).toBe('json');
    expect(textOf(json)).toBe((await compressJson(JSON_TEXT, { budget })).text);

    const logs = await compressRequest(parseCompressRequest({ text: LOGS, budget, keep: ['payment'] }));
    expect(logs.format).toBe('logs');
    expect(textOf(logs)).toBe((await compressLogs(LOGS, { budget, keep: ['payment'] })).text);

    const chat = await compressRequest(parseCompressRequest({ messages: MESSAGES, budget: { tokens: 120 }, keepLastTurns: 1 }));
    expect(chat.format).toBe('chat');
    if (chat.format !== 'chat') throw new Error(chat.format);
    expect(chat.result.messages).toEqual((await compressChat(MESSAGES, { budget: { tokens: 120 }, keepLastTurns: 1 })).messages);

    const files = [{ path: 'src/math.ts', text: 'export function add(a: number, b: number) {\n  return a + b;\n}\n'.repeat(10) }];
    const code = await compressRequest(parseCompressRequest({ code: files, budget, query: 'add' }));
    expect(code.format).toBe('code');
    expect(textOf(code)).toBe((await compressCode(files, { budget, query: 'add' })).text);

    const docs = await compressRequest(parseCompressRequest({ documents: [{ id: 'a', text: PROSE }], budget }));
    expect(docs.format).toBe('auto');
    expect(textOf(docs)).toBe((await compress([{ id: 'a', text: PROSE }], { budget })).text);
  });

  it("auto text that is prose resolves to markdown or text, and compresses as compress()'s auto does", async () => {
    const markdown = `# Rover\n\n${PROSE}\n\n## Power\n\n- arrays\n- battery\n`;
    const outcome = await compressRequest(parseCompressRequest({ text: markdown, budget: { ratio: 2 } }));
    expect(outcome.format).toBe('markdown');
    expect(textOf(outcome)).toBe((await compress(markdown, { budget: { ratio: 2 } })).text);
  });

  it("the smaller of the request's and the context's timeLimitMs applies; context.compress replaces the text pipeline", async () => {
    const calls: CachedCompressOptions[] = [];
    const recording = async (input: CompressInput, options: CachedCompressOptions) => (calls.push(options), compress(input, options));
    await compressRequest(parseCompressRequest({ text: PROSE, budget: { ratio: 2 }, timeLimitMs: 40_000 }), { timeLimitMs: 60_000, compress: recording });
    await compressRequest(parseCompressRequest({ text: PROSE, budget: { ratio: 2 }, timeLimitMs: 40_000 }), { timeLimitMs: 30_000, compress: recording });
    await compressRequest(parseCompressRequest({ text: PROSE, budget: { ratio: 2 } }), { compress: recording });
    expect(calls.map((options) => options.timeLimitMs)).toEqual([40_000, 30_000, undefined]);
    await expect(compressRequest(parseCompressRequest({ text: LOGS.repeat(200), budget: { ratio: 4 }, timeLimitMs: 0.001 }))).rejects.toMatchObject({
      code: 'TIME_LIMIT',
    });
  });
});
