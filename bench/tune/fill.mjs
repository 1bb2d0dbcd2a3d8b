import * as core from '@ctxpress/core';
import { getTokenizer } from '@ctxpress/node';
import { loadTasks, spreadSample, compressInput, fullText, dataDirectory } from '../dist/data.js';
const tok = await getTokenizer('o200k_base');
for (const task of loadTasks(dataDirectory())) {
  const ex = spreadSample(task.examples, 3)[1];
  const original = tok.count(fullText(ex));
  for (const ratio of [4, 10]) {
    const budget = Math.floor(original / ratio);
    const r = core.compressSync(compressInput(ex), { budget: { tokens: budget }, query: ex.question, tokenizer: tok, explain: true });
    const kept = r.units.filter((u) => u.decision === 'kept' || u.decision === 'pinned');
    const sum = kept.reduce((a, u) => a + u.tokens, 0);
    console.log(task.file.split('/').pop().padEnd(28), ratio, 'budget', budget, 'actual', r.tokens.compressed, 'sumUnits', sum, 'spans', r.kept.length, 'units', kept.length, 'trimmed', r.units.filter((u) => u.decision === 'trimmed').length, 'minDroppedTokens', Math.min(...r.units.filter(u=>u.decision==='dropped').map(u=>u.tokens)));
  }
}
