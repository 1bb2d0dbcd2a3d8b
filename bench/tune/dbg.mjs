import * as core from '@ctxpress/core';
import fs from 'node:fs';
const ex = fs.readFileSync('/work/shared/data/niah_paulgraham.jsonl','utf8').split('\n').filter(Boolean).map(JSON.parse).find(e=>e.id==='niah-book-64k-d100');
const t = ex.context;
const seg = core.structuredTextSegmenter().segment(core.createSources(t));
const big = seg.units.filter(u=>u.end-u.start>2000);
for (const u of big) { console.log(u.kind, u.start, u.end, JSON.stringify(t.slice(u.start, u.start+150)), JSON.stringify(t.slice(u.end-100,u.end))); }
const i = big[0]?.start ?? 0;
console.log(JSON.stringify(t.slice(i-200, i+50)));
