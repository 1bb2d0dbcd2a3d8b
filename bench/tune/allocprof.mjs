// Bytes allocated by one tokenizer.count and one compress() of the speed input. Run with a huge young generation so no
// scavenge hides allocation: node --expose-gc --max-semi-space-size=1024 bench/tune/allocprof.mjs [size]
import { loadPool } from './pool.mjs';
import { getTokenizer, compressSync } from '@ctxpress/node';
import { assemble } from '../dist/speed.js';
const tok = await getTokenizer('o200k_base');
const pool = loadPool();
const size = Number(process.argv[2] ?? 100000);
const input = assemble(pool.blocks, 0, size, tok);
const warm = assemble(pool.blocks, Math.floor(pool.blocks.length / 2), size, tok);
const opts = { budget: { ratio: 10 }, query: pool.query, tokenizer: tok };
for (let i = 0; i < 3; i++) { compressSync(warm, opts); tok.count(warm); }
const mem = () => { const m = process.memoryUsage(); return m.heapUsed + m.arrayBuffers; };
const stages = {}; // MB per call
const rounds = 5;
for (let r = 0; r < rounds; r++) {
  globalThis.gc();
  const a0 = mem();
  tok.count(input);
  const a1 = mem();
  globalThis.gc();
  const b0 = mem();
  const res = compressSync(input, opts);
  const b1 = mem();
  stages.count = (stages.count ?? 0) + (a1 - a0) / rounds / 1e6;
  stages.compress = (stages.compress ?? 0) + (b1 - b0) / rounds / 1e6;
}
console.log('MB allocated (heapUsed+arrayBuffers delta, mean of', rounds, '):', JSON.stringify(Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, +v.toFixed(2)]))));
