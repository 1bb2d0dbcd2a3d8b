import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { knapsack, KNAPSACK_EXACT_LIMIT } from './knapsack.js';
import { indentationSegmenter } from './indentation-segmenter.js';
import { compressCodeSync } from './compress-code.js';
import { elisionSyntax, outlineLeaves } from './outline.js';
import { languageFromPath, normalizeLanguage } from './languages.js';
import { runSegmenterContract, wordTokenizer } from '../testing/index.js';
import type { CodeFile } from './compress-code.js';

const tokenizer = wordTokenizer();

describe('knapsack', () => {
  const bruteForce = (values: number[], weights: number[], capacity: number): number => {
    let best = 0;
    for (let mask = 0; mask < 1 << values.length; mask++) {
      let v = 0;
      let w = 0;
      for (let i = 0; i < values.length; i++)
        if (mask & (1 << i)) {
          v += Math.max(0, values[i]!) === 0 ? 0 : values[i]!;
          w += weights[i]!;
        }
      if (w <= capacity && v > best) best = v;
    }
    return best;
  };
  it('is optimal on small random instances (brute force)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.double({ min: -1, max: 10, noNaN: true }), fc.integer({ min: 0, max: 30 })), { minLength: 0, maxLength: 10 }),
        fc.integer({ min: 0, max: 80 }),
        (pairs, capacity) => {
          const values = Float64Array.from(pairs, (p) => p[0]);
          const weights = Uint32Array.from(pairs, (p) => p[1]);
          const take = knapsack(values, weights, capacity);
          let v = 0;
          let w = 0;
          take.forEach((t, i) => {
            if (t === 1) {
              v += values[i]!;
              w += weights[i]!;
              expect(values[i]!).toBeGreaterThan(0);
            }
          });
          expect(w).toBeLessThanOrEqual(capacity);
          const best = bruteForce(Array.from(values), Array.from(weights), capacity);
          expect(Math.abs(v - best)).toBeLessThan(1e-9);
        },
      ),
      { numRuns: 300 },
    );
  });
  it('falls back to greedy by density above the exact limit, still within capacity', () => {
    const n = 1000;
    const capacity = Math.ceil(KNAPSACK_EXACT_LIMIT / n) + 10;
    const values = Float64Array.from({ length: n }, (_, i) => (i % 7) + 1);
    const weights = Uint32Array.from({ length: n }, (_, i) => (i % 13) + 1);
    const take = knapsack(values, weights, capacity);
    let w = 0;
    take.forEach((t, i) => (w += t * weights[i]!));
    expect(w).toBeLessThanOrEqual(capacity);
    expect(w).toBeGreaterThan(capacity - 13);
  });
});

const PY_LIKE = `import os
from util import helper

# Loads the configuration file.
def load_config(path):
    with open(path) as f:
        data = f.read()

    return parse(data)

class Store:
    def __init__(self):
        self.items = []

    def add(self, item):
        self.items.append(item)
`;

describe('indentationSegmenter', () => {
  runSegmenterContract({ describe, it, expect }, 'indentationSegmenter', () => indentationSegmenter());
  it('finds imports, functions with blocks, classes with methods, and attaches leading comments', () => {
    const o = indentationSegmenter({ language: 'unknownlang' }).outline(PY_LIKE);
    const summary = o.items.map((it) => `${it.kind}:${it.name}`);
    expect(summary).toEqual([
      'import:',
      'import:',
      'function:load_config',
      'block:',
      'block:',
      'class:Store',
      'method:__init__',
      'block:',
      'method:add',
      'block:',
    ]);
    const fn = o.items[2]!;
    expect(PY_LIKE.slice(fn.start, fn.declStart)).toBe('# Loads the configuration file.\n');
    // leaves tile the text: every non-space character is in exactly one leaf
    const leaves = outlineLeaves(PY_LIKE, o);
    const covered = new Uint8Array(PY_LIKE.length);
    for (const l of leaves) for (let i = l.start; i < l.end; i++) covered[i]! += 1;
    for (let i = 0; i < PY_LIKE.length; i++) if (!/\s/.test(PY_LIKE[i]!)) expect(covered[i]).toBe(1);
  });
  it('handles brace languages it does not know', () => {
    const text = 'proc main() {\n  let x = 1\n  print(x)\n}\n\nproc other(a) {\n  return a\n}\n';
    const o = indentationSegmenter().outline(text);
    expect(o.items.filter((i) => i.kind === 'function').map((i) => i.name)).toEqual(['main', 'other']);
  });
});

describe('languages', () => {
  it('detects languages from extensions and normalises aliases', () => {
    expect(languageFromPath('src/a.ts')).toBe('typescript');
    expect(languageFromPath('a/b.PY')).toBe('python');
    expect(languageFromPath('x.unknown')).toBeUndefined();
    expect(normalizeLanguage('C++')).toBe('cpp');
    expect(elisionSyntax('python').body).toBe('...  # …');
    expect(elisionSyntax('go').body).toBe('{ /* … */ }');
  });
});

const REPO: CodeFile[] = [
  {
    path: 'util.py',
    text: `def normalize_name(value):
    """Lower-cases and trims a customer name."""
    cleaned = value.strip()
    return cleaned.lower()


def unrelated_report(rows):
    total = 0
    for row in rows:
        total += row.amount
        print(row.amount, row.customer, row.region, row.date)
    print("done", total)
    return total


def another_unrelated(xs):
    out = []
    for x in xs:
        out.append(x * 2 + 1)
        out.append(x * 3 + 2)
    return out
`,
  },
  {
    path: 'service.py',
    text: `from util import normalize_name


class CustomerService:
    def __init__(self, db):
        self.db = db

    def register(self, raw):
        name = normalize_name(raw)
        self.db.insert(name)
        return name

    def audit(self):
        for row in self.db.rows():
            print(row)
            print(row.created, row.updated, row.owner)
        return len(self.db.rows())
`,
  },
];

describe('compressCodeSync', () => {
  it('returns the input unchanged when it fits', () => {
    const r = compressCodeSync(REPO, { budget: { ratio: 1 }, tokenizer });
    expect(r.ratio).toBe(1);
    expect(r.text).toContain('# util.py\n');
    expect(r.files[0]!.kept).toEqual([{ sourceId: 'util.py', start: 0, end: REPO[0]!.text.length }]);
  });
  it('pulls in the definition of a helper the query calls, and keeps skeletons of dropped functions', () => {
    const query = 'def handle(raw):\n    name = normalize_name(raw)\n';
    const r = compressCodeSync(REPO, { budget: { ratio: 3 }, tokenizer, query, language: 'python', explain: true });
    expect(r.tokens.compressed).toBeLessThanOrEqual(r.tokens.budget);
    expect(r.text).toContain('def normalize_name(value):');
    expect(r.text).toContain('return cleaned.lower()');
    const normalize = r.units!.find((u) => u.name === 'normalize_name')!;
    expect(normalize.decision).toBe('full');
    // every kept/skeleton span is verbatim input
    for (const f of r.files) {
      const text = REPO.find((x) => x.path === f.path)!.text;
      for (const s of [...f.kept, ...f.skeleton]) expect(r.text).toContain(text.slice(s.start, s.end));
    }
  });
  it('dependency links reach definitions the relevant code calls (one hop through kept code)', () => {
    const query = 'service.register(raw_customer)';
    const r = compressCodeSync(REPO, { budget: { ratio: 2 }, tokenizer, query, explain: true });
    const names = r.units!.filter((u) => u.decision !== 'dropped').map((u) => u.name);
    expect(names).toContain('register');
    expect(names).toContain('normalize_name');
    expect(r.text).toContain('def normalize_name(value):');
  });
  it('segments an unknown language with the indentation fallback', () => {
    const text = 'fun main() {\n  val x = compute(3)\n  println(x)\n}\n\nfun compute(a: Int): Int {\n  return a * 2\n}\n'.repeat(3);
    const r = compressCodeSync(text, { budget: { ratio: 2 }, tokenizer, language: 'somethingelse', query: 'compute' });
    expect(r.tokens.compressed).toBeLessThanOrEqual(r.tokens.budget);
    expect(r.files[0]!.language).toBe('somethingelse');
    expect(r.text).toContain('fun compute(a: Int): Int {');
  });
  it('rejects bad input with coded errors', () => {
    expect(() => compressCodeSync(42 as unknown as string, { budget: { ratio: 2 }, tokenizer })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(() => compressCodeSync([{ path: 'a.py' } as unknown as CodeFile], { budget: { ratio: 2 }, tokenizer })).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    );
    expect(() => compressCodeSync('x', { budget: { ratio: 0.5 }, tokenizer })).toThrow(expect.objectContaining({ code: 'INVALID_BUDGET' }));
    expect(() => compressCodeSync('x', { budget: { ratio: 2 }, tokenizer: {} as never })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
  });
  it('never exceeds the budget (random files and budgets, fallback segmenter)', () => {
    const ident = fc.constantFrom('load', 'save', 'user_id', 'getValue', 'helper', 'x', 'total', 'Cart');
    const stmt = fc.tuple(ident, ident).map(([a, b]) => `${a} = ${b}(${a})`);
    const body = fc.array(
      fc.oneof(
        stmt,
        fc.constant(''),
        stmt.map((s) => `if ${s}:\n        ${s}`),
      ),
      { minLength: 1, maxLength: 6 },
    );
    const def = fc
      .tuple(fc.constantFrom('def', 'function', 'class', 'fn'), ident, body)
      .map(([kw, name, lines]) => `${kw} ${name}(a):\n${lines.map((l) => (l === '' ? '' : `    ${l}`)).join('\n')}`);
    const file = fc
      .array(fc.oneof(def, stmt, fc.constant('import os'), fc.constant('# comment line'), fc.constant('}')), { minLength: 0, maxLength: 12 })
      .map((parts) => parts.join('\n\n'));
    const files = fc
      .array(fc.record({ path: fc.constantFrom('a.py', 'b.ts', 'c.txt', 'd'), text: file }), { minLength: 1, maxLength: 3 })
      .map((fs) => fs.map((f, i) => ({ ...f, path: `${i}/${f.path}` })));
    const budget = fc.oneof(
      fc.integer({ min: 1, max: 300 }).map((tokens) => ({ tokens })),
      fc.double({ min: 1, max: 20, noNaN: true }).map((ratio) => ({ ratio })),
    );
    const query = fc.option(
      fc.array(ident, { minLength: 1, maxLength: 4 }).map((w) => w.join('(')),
      { nil: undefined },
    );
    fc.assert(
      fc.property(fc.oneof(files, file), budget, query, (input, b, q) => {
        const r = compressCodeSync(input, q === undefined ? { budget: b, tokenizer } : { budget: b, tokenizer, query: q });
        expect(r.tokens.compressed).toBeLessThanOrEqual(r.tokens.budget);
        expect(r.tokens.compressed).toBe(r.text.length === 0 ? 0 : tokenizer.count(r.text));
        const inputs = typeof input === 'string' ? [{ path: 'input', text: input }] : input;
        for (const f of r.files) {
          const text = inputs.find((x) => x.path === f.path)!.text;
          for (const s of [...f.kept, ...f.skeleton]) {
            expect(s.start).toBeGreaterThanOrEqual(0);
            expect(s.end).toBeLessThanOrEqual(text.length);
            expect(r.text).toContain(text.slice(s.start, s.end));
          }
        }
      }),
      { numRuns: 250 },
    );
  });
});
