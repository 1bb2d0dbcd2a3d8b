import * as core from '@ctxpress/core';
import { getTokenizer } from '@ctxpress/node';
import { loadTasks, compressInput, fullText, dataDirectory } from '../dist/data.js';
import { normalize, supportingRetention } from '../dist/metrics.js';
const tok = await getTokenizer('o200k_base');
const [task] = loadTasks(dataDirectory(), ['niah_paulgraham']);
for (const ex of task.examples) {
  const original = tok.count(fullText(ex));
  const r = core.compressSync(compressInput(ex), { budget: { tokens: Math.floor(original / 10) }, query: ex.question, tokenizer: tok, explain: true });
  if (supportingRetention(normalize(r.text), ex.supporting) < 1) {
    const needle = ex.supporting[0];
    const u = r.units.find((x) => fullText(ex).slice(x.span.start, x.span.end).includes(needle.slice(0, 30)));
    console.log(ex.id, '|', ex.question, '|', needle.slice(0, 80));
    console.log('  unit:', JSON.stringify(fullText(ex).slice(u.span.start, u.span.end).slice(0, 300)), u.tokens, u.decision, u.score.toFixed(3), JSON.stringify(u.scores));
    const best = [...r.units].sort((a, b) => b.score - a.score).slice(0, 3);
    for (const b of best) console.log('  top:', b.score.toFixed(3), b.decision, JSON.stringify(fullText(ex).slice(b.span.start, b.span.end).slice(0, 120)));
  }
}
