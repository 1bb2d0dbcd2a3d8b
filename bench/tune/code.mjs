import * as core from '@ctxpress/core';
import { getTokenizer } from '@ctxpress/node';
import { loadTasks, compressInput, fullText, dataDirectory } from '../dist/data.js';
import { normalize } from '../dist/metrics.js';
const tok = await getTokenizer('o200k_base');
const [task] = loadTasks(dataDirectory(), [process.env.T ?? 'code_private_api']);
let shown = 0;
for (const ex of task.examples) {
  const original = tok.count(fullText(ex));
  const r = core.compressSync(compressInput(ex), { budget: { tokens: Math.floor(original / Number(process.env.R ?? 10)) }, query: ex.question, tokenizer: tok, explain: true });
  const n = normalize(r.text);
  const missing = ex.supporting.filter((s) => !n.includes(normalize(s)));
  if (missing.length === 0 || shown++ > 6) continue;
  console.log('\n#', ex.id, 'Q:', JSON.stringify(ex.question.slice(-300)));
  for (const m of missing) {
    const u = r.units.find((x) => fullText(ex).slice(x.span.start, x.span.end).includes(m.slice(0, 40)));
    const rank = u ? [...r.units].sort((a, b) => b.score - a.score).indexOf(u) : -1;
    console.log('  MISSING', JSON.stringify(m.slice(0, 120)), u ? `rank ${rank}/${r.units.length} score ${u.score.toFixed(3)} tokens ${u.tokens}` : 'unit?');
  }
  const best = [...r.units].sort((a, b) => b.score - a.score).slice(0, 3);
  for (const b of best) console.log('  top:', b.score.toFixed(3), b.decision, JSON.stringify(fullText(ex).slice(b.span.start, b.span.end).slice(0, 100)));
}
