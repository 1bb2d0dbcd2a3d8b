import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compressJson, detectJsonIndent } from './compress-json.js';
import { wordTokenizer } from '../testing/word-tokenizer.js';
import { isCtxpressError } from '../errors.js';

const tokenizer = wordTokenizer();

function isMarker(v: unknown): boolean {
  return typeof v === 'string' && /^… \d+ more items$/.test(v);
}
function typeOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

/** Every key kept in `out` exists in `orig` with the same JSON type (markers excepted); arrays keep item types in order. */
function checkShape(orig: unknown, out: unknown, path = ''): void {
  // the bare skeleton ({} / []) is the last resort at the root
  if (path === '' && typeOf(out) === typeOf(orig) && (typeOf(out) === 'array' || typeOf(out) === 'object') && Object.keys(out as object).length === 0) return;
  if (typeOf(out) !== typeOf(orig)) throw new Error(`type changed at ${path}: ${typeOf(orig)} → ${typeOf(out)}`);
  if (Array.isArray(orig) && Array.isArray(out)) {
    let j = 0; // walk the original in order: kept items appear in order, markers stand for gaps
    for (const item of out) {
      if (isMarker(item) && !orig.slice(j).some((o) => o === item)) {
        const skip = Number(/\d+/.exec(item as string)![0]);
        j += skip;
        continue;
      }
      if (j >= orig.length) throw new Error(`extra item at ${path}`);
      checkShape(orig[j], item, `${path}/${j}`);
      j++;
    }
    if (j !== orig.length) throw new Error(`items unaccounted at ${path}: ${j} of ${orig.length}`);
    return;
  }
  if (typeOf(orig) === 'object') {
    const o = orig as Record<string, unknown>;
    const r = out as Record<string, unknown>;
    let dropped = 0;
    for (const k of Object.keys(r)) {
      if (!Object.prototype.hasOwnProperty.call(o, k)) {
        if (/^…+$/.test(k) && typeof r[k] === 'string' && /^\d+ more keys$/.test(r[k] as string)) {
          dropped = Number(/\d+/.exec(r[k] as string)![0]);
          continue;
        }
        throw new Error(`unknown key ${k} at ${path}`);
      }
      checkShape(o[k], r[k], `${path}/${k}`);
    }
    const kept = Object.keys(r).filter((k) => Object.prototype.hasOwnProperty.call(o, k)).length;
    if (kept + dropped !== Object.keys(o).length) throw new Error(`keys unaccounted at ${path}`);
    return;
  }
  if (typeof orig === 'string' && orig !== out) {
    const s = out as string;
    if (!(s === '' || /… \(\d+ chars\)$/.test(s))) throw new Error(`string changed without a marker at ${path}`);
    const prefix = s.replace(/… \(\d+ chars\)$/, '');
    if (!orig.startsWith(prefix)) throw new Error(`truncated string is not a prefix at ${path}`);
    return;
  }
  if (typeof orig !== 'string' && !Object.is(orig, out) && !(orig === 0 && out === 0)) throw new Error(`scalar changed at ${path}`);
}

// ---------------------------------------------------------------------------------------------------------------------
// realistic tool outputs

function githubIssues(): unknown[] {
  const labels = ['bug', 'enhancement', 'docs', 'good first issue', 'performance'];
  const out: unknown[] = [];
  for (let i = 0; i < 60; i++) {
    const n = 4100 - i;
    out.push({
      url: `https://api.github.com/repos/acme/widgets/issues/${n}`,
      html_url: `https://github.com/acme/widgets/issues/${n}`,
      id: 1900000000 + i * 7919,
      node_id: `I_kwDOAbCdEf${(i * 97).toString(36)}`,
      number: n,
      title: i === 37 ? 'Memory leak in websocket reconnect loop after TLS handshake failure' : `Widget ${labels[i % 5]} follow-up #${i}`,
      user: { login: `user${i % 9}`, id: 5000 + (i % 9), type: 'User', site_admin: false },
      labels: [{ id: 100 + (i % 5), name: labels[i % 5], color: 'd73a4a', default: i % 5 === 0 }],
      state: i % 4 === 0 ? 'closed' : 'open',
      locked: false,
      assignee: i % 3 === 0 ? { login: 'maintainer', id: 42 } : null,
      comments: (i * 7) % 23,
      created_at: `2024-0${1 + (i % 9)}-1${i % 10}T12:00:00Z`,
      updated_at: `2024-10-1${i % 10}T08:30:00Z`,
      body: `Steps to reproduce:\n1. Open the widget panel\n2. Click refresh ${i} times\nExpected: it works. Actual: it does not. `.repeat(3),
    });
  }
  return out;
}

function searchResults(): unknown {
  const results = [];
  for (let i = 0; i < 40; i++) {
    results.push({
      rank: i + 1,
      title: i === 23 ? 'Configuring connection pool limits in PgBouncer' : `Result ${i}: general database tuning notes`,
      url: `https://docs.example.com/page/${i}`,
      snippet: i === 23 ? 'Set max_client_conn and default_pool_size in pgbouncer.ini to bound connections.' : 'Lorem ipsum tuning advice about indexes, vacuum and query plans. '.repeat(4),
      score: Number((1 - i / 50).toFixed(3)),
    });
  }
  return { query: 'database tuning', total: 1843, took_ms: 37, results };
}

function podList(): unknown {
  const items = [];
  for (let i = 0; i < 30; i++) {
    const failing = i === 17;
    items.push({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: failing ? 'payments-api-7d9f8c6b5-x2k4q' : `web-frontend-5c8d7f9b4-${i.toString(36)}abc`,
        namespace: failing ? 'payments' : 'default',
        uid: `3f1c2a4e-0000-4000-8000-${String(i).padStart(12, '0')}`,
        labels: { app: failing ? 'payments-api' : 'web-frontend', 'pod-template-hash': '5c8d7f9b4' },
        creationTimestamp: '2024-11-20T10:00:00Z',
      },
      spec: { containers: [{ name: 'app', image: failing ? 'registry/payments:1.4.2' : 'registry/web:2.0.1', resources: { limits: { cpu: '500m', memory: '512Mi' } } }], nodeName: `node-${i % 4}` },
      status: failing
        ? { phase: 'Running', containerStatuses: [{ name: 'app', ready: false, restartCount: 14, state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s restarting failed container' } } }] }
        : { phase: 'Running', containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: { running: { startedAt: '2024-11-20T10:01:00Z' } } }] },
    });
  }
  return { apiVersion: 'v1', kind: 'List', items, metadata: { resourceVersion: '123456' } };
}

describe('compressJson on realistic tool outputs', () => {
  it('GitHub issue list: valid, within budget, keeps the issue matching the query, keeps shape', () => {
    const input = JSON.stringify(githubIssues(), null, 2);
    const original = tokenizer.count(input);
    const r = compressJson(input, { budget: { ratio: 10 }, tokenizer, query: 'websocket memory leak' });
    const parsed = JSON.parse(r.text) as unknown[];
    expect(r.tokens.compressed).toBeLessThanOrEqual(Math.floor(original / 10));
    expect(tokenizer.count(r.text)).toBe(r.tokens.compressed);
    expect(r.text).toContain('Memory leak in websocket reconnect loop');
    expect(r.text).toContain('\n  {'); // 2-space style preserved
    expect(r.folded.some((f) => f.path === '' && f.kind === 'array' && f.total === 60)).toBe(true);
    expect(parsed.some((x) => typeof x === 'string' && /^… \d+ more items$/.test(x))).toBe(true);
    expect(r.value).toEqual(parsed);
    checkShape(githubIssues(), parsed);
  });

  it('search results: keeps the matching record and the envelope scalars', () => {
    const value = searchResults();
    const input = JSON.stringify(value, null, 4);
    const r = compressJson(input, { budget: { ratio: 6 }, tokenizer, query: 'PgBouncer connection pool' });
    const parsed = JSON.parse(r.text) as { total: number; results: unknown[] };
    expect(r.text).toContain('PgBouncer');
    expect(r.text).toContain('max_client_conn');
    expect(parsed.total).toBe(1843);
    expect(r.text).toContain('\n    "query"'); // 4-space style preserved
    checkShape(value, parsed);
  });

  it('Kubernetes pod list: keeps the crash-looping pod, its reason and restart count', () => {
    const value = podList();
    const input = JSON.stringify(value);
    const r = compressJson(input, { budget: { ratio: 8 }, tokenizer, query: 'CrashLoopBackOff payments pod' });
    expect(r.text).not.toContain('\n'); // minified stays minified
    expect(r.text).toContain('payments-api-7d9f8c6b5-x2k4q');
    expect(r.text).toContain('CrashLoopBackOff');
    expect(r.text).toContain('"restartCount":14');
    expect(r.tokens.compressed).toBeLessThanOrEqual(r.tokens.budget);
    checkShape(value, JSON.parse(r.text));
  });

  it('without a query, a rare value of a categorical field keeps its record (the crash-looping pod)', () => {
    const value = podList();
    const r = compressJson(value, { budget: { ratio: 8 }, tokenizer });
    expect(r.text).toContain('payments-api-7d9f8c6b5-x2k4q');
    expect(r.text).toContain('CrashLoopBackOff');
    checkShape(value, JSON.parse(r.text));
  });

  it('without a query, keeps the first items and reports folds and truncations', () => {
    const value = githubIssues();
    const r = compressJson(value, { budget: { ratio: 5 }, tokenizer });
    const parsed = JSON.parse(r.text) as { number: number }[];
    expect(parsed[0]!.number).toBe(4100);
    expect(r.tokens.compressed).toBeLessThanOrEqual(r.tokens.budget);
    expect(r.truncated.length + r.folded.length).toBeGreaterThan(0);
    for (const t of r.truncated) expect(t.path).toMatch(/^(\/[^/]*)*$/);
    checkShape(value, parsed);
  });

  it('keep patterns are never dropped nor truncated', () => {
    const value = githubIssues();
    const r = compressJson(value, { budget: { ratio: 10 }, tokenizer, keep: ['issues/4071'] });
    expect(r.text).toContain('https://api.github.com/repos/acme/widgets/issues/4071');
  });

  it('returns the input unchanged when it already fits', () => {
    const input = '{\n\t"a": [1, 2, 3]\n}';
    const r = compressJson(input, { budget: { tokens: 1000 }, tokenizer });
    expect(r.text).toBe(input);
    expect(r.folded).toEqual([]);
  });

  it('tabs are preserved', () => {
    const value = { items: Array.from({ length: 50 }, (_, i) => ({ id: i, name: `item ${i}` })) };
    const r = compressJson(JSON.stringify(value, null, '\t'), { budget: { ratio: 4 }, tokenizer });
    expect(r.text).toContain('\n\t"items"');
    checkShape(value, JSON.parse(r.text));
  });

  it('truncates long strings with the length marker', () => {
    const value = { log: 'lorem '.repeat(833) + 'end!', id: 7 };
    const r = compressJson(value, { budget: { tokens: 60 }, tokenizer });
    const parsed = JSON.parse(r.text) as { log: string; id: number };
    expect(parsed.log).toMatch(/^lorem lorem .*… \(5002 chars\)$/);
    expect(parsed.id).toBe(7);
    expect(r.truncated).toEqual([{ path: '/log', originalLength: 5002 }]);
  });

  it('drops low-value keys of large objects last, keeping ids and query matches', () => {
    const value: Record<string, unknown> = { id: 'abc', status: 'failed' };
    for (let i = 0; i < 80; i++) value[`field_${i}`] = `value number ${i}`;
    value['error_detail'] = 'disk quota exceeded on volume data';
    const r = compressJson(value, { budget: { tokens: 40 }, tokenizer, query: 'quota exceeded' });
    const parsed = JSON.parse(r.text) as Record<string, unknown>;
    expect(parsed['id']).toBe('abc');
    expect(parsed['error_detail']).toBe('disk quota exceeded on volume data');
    expect(Object.keys(parsed)).toContain('…');
    checkShape(value, parsed);
  });

  it('invalid JSON says where', () => {
    try {
      compressJson('{\n  "a": 1,\n  "b": ]\n}', { budget: { ratio: 2 }, tokenizer });
      throw new Error('no error');
    } catch (e) {
      expect(isCtxpressError(e) && e.code).toBe('INVALID_INPUT');
      expect((e as Error).message).toMatch(/line 3, column 8/);
    }
  });

  it('throws BUDGET_UNSATISFIABLE when even the skeleton does not fit', () => {
    try {
      compressJson('"a long string value here"', { budget: { tokens: 1 }, tokenizer });
      throw new Error('no error');
    } catch (e) {
      expect(isCtxpressError(e) && e.code).toBe('BUDGET_UNSATISFIABLE');
    }
  });

  it('detects the indentation style', () => {
    expect(detectJsonIndent('{"a":1}')).toBe(0);
    expect(detectJsonIndent('{\n  "a": 1\n}')).toBe(2);
    expect(detectJsonIndent('[\n    1\n]')).toBe(4);
    expect(detectJsonIndent('{\n\t"a": 1\n}')).toBe('\t');
  });
});

describe('compressJson properties', () => {
  const big = fc.oneof(fc.constant(Number('12345678901234567890')), fc.constant(Number('-9007199254740993')), fc.constant(1.7976931348623157e308), fc.constant(5e-324));
  const value = fc.letrec((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      tie('leaf'),
      fc.array(tie('node'), { maxLength: 25 }),
      fc.dictionary(fc.string({ unit: 'grapheme', maxLength: 8 }), tie('node'), { maxKeys: 12 }),
    ),
    leaf: fc.oneof(fc.string({ unit: 'grapheme', maxLength: 60 }), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), big),
  })).node;

  it('output always parses, fits the budget (or throws BUDGET_UNSATISFIABLE) and keeps types', () => {
    fc.assert(
      fc.property(value, fc.integer({ min: 1, max: 400 }), fc.constantFrom(0, 2, 4, '\t'), fc.option(fc.constantFrom('name status', 'error id', 'a b c'), { nil: undefined }), (v, tokens, indent, query) => {
        const canonical = JSON.parse(JSON.stringify(v)) as unknown;
        const input = indent === 0 ? JSON.stringify(v) : JSON.stringify(v, null, indent);
        try {
          const r = compressJson(input, { budget: { tokens }, tokenizer, ...(query !== undefined ? { query } : {}) });
          const parsed = JSON.parse(r.text) as unknown;
          expect(tokenizer.count(r.text)).toBeLessThanOrEqual(tokens);
          expect(r.tokens.compressed).toBe(tokenizer.count(r.text));
          checkShape(canonical, parsed);
        } catch (e) {
          if (!isCtxpressError(e) || e.code !== 'BUDGET_UNSATISFIABLE') throw e;
        }
      }),
      { numRuns: 600 },
    );
  });

  it('ratio budgets on non-string values', () => {
    fc.assert(
      fc.property(value, fc.double({ min: 1, max: 20, noNaN: true }), (v, ratio) => {
        if (typeof v === 'string') return; // a string input is read as JSON text
        try {
          const r = compressJson(v, { budget: { ratio }, tokenizer });
          expect(r.tokens.compressed).toBeLessThanOrEqual(r.tokens.budget);
          checkShape(JSON.parse(JSON.stringify(v)), JSON.parse(r.text));
        } catch (e) {
          if (!isCtxpressError(e) || e.code !== 'BUDGET_UNSATISFIABLE') throw e;
        }
      }),
      { numRuns: 300 },
    );
  });
});
