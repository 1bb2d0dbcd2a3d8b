import { readFileSync } from 'node:fs';
import { compress, compressCode, compressLogs } from '@ctxpress/node';
import { describe, expect, it } from 'vitest';
import { closeApp, createApp } from './app.js';
import { compactResult, estimateJsonBytes, responseLimit } from './response-shape.js';

const sample = readFileSync(new URL('../../cli/samples/sample.md', import.meta.url), 'utf8');

function post(body: unknown): RequestInit {
  return { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

type SpanRow = [number, number, number];
type Span = { sourceId: string; start: number; end: number };
const expand = (rows: SpanRow[], ids: string[]): Span[] => rows.map(([source, start, end]) => ({ sourceId: ids[source]!, start, end }));
const withoutTimings = (result: object): Record<string, unknown> => Object.fromEntries(Object.entries(result).filter(([key]) => key !== 'timings'));

/** The shape of issue 9's 117 KB request: one document with a long id, ~29k two-letter sentences, explain on. */
const LONG_ID = `doc-${'x'.repeat(2000)}`;
const SHORT_SENTENCES = 'Ab. '.repeat(29_250);

describe('POST /v1/compress response shape', () => {
  const app = createApp({ workers: 0 });

  it('compact (the default) has the same content as the library result: ids once per source, spans as [sourceIndex, start, end]', async () => {
    const documents = [
      { id: 'rover-manual', text: sample },
      { id: 'notes', title: 'Other', text: 'Nothing about the battery here. The wheels are fine. ID-4242 is the order.' },
    ];
    const request = { documents, query: 'What limits the battery life?', budget: { ratio: 4 } };
    const res = await app.request('/v1/compress', post(request));
    expect(res.status).toBe(200);
    const { shape, ...compact } = (await res.json()) as { shape: string; text: string; sources: { id: string }[]; kept: SpanRow[]; dropped: SpanRow[]; timings: unknown };
    expect(shape).toBe('compact');
    const library = await compress(documents, { query: request.query, budget: request.budget });
    const ids = compact.sources.map((source) => source.id);
    expect(ids).toEqual(['rover-manual', 'notes']);
    expect(compact.kept.every((row) => Array.isArray(row) && row.length === 3)).toBe(true);
    expect({ ...withoutTimings(compact), kept: expand(compact.kept, ids), dropped: expand(compact.dropped, ids) }).toEqual(
      JSON.parse(JSON.stringify(withoutTimings(library))),
    );

    const full = await app.request('/v1/compress', post({ ...request, shape: 'full' }));
    const fullBody = (await full.json()) as { timings: unknown; shape?: unknown };
    expect(fullBody.shape).toBeUndefined();
    expect(withoutTimings(fullBody)).toEqual(JSON.parse(JSON.stringify(withoutTimings(library))));
  });

  it('compact explain units are columns with the same spans, kinds, decisions and (6-digit) scores', async () => {
    const request = { text: sample, query: 'battery', budget: { tokens: 300 }, explain: true };
    const { units } = (await (await app.request('/v1/compress', post(request))).json()) as {
      units: {
        count: number;
        source: number[];
        start: number[];
        end: number[];
        kinds: string[];
        kind: number[];
        decisions: string[];
        decision: number[];
        score: number[];
        scores: Record<string, (number | null)[]>;
      };
    };
    const library = await compress(sample, { query: 'battery', budget: { tokens: 300 }, explain: true });
    const reports = library.units!;
    expect(units.count).toBe(reports.length);
    reports.forEach((unit, i) => {
      expect([units.source[i], units.start[i], units.end[i]]).toEqual([0, unit.span.start, unit.span.end]);
      expect(units.kinds[units.kind[i]!]).toBe(unit.kind);
      expect(units.decisions[units.decision[i]!]).toBe(unit.decision);
      expect(units.score[i]).toBeCloseTo(unit.score, 4);
      for (const [name, value] of Object.entries(unit.scores)) expect(units.scores[name]![i]).toBeCloseTo(value, 4);
    });
  });

  it('compacts code and logs spans too; chat and json results are unchanged', async () => {
    const code = [
      { path: `src/${'deep/'.repeat(50)}a.ts`, text: 'export function a(): number {\n  return 1;\n}\n\nexport function b(): number {\n  return 2;\n}\n' },
    ];
    {
      const result = await compressCode(code, { budget: { ratio: 2 }, explain: true });
      const compact = compactResult('code', result as unknown as Record<string, unknown>) as {
        files: { path: string; kept: SpanRow[]; skeleton: SpanRow[] }[];
        units: { file: number; path?: string }[];
      };
      expect(compact.files[0]!.path).toBe(code[0]!.path);
      expect(expand(compact.files[0]!.kept, [code[0]!.path])).toEqual(result.files[0]!.kept);
      expect(expand(compact.files[0]!.skeleton, [code[0]!.path])).toEqual(result.files[0]!.skeleton);
      expect(compact.units.every((unit) => unit.file === 0 && unit.path === undefined)).toBe(true);
      const logs = await compressLogs('boot ok\nERROR disk full\nretry\nretry\nretry\nretry\nretry\ndone\n', { budget: { ratio: 2 } });
      expect((compactResult('logs', logs as unknown as Record<string, unknown>) as { kept: SpanRow[] }).kept).toEqual(
        logs.kept.map((span) => [0, span.start, span.end]),
      );
      const chat = { messages: [], decisions: [] };
      expect(compactResult('chat', chat)).toBe(chat);
    }
  });

  it('keeps the 117 KB request of issue 9 (2 KB document id, 29k short sentences, explain) under the bound; the library shape was 64 MB', async () => {
    const body = JSON.stringify({ documents: [{ id: LONG_ID, text: SHORT_SENTENCES }], budget: { ratio: 4 }, explain: true });
    expect(body.length).toBeGreaterThan(117_000);
    const res = await app.request('/v1/compress', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(res.status).toBe(200);
    const text = await res.text();
    // measured 1.28 MB (10.8× the request); the library's object for the same request is 64 MB (539×)
    expect(text.length).toBeLessThan(16 * body.length);
    const result = JSON.parse(text) as { sources: { id: string }[]; units: { count: number } };
    expect(result.sources[0]!.id).toBe(LONG_ID);
    expect(result.units.count).toBeGreaterThan(29_000);
    expect(text.split(LONG_ID).length - 1).toBe(1); // the id once
  }, 30_000);

  it('answers 413 RESPONSE_TOO_LARGE, before building the JSON, when a response would pass its limit', async () => {
    const body = { documents: [{ id: LONG_ID, text: SHORT_SENTENCES }], budget: { ratio: 4 }, explain: true, shape: 'full' };
    const t = performance.now();
    const res = await app.request('/v1/compress', post(body));
    expect(res.status).toBe(413);
    const error = ((await res.json()) as { error: { code: string; message: string } }).error;
    expect(error.code).toBe('RESPONSE_TOO_LARGE');
    expect(error.message).toMatch(/about \d+ bytes, over this request's limit of \d+ bytes/);
    expect(performance.now() - t).toBeLessThan(10_000);

    // the compact shape, too, under a tighter configured multiple: 3-byte sentences with a query, explain on (~30×)
    const strict = createApp({ workers: 0, maxResponseRatio: 8 });
    const adversarial = await strict.request('/v1/compress', post({ text: 'X? '.repeat(40_000), query: 'x', budget: { ratio: 4 }, explain: true }));
    expect(adversarial.status).toBe(413);
    expect(((await adversarial.json()) as { error: { code: string } }).error.code).toBe('RESPONSE_TOO_LARGE');
    // an ordinary request on the same app is fine
    expect((await strict.request('/v1/compress', post({ text: sample, budget: { ratio: 4 }, explain: true }))).status).toBe(200);
    await closeApp(strict);
  }, 30_000);

  it('refuses an unknown shape', async () => {
    const res = await app.request('/v1/compress', post({ text: sample, budget: { ratio: 4 }, shape: 'tiny' }));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('INVALID_OPTION');
  });

  it('applies the same shape and limit in worker threads', async () => {
    const pooled = createApp({ workers: 1 });
    try {
      const ok = await pooled.request('/v1/compress', post({ documents: [{ id: LONG_ID, text: SHORT_SENTENCES }], budget: { ratio: 4 }, explain: true }));
      expect(ok.status).toBe(200);
      expect(((await ok.json()) as { units: { count: number } }).units.count).toBeGreaterThan(29_000);
      const refused = await pooled.request(
        '/v1/compress',
        post({ documents: [{ id: LONG_ID, text: SHORT_SENTENCES }], budget: { ratio: 4 }, explain: true, shape: 'full' }),
      );
      expect(refused.status).toBe(413);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('RESPONSE_TOO_LARGE');
    } finally {
      await closeApp(pooled);
    }
  }, 60_000);
});

describe('response size helpers', () => {
  it('estimates the JSON size of ASCII values exactly', () => {
    const value = { a: [1, 2.5, -3e-7, null, true, false, 'x"y'.replace('"', '')], b: { c: 'hello', d: [] as number[], e: {} }, f: 0.1 + 0.2 };
    expect(estimateJsonBytes(value)).toBe(JSON.stringify(value).length);
  });

  it('limits a response to the configured multiple of the request, at least 1 MiB, at most the cap', () => {
    expect(responseLimit(1000, 32, 64 * 1024 * 1024)).toBe(1024 * 1024);
    expect(responseLimit(1_000_000, 32, 64 * 1024 * 1024)).toBe(32_000_000);
    expect(responseLimit(10_000_000, 32, 64 * 1024 * 1024)).toBe(64 * 1024 * 1024);
  });
});
