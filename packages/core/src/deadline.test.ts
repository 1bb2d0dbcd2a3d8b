import { describe, it, expect } from 'vitest';
import { compressSync, prepareCompression } from './compress.js';
import { compressChat } from './chat/compress-chat.js';
import { compressJson } from './json/compress-json.js';
import { compressLogs } from './logs/compress-logs.js';
import { compressToolOutput } from './content-type.js';
import { compressCodeSync } from './code/compress-code.js';
import { isCtxpressError } from './errors.js';
import { activeDeadline, checkLimitOptions } from './deadline.js';
import { wordTokenizer } from './testing/index.js';
import type { Tokenizer } from './types.js';

const words = wordTokenizer();

/** The word tokenizer, made slow (about `micros` µs per call) so a small time limit is reached on a modest input. */
function slowTokenizer(micros: number, onCount?: (calls: number) => void): Tokenizer {
  let calls = 0;
  return {
    name: 'slow-words',
    count(text: string): number {
      onCount?.(++calls);
      const until = performance.now() + micros / 1000;
      while (performance.now() < until) {
        /* spin */
      }
      return words.count(text);
    },
  };
}

const TOPICS = ['battery', 'radio', 'wheels', 'arrays', 'heaters', 'camera', 'drill', 'antenna', 'laser', 'mast'];
function prose(paragraphs: number): string {
  const out: string[] = [];
  for (let p = 0; p < paragraphs; p++) {
    const t = TOPICS[p % TOPICS.length]!;
    out.push(
      `The ${t} of unit ${p} was checked on sol ${p * 3}. Engineers logged ${p % 7} faults in the ${t} subsystem. ` +
        `A second team repeated the ${t} test ${p % 5} times and found the readings stable at ${p * 11} units.`,
    );
  }
  return out.join('\n\n');
}
const TEXT = prose(400);
const JSON_TEXT = JSON.stringify(
  Array.from({ length: 600 }, (_, i) => ({ id: i, name: `pod-${i}`, status: i % 17 === 0 ? 'failing' : 'running', note: prose(1) })),
  null,
  2,
);
const LOG_TEXT = Array.from({ length: 3000 }, (_, i) =>
  i % 250 === 7
    ? `2024-05-01T10:${String(i % 60).padStart(2, '0')}:00Z ERROR payment timeout after ${i} ms`
    : `2024-05-01T10:00:00Z INFO GET /health 200 ${i % 13} ms request ${i}`,
).join('\n');
const CODE_TEXT = Array.from(
  { length: 300 },
  (_, i) =>
    `function handler${i}(input) {\n  const total = input.items.length + ${i};\n  if (total > ${i % 9}) {\n    return applyDiscount${i % 5}(input, total);\n  }\n  return total;\n}\n`,
).join('\n');
const CHAT = Array.from({ length: 120 }, (_, i) => ({
  role: i % 2 === 0 ? 'user' : 'assistant',
  content: i === 119 ? 'What did the battery test find?' : prose(3).replace(/unit \d+/g, `unit ${i}`),
}));
CHAT[CHAT.length - 1] = { role: 'user', content: 'What did the battery test find?' };

function errorOf(f: () => unknown): { code: string | undefined; error: unknown } {
  try {
    f();
  } catch (e) {
    return { code: isCtxpressError(e) ? e.code : `not a CtxpressError: ${String(e)}`, error: e };
  }
  return { code: undefined, error: undefined };
}
const strip = <T>(r: T): T => JSON.parse(JSON.stringify(r, (k, v) => (k === 'timings' ? undefined : (v as unknown)))) as T;

type Call = (tokenizer: Tokenizer, limits: Record<string, unknown>) => unknown;
const CALLS: Record<string, Call> = {
  compressSync: (tokenizer, limits) => compressSync(TEXT, { budget: { ratio: 6 }, query: 'battery faults', tokenizer, explain: true, ...limits }),
  'compressSync (documents, prune)': (tokenizer, limits) =>
    compressSync(
      TEXT.split('\n\n').map((text, i) => ({ id: `d${i}`, text })),
      { budget: { ratio: 5 }, tokenizer, prune: 0.3, ...limits },
    ),
  prepareCompression: (tokenizer, limits) => prepareCompression(TEXT, { tokenizer, query: 'radio', ...limits }).compress(400),
  compressChat: (tokenizer, limits) => compressChat(CHAT, { budget: { ratio: 5 }, tokenizer, ...limits }),
  'compressChat (prefix-stable)': (tokenizer, limits) => compressChat(CHAT, { budget: { ratio: 5 }, tokenizer, prefixStable: true, ...limits }),
  compressJson: (tokenizer, limits) => compressJson(JSON_TEXT, { budget: { ratio: 8 }, tokenizer, query: 'failing pods', ...limits }),
  compressLogs: (tokenizer, limits) => compressLogs(LOG_TEXT, { budget: { ratio: 10 }, tokenizer, query: 'payment timeout', ...limits }),
  compressToolOutput: (tokenizer, limits) => compressToolOutput(TEXT, { budget: { ratio: 6 }, tokenizer, ...limits }),
  'compressToolOutput (json)': (tokenizer, limits) => compressToolOutput(JSON_TEXT, { budget: { ratio: 8 }, tokenizer, ...limits }),
  compressCodeSync: (tokenizer, limits) =>
    compressCodeSync(CODE_TEXT, { budget: { ratio: 4 }, tokenizer, language: 'javascript', query: 'applyDiscount3', ...limits }),
};

describe('options.signal / options.timeLimitMs', () => {
  for (const [name, call] of Object.entries(CALLS)) {
    describe(name, () => {
      it('throws ABORTED at once for a signal aborted before the call (reason as the cause)', () => {
        const controller = new AbortController();
        controller.abort(new Error('client went away'));
        let counted = 0;
        const { code, error } = errorOf(() =>
          call(
            slowTokenizer(0, () => counted++),
            { signal: controller.signal },
          ),
        );
        expect(code).toBe('ABORTED');
        expect((error as Error).cause).toEqual(new Error('client went away'));
        expect(counted).toBe(0); // no work done
        expect(activeDeadline()).toBeUndefined();
      });

      it('rejects invalid limit options with INVALID_OPTION', () => {
        for (const timeLimitMs of [0, -5, Number.NaN, Number.POSITIVE_INFINITY, '100', null]) {
          expect(errorOf(() => call(words, { timeLimitMs })).code).toBe('INVALID_OPTION');
        }
        for (const signal of [{}, { aborted: false }, 'signal', 1, null]) {
          expect(errorOf(() => call(words, { signal })).code).toBe('INVALID_OPTION');
        }
      });

      it('throws TIME_LIMIT when a small limit is reached; the same call without the limit succeeds', () => {
        const tokenizer = slowTokenizer(40);
        const started = performance.now();
        const { code, error } = errorOf(() => call(tokenizer, { timeLimitMs: 5 }));
        const elapsed = performance.now() - started;
        expect(code).toBe('TIME_LIMIT');
        expect((error as Error).message).toMatch(/^compression stopped after \d+ ms \(options\.timeLimitMs is 5\)/);
        expect(activeDeadline()).toBeUndefined();
        const full = performance.now();
        expect(() => call(tokenizer, {})).not.toThrow();
        // informative only (timings are not asserted): the stopped call against the whole call
        expect(elapsed).toBeLessThan(Math.max(1000, (performance.now() - full) * 4));
      });

      it('returns the same result when the limits are given but not reached', () => {
        const plain = strip(call(words, {}));
        const limited = strip(call(words, { timeLimitMs: 60_000, signal: new AbortController().signal }));
        expect(limited).toEqual(plain);
      });
    });
  }

  it('throws ABORTED when the signal is aborted while the call runs (here by the tokenizer)', () => {
    const controller = new AbortController();
    const tokenizer = slowTokenizer(0, (calls) => {
      if (calls === 50) controller.abort();
    });
    expect(errorOf(() => CALLS['compressSync']!(tokenizer, { signal: controller.signal })).code).toBe('ABORTED');
  });

  it('a call stopped by the limit leaves nothing behind: the next call gives the usual result', () => {
    const before = strip(CALLS['compressSync']!(words, {}));
    expect(errorOf(() => CALLS['compressSync']!(slowTokenizer(40), { timeLimitMs: 2 })).code).toBe('TIME_LIMIT');
    expect(strip(CALLS['compressSync']!(words, {}))).toEqual(before);
  });

  it('prepareCompression: the limit counts from the preparation and covers later compress() calls', () => {
    const prepared = prepareCompression(TEXT, { tokenizer: words, timeLimitMs: 30 });
    const spin = performance.now() + 40;
    while (performance.now() < spin) {
      /* let the limit pass */
    }
    expect(errorOf(() => prepared.compress(400)).code).toBe('TIME_LIMIT');
  });

  it('checkLimitOptions (for async front doors) validates and throws for an aborted signal only', () => {
    expect(() => checkLimitOptions({ timeLimitMs: 10, signal: new AbortController().signal })).not.toThrow();
    expect(() => checkLimitOptions(undefined)).not.toThrow();
    expect(errorOf(() => checkLimitOptions({ signal: AbortSignal.abort() })).code).toBe('ABORTED');
    expect(errorOf(() => checkLimitOptions({ timeLimitMs: 0 })).code).toBe('INVALID_OPTION');
  });
});
