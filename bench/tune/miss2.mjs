// HotpotQA misses with the documents' fate: T=task R=ratio
import * as core from '@ctxpress/core';
import { getTokenizer } from '@ctxpress/node';
import { loadTasks, compressInput, fullText, dataDirectory } from '../dist/data.js';
import { normalize } from '../dist/metrics.js';
const tok = await getTokenizer('o200k_base');
const [task] = loadTasks(dataDirectory(), ['hotpotqa_distractor']);
let shown = 0;
for (const ex of task.examples) {
  const full = fullText(ex);
  const r = core.compressSync(compressInput(ex), { budget: { tokens: Math.floor(tok.count(full) / Number(process.env.R ?? 4)) }, query: ex.question, tokenizer: tok, explain: true });
  const n = normalize(r.text);
  if (ex.answers.some((a) => n.includes(normalize(a)))) continue;
  if (shown++ >= Number(process.env.N ?? 6)) break;
  console.log('\n#', ex.id, 'Q:', ex.question, '| A:', ex.answers.join(' / '), '| gold titles', ex.meta?.supporting_titles);
  const docs = compressInput(ex);
  for (const [i, d] of docs.entries()) {
    const units = r.units.filter((u) => u.span.sourceId === String(i));
    const kept = units.filter((u) => u.decision === 'kept').length;
    const hasAns = normalize(d.title + ' ' + d.text).includes(normalize(ex.answers[0]));
    console.log(`   ${hasAns ? 'A' : ' '} ${(ex.meta?.supporting_titles ?? []).includes(d.title) ? 'S' : ' '} kept ${kept}/${units.length} best ${Math.max(...units.map((u) => u.score)).toFixed(2)} ${d.title}`);
  }
}
