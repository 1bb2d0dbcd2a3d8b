// Stage timings of compress() on the speed input with and without a forced GC and/or a 25 ms sleep before each call
// (shows optimized code lost at full GCs): node --expose-gc bench/tune/sleepexp.mjs
import { loadPool } from './pool.mjs';
import { compress, getTokenizer } from '@ctxpress/node';
import { assemble } from '../dist/speed.js';
const tok = await getTokenizer('o200k_base');
const pool = loadPool();
const input = assemble(pool.blocks, 0, 100000, tok);
const warm = assemble(pool.blocks, Math.floor(pool.blocks.length / 2), 100000, tok);
const opts = { budget: { ratio: 10 }, query: pool.query, tokenizer: tok };
for (let i = 0; i < 3; i++) await compress(warm, opts);
const med = (xs) => { const a = [...xs].sort((x, y) => x - y); return a[a.length >> 1]; };
for (const mode of ['none', 'gc', 'gc+sleep', 'sleep', 'none', 'gc+sleep']) {
  const ts = [];
  for (let i = 0; i < 9; i++) {
    if (mode.includes('gc')) globalThis.gc();
    if (mode.includes('sleep')) await new Promise((r) => setTimeout(r, 25));
    const r = await compress(input, opts);
    ts.push(r.timings);
  }
  const st = {}; for (const k of Object.keys(ts[0])) st[k] = +med(ts.map((t) => t[k])).toFixed(1);
  console.log(mode.padEnd(9), JSON.stringify(st));
}
