import { describe, expect, it } from 'vitest';
import { linearRegExp } from '@ctxpress/node';
import { closeApp, createApp } from './app.js';

function post(body: unknown): RequestInit {
  return { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

describe('keep regexes the safety check refuses run on the linear-time engine (issue 9 item 2)', () => {
  // the four patterns that used to pass the first check and run to the time limit, and two classic ReDoS shapes
  const patterns = ['(\\w\\w?)+y', '(\\d?\\d?)+y', '([0-9]?[0-9]?)+y', '(\\s?\\s?)*x', '(a+)+$', '(a|ab)*c'];

  it.each(patterns)('/%s/ over hostile input: 200 inside the time limit', async (source) => {
    // a regex keep runs in a worker that the time limit terminates: a backtracking match would answer 504
    const app = createApp({ workers: 0, timeoutMs: 5_000 });
    try {
      const hostile = `${'a'.repeat(20_000)} ${'1'.repeat(20_000)} ${' '.repeat(2_000)}.`;
      const text = `The alpha key is axy here. ${hostile} Then some sentences follow. They carry nothing. The end is near.`;
      const res = await app.request('/v1/compress', post({ text, budget: { tokens: 2_000 }, keep: [`/${source}/`] }));
      expect(res.status).toBe(200);
    } finally {
      await closeApp(app);
    }
  });

  it('a pattern the check accepts but that is quadratic on the backtracking engine (/a+b/ over a long run) runs linear too', async () => {
    const app = createApp({ workers: 0, timeoutMs: 3_000 });
    try {
      const text = `Start here. ${'a'.repeat(100_000)} End here.`;
      const res = await app.request('/v1/compress', post({ text, budget: { tokens: 200 }, keep: ['/a+b/'] }));
      expect(res.status).toBe(200);
    } finally {
      await closeApp(app);
    }
  });

  it('a pattern the check refuses keeps what it matches', async () => {
    const app = createApp({ workers: 0 });
    try {
      const text = `Ticket abcy-7 was filed. ${'Filler words that mean nothing at all. '.repeat(40)}The ticket zzy-9 is closed.`;
      const res = await app.request('/v1/compress', post({ text, budget: { tokens: 30 }, keep: ['/(\\w\\w?)+y-\\d/'] }));
      expect(res.status).toBe(200);
      const out = ((await res.json()) as { text: string }).text;
      expect(out).toContain('abcy-7');
      expect(out).toContain('zzy-9');
    } finally {
      await closeApp(app);
    }
  });

  it('refuses, with a reason, what neither the check nor RE2 accepts (backreferences, lookarounds)', async () => {
    const app = createApp({ workers: 0 });
    try {
      for (const source of ['(a+)+\\1', '(?=(a+)+)b']) {
        const res = await app.request('/v1/compress', post({ text: 'a b c', budget: { tokens: 5 }, keep: [`/${source}/`] }));
        expect(res.status).toBe(400);
        const { error } = (await res.json()) as { error: { code: string; message: string } };
        expect(error.code).toBe('INVALID_OPTION');
        expect(error.message).toMatch(/linear-time engine cannot run it/);
      }
    } finally {
      await closeApp(app);
    }
  });
});

describe('linearRegExp', () => {
  it('is a RegExp that the library, matchAll, replace and split drive through exec', () => {
    const re = linearRegExp('[A-Z]{2,}-\\d+', 'g');
    expect(re).toBeInstanceOf(RegExp);
    expect([...'see AB-1 and CD-22, not e-3'.matchAll(re)].map((m) => [m[0], m.index])).toEqual([
      ['AB-1', 4],
      ['CD-22', 13],
    ]);
    expect('x1y22z'.replace(linearRegExp('\\d+', 'g'), '#')).toBe('x#y#z');
    expect('a,b;c'.split(linearRegExp('[,;]'))).toEqual(['a', 'b', 'c']);
    expect(linearRegExp('HELLO', 'i').test('say hello')).toBe(true);
    expect(linearRegExp('^b', 'm').test('a\nb')).toBe(true);
    expect(linearRegExp('a.b', 's').test('a\nb')).toBe(true);
    // UTF-16 offsets, as JavaScript reports them
    expect(linearRegExp('y').exec('😀x😀y')?.index).toBe(5);
  });

  it('is linear where the backtracking engine is exponential (V8 would not return from this call)', () => {
    expect(linearRegExp('(a+)+$').test(`${'a'.repeat(50_000)}!`)).toBe(false);
  });
});
