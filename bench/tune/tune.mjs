// Quick tuning harness (not part of `npm run bench`): compares pipeline variants on a spread sample.
// usage: node bench/tune/tune.mjs [limit] [variant,...]
import * as core from '@ctxpress/core';
import { getTokenizer } from '@ctxpress/node';
import { loadTasks, spreadSample, compressInput, fullText, dataDirectory } from '../dist/data.js';
import { normalize, answerRetention, supportingRetention } from '../dist/metrics.js';
import { prepareInput, bm25Selection } from '../dist/baselines.js';

const limit = Number(process.argv[2] ?? 40);
const base = await getTokenizer('o200k_base');
const cache = new Map();
const tokenizer = { name: 'cached', count(t) { let c = cache.get(t); if (c === undefined) { c = base.count(t); cache.set(t, c); } return c; } };
const { referenceScorer, bm25Scorer, neighbourScorer, groupScorer, informationScorer, positionScorer, migAllocator, greedySelector, structuredTextSegmenter } = core;

function qs({ nb = 0.3, grp = 0.25, info = 0.1, pos = 0.1, fb, blk = 0, pw, ref = 0, rd, win } = {}) {
  const bm = bm25Scorer({ ...(fb === undefined ? {} : { feedback: fb }), ...(pw === undefined ? {} : { prefixWeight: pw }) });
  const nbOpts = { replyDecay: rd ?? 0.8, window: win ?? 2 };
  const out = [{ scorer: bm, weight: 1 }];
  if (nb) out.push({ scorer: neighbourScorer(bm, nbOpts), weight: nb });
  if (grp) out.push({ scorer: groupScorer(bm, { level: 'source' }), weight: grp });
  if (blk) out.push({ scorer: groupScorer(bm, { level: 'block' }), weight: blk });
  if (info) out.push({ scorer: informationScorer(), weight: info });
  if (pos) out.push({ scorer: positionScorer(), weight: pos });
  if (ref) out.push({ scorer: referenceScorer(bm), weight: ref });
  return out;
}
const V = (o = {}, sel = {}, alloc = undefined) => ({ queryScorers: qs({ nb: 0, grp: 0, info: 0, pos: 0, ...o }), allocator: alloc, selector: greedySelector({ costExponent: 0, redundancy: 0, ...sel }) });
const C1 = { nb: 0.3, blk: 0.25, grp: 0.25, pos: 0.1 };
const noTitle = { segmenter: structuredTextSegmenter({ titleAnchors: false }) };
const B = { nb: 0.3, blk: 0.25, pos: 0.1, grp: 0.1 };
const M = () => migAllocator({ minValue: 0.6, coarseShare: 0.3 });
const D = { ...B, ref: 0.5, grp: 0.15 };
const variants = {
  dflt: {},
  pos2: V({ ...D, pos: 0.2 }, {}, M()),
  pos2ref7: V({ ...D, pos: 0.2, ref: 0.7 }, {}, M()),
};
const chosen = (process.argv[3] ?? Object.keys(variants).join(',')).split(',');
const tasks = loadTasks(dataDirectory(), process.env.TASKS ? process.env.TASKS.split(',') : undefined);
const ratios = (process.env.RATIOS ?? "4,10").split(",").map(Number);
const rows = [];
for (const task of tasks) {
  const examples = spreadSample(task.examples, limit);
  const acc = {};
  for (const ex of examples) {
    const full = fullText(ex);
    const original = tokenizer.count(full);
    const prepared = prepareInput(compressInput(ex), tokenizer, ex.question);
    for (const ratio of ratios) {
      const budget = Math.floor(original / ratio);
      const outs = { bm25: bm25Selection(prepared, budget, tokenizer).text };
      for (const v of chosen) {
        const r = core.compressSync(compressInput(ex), { budget: { tokens: budget }, query: ex.question, tokenizer, pipeline: variants[v] });
        outs[v] = r.text;
      }
      for (const [m, text] of Object.entries(outs)) {
        const n = normalize(text);
        const k = `${m}@${ratio}`;
        acc[k] ??= { a: 0, an: 0, s: 0, sn: 0 };
        const a = answerRetention(n, ex.answers); if (a !== null) { acc[k].a += a; acc[k].an++; }
        const s = supportingRetention(n, ex.supporting); if (s !== null) { acc[k].s += s; acc[k].sn++; }
      }
    }
  }
  rows.push([task.name ?? task.file, acc]);
}
const methods = ['bm25', ...chosen];
for (const ratio of ratios) {
  console.log(`\n== ${ratio}x  (answer / supporting)`);
  console.log('task'.padEnd(22) + methods.map((m) => m.padStart(14)).join(''));
  const mean = {};
  for (const [name, acc] of rows) {
    let line = String(name).slice(0, 21).padEnd(22);
    for (const m of methods) {
      const r = acc[`${m}@${ratio}`];
      const a = r.an ? r.a / r.an : NaN, s = r.sn ? r.s / r.sn : NaN;
      mean[m] ??= { a: 0, s: 0, na: 0, ns: 0 };
      if (!Number.isNaN(a)) { mean[m].a += a; mean[m].na++; }
      mean[m].s += s; mean[m].ns++;
      line += `${Number.isNaN(a) ? '  -  ' : a.toFixed(3)}/${s.toFixed(3)}`.padStart(14);
    }
    console.log(line);
  }
  console.log('MEAN'.padEnd(22) + methods.map((m) => `${(mean[m].a / mean[m].na).toFixed(3)}/${(mean[m].s / mean[m].ns).toFixed(3)}`.padStart(14)).join(''));
}
