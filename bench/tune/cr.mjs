import { getTokenizer } from '@ctxpress/node';
import * as core from '@ctxpress/core';
import { buildTextPool, assemble } from '../dist/speed.js';
import { dataDirectory } from '../dist/data.js';
const tok = await getTokenizer('o200k_base');
const pool = buildTextPool(dataDirectory());
const input = assemble(pool.blocks, 0, 100000, tok);
const seg = core.structuredTextSegmenter().segment(core.createSources(input));
const starts = Uint32Array.from(seg.units.map((u) => u.start)), ends = Uint32Array.from(seg.units.map((u) => u.end));
for (let round = 0; round < 3; round++) {
  let t = performance.now(); tok.count(input); const a = performance.now() - t;
  t = performance.now(); tok.countRanges(input, starts, ends); const b = performance.now() - t;
  t = performance.now(); core.buildScoringContext(seg, tok, pool.query, new Uint32Array(starts.length)); const c = performance.now() - t;
  t = performance.now(); core.structuredTextSegmenter().segment(core.createSources(input)); const d = performance.now() - t;
  console.log('count', a.toFixed(1), 'countRanges', b.toFixed(1), 'context', c.toFixed(1), 'segment', d.toFixed(1));
}
