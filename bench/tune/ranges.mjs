import { getTokenizer } from '@ctxpress/node';
import * as core from '@ctxpress/core';
import fs from 'node:fs';
const tok = await getTokenizer('o200k_base');
let mism = 0, totalDiff = 0, units = 0;
for (const f of ['squad_article', 'niah_paulgraham', 'locomo_conversation', 'qmsum_meeting', 'code_private_api']) {
  const exs = fs.readFileSync(`/work/shared/data/${f}.jsonl`, 'utf8').split('\n').filter(Boolean).slice(0, 5).map(JSON.parse);
  for (const ex of exs) {
    const t = ex.context;
    const seg = core.structuredTextSegmenter().segment(core.createSources(t));
    const starts = Uint32Array.from(seg.units.map((u) => u.start)), ends = Uint32Array.from(seg.units.map((u) => u.end));
    const r = tok.countRanges(t, starts, ends);
    if (r.total !== tok.count(t)) mism++;
    for (let i = 0; i < starts.length; i++) { totalDiff += Math.abs(r.counts[i] - tok.count(t.slice(starts[i], ends[i]))); units++; }
    let t0 = performance.now(); tok.count(t); const c1 = performance.now() - t0;
    t0 = performance.now(); tok.countRanges(t, starts, ends); const c2 = performance.now() - t0;
    t0 = performance.now(); for (let i = 0; i < starts.length; i++) tok.count(t.slice(starts[i], ends[i])); const c3 = performance.now() - t0;
    if (ex === exs[4]) console.log(f, 'count', c1.toFixed(1), 'ranges', c2.toFixed(1), 'perUnit', c3.toFixed(1));
  }
}
console.log('total mismatches', mism, 'mean |unit diff|', (totalDiff / units).toFixed(4), 'units', units);
