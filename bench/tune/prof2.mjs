import { compress, getTokenizer } from '@ctxpress/node';
import { buildTextPool, assemble } from '../dist/speed.js';
import { dataDirectory } from '../dist/data.js';
const tok = await getTokenizer('o200k_base');
const pool = buildTextPool(dataDirectory());
const size = Number(process.argv[2] ?? 100000);
const input = assemble(pool.blocks, 0, size, tok);
const warm = assemble(pool.blocks, Math.floor(pool.blocks.length / 2), size, tok);
const opts = { budget: { ratio: 10 }, query: pool.query, tokenizer: tok };
await compress(warm, opts); await compress(warm, opts);
let r; const t0 = performance.now();
for (let i = 0; i < 5; i++) { if (globalThis.gc) globalThis.gc(); r = await compress(input, opts); console.log(JSON.stringify(Object.fromEntries(Object.entries(r.timings).map(([k, v]) => [k, +v.toFixed(1)])))); }
console.log('ms/run', ((performance.now() - t0) / 5).toFixed(1), JSON.stringify(Object.fromEntries(Object.entries(r.timings).map(([k, v]) => [k, +v.toFixed(1)]))));
const t1 = performance.now(); for (let i = 0; i < 5; i++) tok.count(input); console.log('count ms', ((performance.now() - t1) / 5).toFixed(1));
