// countRanges (with the speed input's unit ranges) vs count, alternately after a forced GC + 25 ms each.
// node --expose-gc bench/tune/countranges.mjs [size]
import { loadPool } from './pool.mjs';
import { getTokenizer, structuredTextSegmenter, createSources } from '@ctxpress/node';
import { assemble } from '../dist/speed.js';
const tok = await getTokenizer('o200k_base');
const pool = loadPool();
const input = assemble(pool.blocks, 0, Number(process.argv[2] ?? 100000), tok);
const seg = structuredTextSegmenter().segment(createSources(input, 'auto'));
const starts = Uint32Array.from(seg.units.map((u) => u.start));
const ends = Uint32Array.from(seg.units.map((u) => u.end));
const med = (xs) => { const a = [...xs].sort((x, y) => x - y); return a[a.length >> 1]; };
const t = { ranges: [], count: [], rangesNoUnits: [] };
for (let i = 0; i < 15; i++) {
  for (const k of Object.keys(t)) {
    globalThis.gc();
    await new Promise((r) => setTimeout(r, 25));
    const s = performance.now();
    if (k === 'count') tok.count(input); else if (k === 'ranges') tok.countRanges(input, starts, ends); else tok.countRanges(input, new Uint32Array(0), new Uint32Array(0));
    t[k].push(performance.now() - s);
  }
}
for (const [k, v] of Object.entries(t)) console.log(k.padEnd(14), 'med', med(v).toFixed(1), 'min', Math.min(...v).toFixed(1));
