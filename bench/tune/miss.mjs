// Shows examples whose answer is lost: T=task R=ratio
import * as core from '@ctxpress/core';
import { getTokenizer } from '@ctxpress/node';
import { loadTasks, compressInput, fullText, dataDirectory } from '../dist/data.js';
import { normalize } from '../dist/metrics.js';
const tok = await getTokenizer('o200k_base');
const [task] = loadTasks(dataDirectory(), [process.env.T]);
let shown = 0;
for (const ex of task.examples) {
  if (ex.answers.length === 0) continue;
  const full = fullText(ex);
  const r = core.compressSync(compressInput(ex), { budget: { tokens: Math.floor(tok.count(full) / Number(process.env.R ?? 4)) }, query: ex.question, tokenizer: tok });
  const n = normalize(r.text);
  if (ex.answers.some((a) => n.includes(normalize(a)))) continue;
  if (shown++ >= Number(process.env.N ?? 8)) break;
  const ans = ex.answers[0];
  const idx = normalize(full).indexOf(normalize(ans));
  console.log('\n#', ex.id, 'Q:', ex.question, '| A:', ex.answers.join(' / '));
  // find the raw line containing the answer
  const lines = full.split('\n').filter((l) => normalize(l).includes(normalize(ans)));
  for (const l of lines.slice(0, 2)) console.log('   answer line:', JSON.stringify(l.slice(0, 200)));
  console.log('   supporting kept:', ex.supporting.map((s) => n.includes(normalize(s))).join(','), '| ', ex.supporting.map((s) => s.slice(0, 80)).join(' || '));
}
