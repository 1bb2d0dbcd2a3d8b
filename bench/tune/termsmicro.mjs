// Term extraction cost split: word scan only, scan + hash, and buildScoringContext, on the speed input (median of 15).
import { loadPool } from './pool.mjs';
import { getTokenizer, structuredTextSegmenter, createSources } from '@ctxpress/node';
import { buildScoringContext } from '@ctxpress/core';
import { nextWord } from '../../packages/core/dist/text/terms.js';
import { assemble } from '../dist/speed.js';
const tok = await getTokenizer('o200k_base');
const pool = loadPool();
const input = assemble(pool.blocks, 0, 100000, tok);
const seg = structuredTextSegmenter().segment(createSources(input, 'auto'));
const units = seg.units;
const text = seg.sources[0].text;
const starts = Uint32Array.from(units.map((u) => u.start));
const ends = Uint32Array.from(units.map((u) => u.end));
const { counts } = tok.countRanges(text, starts, ends);
const W = new Int32Array(3);
let nonAscii = 0; for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 128) nonAscii++;
console.log('chars', text.length, 'non-ascii', nonAscii, 'units', units.length, 'sources', seg.sources.length);
const variants = {
  scan: () => { let c = 0; for (let i = 0; i < units.length; i++) { const end = ends[i]; for (let at = nextWord(text, starts[i], end, W); at >= 0; at = nextWord(text, at, end, W)) c++; } return c; },
  scanHash: () => { let c = 0; for (let i = 0; i < units.length; i++) { const end = ends[i]; for (let at = nextWord(text, starts[i], end, W); at >= 0; at = nextWord(text, at, end, W)) { let h = 0x811c9dc5 | 0; for (let k = W[0]; k < W[1]; k++) h = Math.imul(h ^ text.charCodeAt(k), 0x01000193); c += h & 1; } } return c; },
  build: () => buildScoringContext(seg, tok, pool.query, counts).termIds.length,
};
const med = (xs) => { const a = [...xs].sort((x, y) => x - y); return a[a.length >> 1]; };
const r = {};
for (let k = 0; k < 15; k++) for (const [name, fn] of Object.entries(variants)) { globalThis.gc(); const s = performance.now(); const v = fn(); (r[name] ??= { v, ms: [] }).ms.push(performance.now() - s); }
for (const [name, x] of Object.entries(r)) console.log(name.padEnd(10), x.v, 'med', med(x.ms).toFixed(1), 'min', Math.min(...x.ms).toFixed(1));
const ctx = buildScoringContext(seg, tok, pool.query, counts);
console.log('vocabulary', ctx.vocabulary.size, 'term occurrences', ctx.termIds.length);
