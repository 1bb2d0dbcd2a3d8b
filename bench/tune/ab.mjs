// A/B of the speed protocol (forced GC + 25 ms before each timed call; count and compress alternately) for one checkout:
// node --expose-gc bench/tune/ab.mjs ROOT [runs=30] [size=100000]. Prints median and minimum per stage.
import { loadPool } from './pool.mjs';
const root = process.argv[2] ?? '/work/main';
const runs = Number(process.argv[3] ?? 30);
const size = Number(process.argv[4] ?? 100000);
const { compressSync } = await import(`${root}/packages/core/dist/index.js`);
const { getTokenizer } = await import(`${root}/packages/node/dist/tokenizers/registry.js`);
const { assemble } = await import('../dist/speed.js');
const tok = await getTokenizer('o200k_base');
const pool = loadPool();
const input = assemble(pool.blocks, 0, size, tok);
const warm = assemble(pool.blocks, Math.floor(pool.blocks.length / 2), size, tok);
const opts = { budget: { ratio: 10 }, query: pool.query, tokenizer: tok };
const t0 = performance.now();
for (let i = 0; i < 50 && performance.now() - t0 < 500; i++) { compressSync(warm, opts); tok.count(warm); }
const collect = async () => { globalThis.gc(); await new Promise((r) => setTimeout(r, 25)); };
const rows = [];
for (let r = 0; r < runs; r++) {
  await collect();
  let s = performance.now(); tok.count(input); const count = performance.now() - s;
  await collect();
  s = performance.now(); const res = compressSync(input, opts); const compress = performance.now() - s;
  rows.push({ tokenizeOnce: count, compress, ratio: compress / count, ...res.timings });
}
const med = (xs) => { const a = [...xs].sort((x, y) => x - y); const m = a.length >> 1; return a.length % 2 ? a[m] : (a[m - 1] + a[m]) / 2; };
const keys = Object.keys(rows[0]);
const fmt = (f) => keys.map((k) => `${k} ${f(rows.map((x) => x[k])).toFixed(k === 'ratio' ? 2 : 1)}`).join(' | ');
console.log(`${root} (${runs} runs)`);
console.log('  median:', fmt(med));
console.log('  min:   ', fmt((xs) => Math.min(...xs)));
