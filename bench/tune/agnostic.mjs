// Query-agnostic mode vs head / random on a spread sample (answer / supporting retention).
import * as core from '@ctxpress/core';
import { getTokenizer } from '@ctxpress/node';
import { loadTasks, spreadSample, compressInput, fullText, dataDirectory } from '../dist/data.js';
import { normalize, answerRetention, supportingRetention } from '../dist/metrics.js';
import { prepareInput, headSelection, randomSelection, hashSeed } from '../dist/baselines.js';
const tok = await getTokenizer('o200k_base');
const limit = Number(process.argv[2] ?? 40);
const { informationScorer, positionScorer, greedySelector } = core;
const sel = greedySelector({ redundancy: 0.5, costExponent: 0.5 });
const A = (info, pos, p = {}) => ({ agnosticScorers: [{ scorer: informationScorer(), weight: info }, { scorer: positionScorer(p), weight: pos }], selector: sel });
const variants = {
  rc: A(1, 0.5),
  p1: A(1, 1),
  p2: A(1, 2),
  p1lead: A(1, 1, { sourceLead: 0.8 }),
  p2lead: A(1, 2, { sourceLead: 0.8 }),
};
for (const ratio of [4, 10]) {
  const acc = {};
  for (const task of loadTasks(dataDirectory())) {
    for (const ex of spreadSample(task.examples, limit)) {
      const budget = Math.floor(tok.count(fullText(ex)) / ratio);
      const prepared = prepareInput(compressInput(ex), tok);
      const outs = { head: headSelection(prepared, budget, tok).text, random: randomSelection(prepared, budget, tok, hashSeed(ex.id)).text };
      for (const [v, pipeline] of Object.entries(variants)) outs[v] = core.compressSync(compressInput(ex), { budget: { tokens: budget }, tokenizer: tok, pipeline }).text;
      for (const [m, t] of Object.entries(outs)) {
        const n = normalize(t);
        acc[m] ??= { a: 0, an: 0, s: 0, sn: 0 };
        const a = answerRetention(n, ex.answers); if (a !== null) { acc[m].a += a; acc[m].an++; }
        const s = supportingRetention(n, ex.supporting); if (s !== null) { acc[m].s += s; acc[m].sn++; }
      }
    }
  }
  console.log(ratio + 'x', Object.entries(acc).map(([m, r]) => `${m} ${(r.a / r.an).toFixed(3)}/${(r.s / r.sn).toFixed(3)}`).join('  '));
}
