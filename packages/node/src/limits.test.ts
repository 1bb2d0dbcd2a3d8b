import { describe, it, expect } from 'vitest';
import { compress, compressChat, compressCode, compressJson, compressLogs, compressToolOutput, isCtxpressError } from './index.js';

const PARAGRAPH =
  'The harbour opened in 1872 after six years of work. Ships from the north brought timber and salt. ' +
  'In 1901 a fire destroyed the eastern warehouses, and they were rebuilt in brick. ';
const BIG = Array.from({ length: 1500 }, (_, i) => `${PARAGRAPH}Record ${i} was filed on day ${i % 31}.`).join('\n\n');
const LOGS = Array.from({ length: 4000 }, (_, i) => (i % 300 === 5 ? `ERROR payment timeout ${i}` : `INFO GET /health 200 ${i}`)).join('\n');
const JSON_TEXT = JSON.stringify(Array.from({ length: 800 }, (_, i) => ({ id: i, status: i % 9 === 0 ? 'failing' : 'ok', note: PARAGRAPH })));
const CODE = Array.from({ length: 300 }, (_, i) => `function f${i}(a) {\n  const b = a + ${i};\n  return g${i % 7}(b);\n}\n`).join('\n');
const CHAT = Array.from({ length: 80 }, (_, i) => ({ role: i % 2 === 0 ? 'user' : 'assistant', content: `${PARAGRAPH} Turn ${i}.` }));

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (e) {
    return isCtxpressError(e) ? e.code : `not a CtxpressError: ${String(e)}`;
  }
  return undefined;
}

type Door = (limits: Record<string, unknown>, tokenizer?: string) => Promise<unknown>;
const DOORS: Record<string, Door> = {
  compress: (limits, tokenizer = 'o200k_base') => compress(BIG, { budget: { ratio: 4 }, tokenizer, ...limits }),
  'compress (cache)': (limits, tokenizer = 'o200k_base') => compress(BIG, { budget: { ratio: 4 }, tokenizer, cache: 'memory', ...limits }),
  compressJson: (limits, tokenizer = 'o200k_base') => compressJson(JSON_TEXT, { budget: { ratio: 8 }, tokenizer, ...limits }),
  compressLogs: (limits, tokenizer = 'o200k_base') => compressLogs(LOGS, { budget: { ratio: 8 }, tokenizer, ...limits }),
  compressToolOutput: (limits, tokenizer = 'o200k_base') => compressToolOutput(LOGS, { budget: { ratio: 8 }, tokenizer, ...limits }),
  compressChat: (limits, tokenizer = 'o200k_base') => compressChat(CHAT, { budget: { ratio: 4 }, tokenizer, ...limits }),
  'compressChat (cache)': (limits, tokenizer = 'o200k_base') => compressChat(CHAT, { budget: { ratio: 4 }, tokenizer, cache: 'memory', ...limits }),
  compressCode: (limits, tokenizer = 'o200k_base') => compressCode([{ path: 'src/f.js', text: CODE }], { budget: { ratio: 4 }, tokenizer, ...limits }),
};
const strip = (r: unknown): unknown => JSON.parse(JSON.stringify(r, (k, v) => (k === 'timings' ? undefined : (v as unknown))));

describe('@ctxpress/node: options.signal / options.timeLimitMs', () => {
  for (const [name, door] of Object.entries(DOORS)) {
    it(`${name}: an aborted signal rejects with ABORTED before any await (the unknown tokenizer is never looked up)`, async () => {
      expect(await codeOf(door({ signal: AbortSignal.abort() }, 'no-such-tokenizer'))).toBe('ABORTED');
      expect(await codeOf(door({ timeLimitMs: -1 }, 'no-such-tokenizer'))).toBe('INVALID_OPTION');
      expect(await codeOf(door({ signal: 'stop' }, 'no-such-tokenizer'))).toBe('INVALID_OPTION');
    });

    it(`${name}: a signal aborted while the call awaits (tokenizer, cache) stops it before the synchronous work`, async () => {
      const controller = new AbortController();
      const pending = door({ signal: controller.signal });
      controller.abort();
      expect(await codeOf(pending)).toBe('ABORTED');
    });

    it(`${name}: a tiny time limit gives TIME_LIMIT; a generous one the usual result`, async () => {
      expect(await codeOf(door({ timeLimitMs: 0.001 }))).toBe('TIME_LIMIT');
      const plain = strip(await door({}));
      expect(strip(await door({ timeLimitMs: 60_000, signal: new AbortController().signal }))).toEqual(plain);
    });
  }
});
