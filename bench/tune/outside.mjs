// Time compressSync spends outside its stage timings (input checks, createSources/format detection, joins), speed input.
import { loadPool } from './pool.mjs';
import { getTokenizer, compressSync, createSources } from '@ctxpress/node';
import { assemble } from '../dist/speed.js';
const tok = await getTokenizer('o200k_base');
const pool = loadPool();
const input = assemble(pool.blocks, 0, 100000, tok);
const opts = { budget: { ratio: 10 }, query: pool.query, tokenizer: tok };
for (let i = 0; i < 3; i++) compressSync(input, opts);
const med = (xs) => { const a = [...xs].sort((x, y) => x - y); return a[a.length >> 1]; };
const outside = [], sources = [];
for (let i = 0; i < 15; i++) {
  globalThis.gc(); await new Promise((r) => setTimeout(r, 25));
  let s = performance.now(); createSources(input, 'auto'); sources.push(performance.now() - s);
  globalThis.gc(); await new Promise((r) => setTimeout(r, 25));
  const r = compressSync(input, opts);
  const { total, ...stages } = r.timings;
  outside.push(total - Object.values(stages).reduce((a, b) => a + b, 0));
}
console.log('outside stages med', med(outside).toFixed(1), 'ms; createSources alone med', med(sources).toFixed(1), 'ms');
