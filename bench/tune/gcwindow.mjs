// The speed child's protocol (forced GC + 25 ms before each timed call, count and compress alternately) with the GC
// pauses that fall inside each timed call. node --expose-gc bench/tune/gcwindow.mjs [size=100000] [runs=15] [ROOT=/work/main]
import { loadPool } from './pool.mjs';
import { PerformanceObserver } from 'node:perf_hooks';
import { assemble } from '../dist/speed.js';
const size = Number(process.argv[2] ?? 100000);
const runs = Number(process.argv[3] ?? 15);
const root = process.argv[4] ?? '/work/main';
const { compressSync } = await import(`${root}/packages/core/dist/index.js`);
const { getTokenizer } = await import(`${root}/packages/node/dist/tokenizers/registry.js`);
const compress = async (input, options) => compressSync(input, options);
const tok = await getTokenizer('o200k_base');
const pool = loadPool();
const input = assemble(pool.blocks, 0, size, tok);
const warm = assemble(pool.blocks, Math.floor(pool.blocks.length / 2), size, tok);
const opts = { budget: { ratio: 10 }, query: pool.query, tokenizer: tok };
const gcs = [];
new PerformanceObserver((list) => { for (const e of list.getEntries()) gcs.push({ start: e.startTime, end: e.startTime + e.duration, kind: e.detail?.kind }); }).observe({ entryTypes: ['gc'] });
const collect = async () => { globalThis.gc(); await new Promise((r) => setTimeout(r, 25)); };
const t0 = performance.now();
while (performance.now() - t0 < 500) { await compress(warm, opts); tok.count(warm); }
const windows = [];
const cpuMs = (c) => { const d = process.cpuUsage(c); return (d.user + d.system) / 1000; };
for (let r = 0; r < runs; r++) {
  await collect();
  let c = process.cpuUsage();
  let s = performance.now(); tok.count(input); windows.push({ what: 'count', s, e: performance.now(), cpu: cpuMs(c) });
  await collect();
  c = process.cpuUsage();
  s = performance.now(); const res = await compress(input, opts); windows.push({ what: 'compress', s, e: performance.now(), timings: res.timings, cpu: cpuMs(c) });
}
await new Promise((r) => setTimeout(r, 50));
const med = (xs) => { const a = [...xs].sort((x, y) => x - y); const m = a.length >> 1; return a.length % 2 ? a[m] : (a[m - 1] + a[m]) / 2; };
const summary = { count: { ms: [], gcMs: [], gcN: [], cpu: [] }, compress: { ms: [], gcMs: [], gcN: [], cpu: [] } };
for (const w of windows) {
  const inside = gcs.filter((g) => g.start >= w.s && g.end <= w.e);
  summary[w.what].ms.push(w.e - w.s);
  summary[w.what].gcMs.push(inside.reduce((a, g) => a + g.end - g.start, 0));
  summary[w.what].gcN.push(inside.length);
  summary[w.what].cpu.push(w.cpu);
}
for (const k of ['count', 'compress']) {
  const x = summary[k];
  console.log(`${k.padEnd(8)} ms med ${med(x.ms).toFixed(1)} min ${Math.min(...x.ms).toFixed(1)} | gc ms med ${med(x.gcMs).toFixed(1)} | gc count med ${med(x.gcN)} (total ${x.gcN.reduce((a, b) => a + b, 0)} over ${runs}) | cpu ms med ${med(x.cpu).toFixed(1)} min ${Math.min(...x.cpu).toFixed(1)}`);
}
const cpuFree = summary.compress.ms.map((m, i) => m - summary.compress.gcMs[i]);
const cntFree = summary.count.ms.map((m, i) => m - summary.count.gcMs[i]);
console.log(`ratio med ${(med(summary.compress.ms) / med(summary.count.ms)).toFixed(2)}  min/min ${(Math.min(...summary.compress.ms) / Math.min(...summary.count.ms)).toFixed(2)}  gc-free med ${(med(cpuFree) / med(cntFree)).toFixed(2)}  cpu med ${(med(summary.compress.cpu) / med(summary.count.cpu)).toFixed(2)}`);
const stages = {};
const tw = windows.filter((w) => w.timings);
for (const k of Object.keys(tw[0].timings)) stages[k] = +med(tw.map((w) => w.timings[k])).toFixed(1);
console.log('stages', JSON.stringify(stages));
