// How much of the render stage is the output recount: wraps tokenizer.count to time it. node --expose-gc bench/tune/rendercount.mjs
import { loadPool } from './pool.mjs';
import { getTokenizer, compressSync } from '@ctxpress/node';
import { assemble } from '../dist/speed.js';
const base = await getTokenizer('o200k_base');
let countMs = 0, calls = 0, chars = 0;
const tok = { ...base, count: (t) => { const s = performance.now(); const r = base.count(t); countMs += performance.now() - s; calls++; chars += t.length; return r; } };
const pool = loadPool();
const input = assemble(pool.blocks, 0, 100000, base);
const opts = { budget: { ratio: 10 }, query: pool.query, tokenizer: tok };
for (let i = 0; i < 3; i++) compressSync(input, opts);
for (let i = 0; i < 10; i++) {
  globalThis.gc(); await new Promise((r) => setTimeout(r, 25));
  countMs = 0; calls = 0; chars = 0;
  const r = compressSync(input, opts);
  console.log(`render ${r.timings.render.toFixed(1)} ms, of which count ${countMs.toFixed(1)} ms in ${calls} calls (${chars} chars); select ${r.timings.select.toFixed(1)}`);
}
